"""Which Bot API calls a neutral reply becomes: the same decision for both front ends."""

from __future__ import annotations

from bot.channels.delivery_plan import (
    SendAlbum,
    SendDocument,
    SendPhoto,
    SendText,
    SendVoice,
    plan_send,
)
from bot.conversation.replies import CAPTION_LIMIT, TEXT_LIMIT, Button, Reply


def test_text_alone_is_one_message_with_the_keyboard() -> None:
    payload = Reply("您好", buttons=[[Button("看看", url="https://example.org")]]).to_payload()
    assert plan_send(payload) == [SendText("您好", with_markup=True)]


def test_one_photo_carries_a_short_text_as_its_caption() -> None:
    payload = Reply("现场照片", photos=["p1"], documents=["d1"]).to_payload()
    assert plan_send(payload) == [
        SendPhoto("p1", caption="现场照片", with_markup=True),
        SendDocument("d1"),
    ]


def test_one_photo_and_a_text_too_long_for_a_caption() -> None:
    text = "长" * (CAPTION_LIMIT + 1)
    assert plan_send(Reply(text, photos=["p1"]).to_payload()) == [
        SendPhoto("p1"),
        SendText(text, with_markup=True),
    ]


def test_albums_hold_ten_photos_and_a_lone_rest_goes_as_a_photo() -> None:
    photos = [f"p{n}" for n in range(11)]
    steps = plan_send(Reply("看图", photos=photos).to_payload())
    assert steps == [
        SendAlbum(tuple(photos[:10])),
        SendPhoto("p10"),
        SendText("看图", with_markup=True),
    ]


def test_a_long_text_is_cut_and_only_its_last_piece_has_the_keyboard() -> None:
    text = "\n".join("第一行内容" * 20 for _ in range(100))
    steps = plan_send({"text": text})
    assert len(steps) >= 2 and all(isinstance(step, SendText) for step in steps)
    assert [step.with_markup for step in steps] == [False] * (len(steps) - 1) + [True]
    assert all(len(step.text) <= TEXT_LIMIT for step in steps if isinstance(step, SendText))


def test_photos_without_text_send_no_empty_message() -> None:
    assert plan_send({"text": "", "photos": ["p1", "p2"]}) == [SendAlbum(("p1", "p2"))]


def test_one_voice_carries_a_short_text_and_the_keyboard() -> None:
    """A spoken comment sent again by its file id, the answers as its caption."""
    payload = Reply(
        "语音意见（0:12）", buttons=[[Button("看看", url="https://x.org")]], voices=["v1"]
    )
    assert plan_send(payload.to_payload()) == [
        SendVoice("v1", caption="语音意见（0:12）", with_markup=True)
    ]


def test_voices_with_a_long_text_or_other_media_go_before_the_text() -> None:
    text = "长" * (CAPTION_LIMIT + 1)
    assert plan_send(Reply(text, voices=["v1"]).to_payload()) == [
        SendVoice("v1"),
        SendText(text, with_markup=True),
    ]
    assert plan_send(Reply("看图", photos=["p1"], voices=["v1", "v2"]).to_payload()) == [
        SendPhoto("p1"),
        SendVoice("v1"),
        SendVoice("v2"),
        SendText("看图", with_markup=True),
    ]


def test_a_notice_with_a_photo_goes_as_its_caption_or_before_a_long_text() -> None:
    from datetime import UTC, datetime

    from bot.views.notices import render
    from core.services.notices import Audience, NoticeKind, NoticeStatus, NoticeView

    def notice(text: str) -> NoticeView:
        now = datetime(2026, 12, 2, tzinfo=UTC)
        return NoticeView(
            1, 1, NoticeKind.EVENT, NoticeStatus.SENDING, text, text, Audience(), None, None,
            None, None, None, now, "Asia/Shanghai", photo="AgACAgIAAx0-file-id",
        )  # fmt: skip

    short = plan_send(render(notice("周六亲子活动"), "zh_Hans"))
    assert short == [
        SendPhoto("AgACAgIAAx0-file-id", caption="【社区活动】\n周六亲子活动", with_markup=True)
    ]
    long_text = "活" * CAPTION_LIMIT
    steps = plan_send(render(notice(long_text), "zh_Hans"))
    assert steps == [SendPhoto("AgACAgIAAx0-file-id"), SendText(f"【社区活动】\n{long_text}", True)]

"""What belongs to the Telegram front ends themselves (aiogram and python-telegram-bot alike):
updates handled once, every press answered, failures answered politely, long replies split,
blocked people skipped, 429s waited out in order, webhooks behind a secret, the command menus."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from resident_steps import drain
from sqlalchemy import select

from bot.conversation.replies import TEXT_LIMIT, Button, Reply, split_text, utf16_len
from bot.handlers import common
from bot.views.commands import default_menus as command_menus
from core.clock import FakeClock
from core.enums import OutboxKind, OutboxStatus
from core.models import ChatIdentity, OutboxMessage
from core.services import outbox
from sandbox.world import World, running_world
from tg_emulator import Emulator, SimUser
from tg_emulator.limits import RateLimits

STALE = {"zh-hans": "已无法使用", "zh-hant": "已無法使用"}
WRONG = {"zh-hans": "出了点问题", "zh-hant": "出了點問題"}
LANGUAGES = ["zh-hans", "zh-hant"]


async def _queue(
    world: World, chat_id: int, *payloads: dict[str, Any], kind: OutboxKind = OutboxKind.SEND
) -> list[int]:
    """Messages for a chat put in the outbox, as a routine's notice would; their ids.

    Once the chat's earlier answers are recorded as sent: until then a claim leaves the chat's
    later messages waiting, and they would go at the sender's next idle look, up to a second
    later than this test's patience."""
    await _no_answer_pending(world, chat_id)
    async with world.uow as uow:
        ids = [await outbox.enqueue(uow, chat_id, payload, kind=kind) for payload in payloads]
        await uow.commit()
    assert world.core.pipeline.sender is not None
    world.core.pipeline.sender.wake()
    return ids


async def _no_answer_pending(world: World, chat_id: int) -> None:
    for _ in range(100):
        async with world.uow as uow:
            pending = await uow.session.scalar(
                select(OutboxMessage.id).where(
                    OutboxMessage.chat_id == chat_id,
                    OutboxMessage.status == OutboxStatus.PENDING,
                )
            )
        if pending is None:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the chat's earlier answers were never recorded")


async def _settled(world: World, ids: list[int]) -> list[str]:
    """Their statuses once none of them waits any more (the sender records after sending)."""
    for _ in range(200):
        async with world.uow as uow:
            rows = await uow.session.scalars(
                select(OutboxMessage).where(OutboxMessage.id.in_(ids)).order_by(OutboxMessage.id)
            )
            statuses = [row.status for row in rows]
        if OutboxStatus.PENDING not in statuses:
            return statuses
        await asyncio.sleep(0.1)
    raise AssertionError(f"still pending after 20 s: {statuses}")


# ------------------------------------------------------------------- per-update duties


@pytest.mark.parametrize("language_code", LANGUAGES)
async def test_a_garbled_button_is_answered_politely(world: World, language_code: str) -> None:
    user = await world.resident("孙", language_code)
    menu = user.transcript()[-1]
    for forged in ("rp:not-a-number", "zz:1:2", "垃圾数据"):
        answered = asyncio.create_task(_answer_of(world, user, menu.message_id, forged))
        reply = await user.next_message()
        assert STALE[language_code] in reply.body
        answer = await answered
        assert answer is not None and STALE[language_code] in (answer.text or "")


async def _answer_of(world: World, user: SimUser, message_id: int, data: str) -> Any:
    conversation, _ = user._conversation(None, None)
    stored = conversation.get(message_id)
    assert stored is not None
    return await world.emulator._press(user, world.emulator.default_bot, stored, data, 5.0)


@pytest.mark.parametrize("language_code", LANGUAGES)
async def test_a_bug_in_a_handler_gets_an_apology_and_a_traceback_in_the_log(
    world: World,
    language_code: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    user = await world.resident("吴", language_code)

    async def broken_menu(*args: object, **kwargs: object) -> Reply:
        raise RuntimeError("a bug in the menu")

    monkeypatch.setattr(common, "full_menu", broken_menu)
    with caplog.at_level(logging.ERROR, logger="bot.runtime.pipeline"):
        await user.send_command("menu")
        apology = await user.next_message()
    assert WRONG[language_code] in apology.body
    [record] = [
        r for r in caplog.records if r.exc_info and "a bug in the menu" in str(r.exc_info[1])
    ]
    assert record.levelno == logging.ERROR and "Traceback" in caplog.text

    monkeypatch.undo()  # and the next message is handled as if nothing happened
    await user.send_command("menu")
    assert (await user.next_message()).buttons


# ------------------------------------------------------------------------ outbox out


async def test_a_long_reply_arrives_split_with_the_buttons_on_its_last_piece(
    world: World,
) -> None:
    user = await world.resident("郑", "zh-hans")
    lines = [f"第{n}项：公共区域照明、电梯、给排水设施巡检记录。" for n in range(400)]
    text = "\n".join(lines)
    assert utf16_len(text) > 2 * TEXT_LIMIT
    button = Button("好", url="https://example.org/notice")
    await _queue(world, user.chat_id, Reply(text, buttons=[[button]]).to_payload())
    pieces = await drain(user)
    assert len(pieces) == 3
    assert all(utf16_len(piece.body) <= TEXT_LIMIT for piece in pieces)
    assert "\n".join(piece.body for piece in pieces) == text  # cut at line ends, nothing lost
    assert [bool(piece.buttons) for piece in pieces] == [False, False, True]


@pytest.mark.parametrize("failing", ["5xx", "drop"])
async def test_a_long_reply_broken_off_half_way_sends_only_its_rest(
    world: World, failing: str
) -> None:
    user = await world.resident("郑", "zh-hant")
    text = "\n".join(f"第{n}項：公共區域照明、電梯、給排水設施巡檢記錄。" for n in range(400))
    button = Button("好", url="https://example.org/notice")
    # The second piece fails once; the sender tries the message again two seconds later.
    world.emulator.add_fault(failing, methods=["sendMessage"], after=1, times=1)
    [item] = await _queue(world, user.chat_id, Reply(text, buttons=[[button]]).to_payload())
    pieces = await drain(user, quiet=4)
    assert "\n".join(piece.body for piece in pieces) == text  # each piece once, in order
    assert [bool(piece.buttons) for piece in pieces] == [False, False, True]
    assert await _settled(world, [item]) == [OutboxStatus.SENT]
    async with world.uow as uow:
        counted = (await uow.session.get_one(OutboxMessage, item)).sent_message_id
    assert counted == pieces[-1].message_id  # what a later edit would replace


async def test_a_person_who_blocked_the_bot_is_marked_and_skipped(world: World) -> None:
    user = await world.resident("冯", "zh-hans")
    world.emulator.block(user)
    sent_before = world.emulator.stats()["calls"].get("sendMessage", 0)
    queued = await _queue(
        world, user.chat_id, {"text": "您好"}, {"text": "还在吗"}, {"text": "再见"}
    )
    assert await _settled(world, queued) == [OutboxStatus.SKIPPED] * 3
    async with world.uow as uow:
        identity = await uow.session.scalar(
            select(ChatIdentity).where(ChatIdentity.chat_id == user.chat_id)
        )
        assert identity is not None and identity.blocked
    # Only the first was tried: after the 403 the rest were skipped without a call.
    assert world.emulator.stats()["calls"].get("sendMessage", 0) == sent_before + 1


async def test_the_default_and_a_personal_command_menu_are_set(world: World) -> None:
    bot = world.emulator.default_bot
    expected = command_menus(world.core.config.default_locale)
    for _ in range(100):  # set right after the bot starts
        if ("default", "zh") in bot.commands:
            break
        await asyncio.sleep(0.05)
    for language_code, items in expected.items():
        assert bot.commands[("default", language_code)] == [
            {"command": c, "description": d} for c, d in items
        ]
    assert any(item["description"] == "主菜单" for item in bot.commands[("default", "")])

    user = await world.resident("陈", "zh-hant")
    queued = await _queue(
        world,
        user.chat_id,
        {"commands": [["menu", "主選單"], ["cancel", "取消"]]},
        kind=OutboxKind.COMMANDS,
    )
    assert await _settled(world, queued) == [OutboxStatus.SENT]
    assert bot.commands[(f"chat:{user.chat_id}", "")] == [
        {"command": "menu", "description": "主選單"},
        {"command": "cancel", "description": "取消"},
    ]


async def test_a_429_is_waited_out_and_everything_arrives_in_order(
    db_url: str, clock: FakeClock, framework: str
) -> None:
    # Stricter than Telegram and than our own pacing, so the emulator answers 429 for sure.
    strict = RateLimits(private_chat_burst=1, private_chat_per_second=2.0)
    async with (
        Emulator(rate_limits=strict) as emulator,
        running_world(
            db_url, clock=clock, framework=framework, emulator=emulator, paced=True
        ) as world,
    ):
        user = await world.resident("褚", "zh-hans")
        long_text = "\n".join(f"第{n}行" + "漏水" * 40 for n in range(60))
        pieces = split_text(long_text)
        assert len(pieces) >= 2
        texts = ["一", long_text, "二", "三", "四"]
        queued = await _queue(world, user.chat_id, *({"text": text} for text in texts))
        received = [(await user.next_message(timeout=20)).body for _ in range(len(pieces) + 4)]
        assert received == ["一", *pieces, "二", "三", "四"]
        assert await _settled(world, queued) == [OutboxStatus.SENT] * len(texts)
        assert await drain(user, quiet=1.0) == []  # no piece sent twice
        assert emulator.stats()["too_many_requests"] >= 1
        emulator.assert_no_violations()


# ------------------------------------------------------------------------------ webhooks


@pytest.fixture
async def webhook_world(db_url: str, clock: FakeClock, framework: str) -> AsyncIterator[World]:
    async with running_world(db_url, clock=clock, framework=framework, webhook=True) as world:
        yield world
        world.emulator.assert_no_violations()


@pytest.mark.parametrize("language_code", LANGUAGES)
async def test_webhook_mode_behind_a_secret_handles_an_update_once(
    webhook_world: World, language_code: str
) -> None:
    world = webhook_world
    settings = world.runtime.settings
    user = await world.resident("卫", language_code)  # bound through the webhook
    bot = world.emulator.default_bot
    assert bot.webhook is not None and bot.webhook.url == settings.webhook_url
    assert settings.webhook_secret is not None
    secret = settings.webhook_secret.get_secret_value()
    assert bot.webhook.secret_token == secret
    assert world.emulator.stats()["calls"].get("getUpdates", 0) == 0

    await user.send_command("language")
    update_id = world.emulator.queue(bot).next_update_id - 1
    sent = user.transcript()[-1]
    await user.next_message()
    update = {"update_id": update_id, "message": _stored(user, sent.message_id)}

    async with aiohttp.ClientSession() as http:
        assert settings.webhook_url is not None
        # Without the secret: refused, not handled.
        refused = await _post(http, settings.webhook_url, {**update, "update_id": update_id + 100})
        assert refused in (401, 403)
        # Telegram delivers at least once: the same update again is not handled again.
        again = await _post(http, settings.webhook_url, update, secret)
        assert again == 200
        # Not JSON, or no update id: a client error, not a server one (and no error logged).
        headers = {"X-Telegram-Bot-Api-Secret-Token": secret}
        for body in (b"{not json", b"[1, 2]", b'{"message": {}}'):
            async with http.post(settings.webhook_url, data=body, headers=headers) as response:
                assert response.status == 400, body
    assert await drain(user, quiet=1.0) == []

    await user.send_command("menu")  # and the next one is handled as usual
    assert (await user.next_message()).buttons


def _stored(user: SimUser, message_id: int) -> dict[str, Any]:
    conversation, _ = user._conversation(None, None)
    stored = conversation.get(message_id)
    assert stored is not None
    return stored.to_api()


async def _post(
    http: aiohttp.ClientSession, url: str, update: dict[str, Any], secret: str | None = None
) -> int:
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Telegram-Bot-Api-Secret-Token"] = secret
    async with http.post(url, data=json.dumps(update), headers=headers) as response:
        await response.read()
        return response.status

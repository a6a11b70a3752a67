"""A satisfaction survey in chat: each bound member of a household gets the questionnaire and
answers one question at a time with buttons, a text answer written or skipped; the first member
to answer answers for the household and the other is told so; a double tap, an old message and
a forged press are answered politely; the answers survive a restart and days; the reminder goes
to households not finished; a manager reads the rates with /survey."""

from __future__ import annotations

from datetime import timedelta

import pytest
from resident_steps import drain, forge_press, tap
from survey_steps import reached, start_campaign

from core.services import surveys
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "head": "【满意度调查】2026年住户满意度调查\n第1题（共3题）：\n您对管理处的服务满意吗？",
        "very": "非常满意",
        "not": "不满意",
        "second": "第2题（共3题）",
        "third": "第3题（共3题）",
        "write": "写下回答",
        "skip": "跳过",
        "write_it": "请直接写下您的回答",
        "thanks": "谢谢您！您家的调查问卷已记录",
        "other": "您家已有其他成员填写了本次满意度调查",
        "recorded": "这个回答已经记录了。",
        "done": "您已填写过本次调查",
        "reminder": "温馨提醒",
        "closed": "本次调查已结束",
    },
    "zh-hant": {
        "head": "【滿意度調查】2026年住戶滿意度調查\n第1題（共3題）：\n您對管理處的服務滿意嗎？",
        "very": "非常滿意",
        "not": "不滿意",
        "second": "第2題（共3題）",
        "third": "第3題（共3題）",
        "write": "寫下回答",
        "skip": "略過",
        "write_it": "請直接寫下您的回答",
        "thanks": "謝謝您！您家的調查問卷已記錄",
        "other": "您家已有其他成員填寫了本次滿意度調查",
        "recorded": "這個回答已經記錄了。",
        "done": "您已填寫過本次調查",
        "reminder": "溫馨提醒",
        "closed": "本次調查已結束",
    },
}
LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])


@LANGS
async def test_two_members_of_a_household_one_answer(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    first = await world.resident("赵", lang, "1栋", "101")
    second = await world.resident("钱", lang, "1栋", "101")
    campaign_id = await start_campaign(world)

    mine = await first.next_message()
    theirs = await second.next_message()
    assert mine.body == expect["head"]
    assert [row[0]["text"] for row in mine.buttons] == [
        expect["very"],
        "满意" if lang == "zh-hans" else "滿意",
        expect["not"],
    ]

    rating = await tap(first, mine, expect["very"])
    assert expect["second"] in rating.body
    assert [b["text"] for b in rating.buttons[0]] == ["1", "2", "3", "4", "5"]
    # The other member presses too: the household is being answered by the first.
    told = await tap(second, theirs, expect["not"])
    assert expect["other"] in told.body

    # A double tap on the first question is answered politely, nothing recorded twice.
    again = await tap(first, mine, expect["not"])
    assert again.body == expect["recorded"]

    text = await tap(first, rating, "4")
    assert expect["third"] in text.body
    ask = await tap(first, text, expect["write"])
    assert expect["write_it"] in ask.body
    assert [b["text"] for b in ask.buttons[0]] == [expect["skip"]]
    await first.send_photo()  # not words: asked again
    assert expect["write_it"] in (await first.next_message()).body
    await first.send_text("电梯经常坏")
    assert expect["thanks"] in (await first.next_message()).body

    # Done: an old button of the first member, and the second member's, say so politely.
    assert expect["done"] in (await tap(first, rating, "5")).body
    assert expect["other"] in (await tap(second, theirs, expect["very"])).body
    async with world.uow as uow:
        status = await surveys.status(uow, campaign_id)
    assert (status.rates.returned, status.rates.satisfied) == (1, 1)


async def test_resumed_after_a_restart_and_days_reminded_and_closed(world: World) -> None:
    resident = await world.resident("孙", "zh-hans", "2栋", "101")
    elsewhere = await world.resident("赵", "zh-hans", "1栋", "101")
    campaign_id = await start_campaign(
        world, remind_after=timedelta(days=3), closes_after=timedelta(days=7)
    )
    question = await resident.next_message()
    rating = await tap(resident, question, "不满意")
    done = await tap(elsewhere, await tap(elsewhere, await elsewhere.next_message(), "满意"), "5")
    assert "第3题" in done.body
    await tap(elsewhere, done, "跳过")

    await world.restart_bot()
    world.clock.advance(timedelta(days=3))
    assert world.core.scheduler is not None
    await world.core.scheduler.tick()
    reminder = await resident.next_message()
    assert "温馨提醒" in reminder.body and "第2题（共3题）" in reminder.body
    assert await drain(elsewhere, quiet=0.3) == []  # finished: not reminded

    # Days later, the message of before still works (the state is in the database).
    text = await tap(resident, rating, "2")
    assert "第3题" in text.body
    ask = await tap(resident, text, "写下回答")
    await world.restart_bot()
    await resident.send_text("维修太慢了")
    assert "谢谢您" in (await resident.next_message()).body
    async with world.uow as uow:
        status = await surveys.status(uow, campaign_id)
    assert (status.rates.reached, status.rates.returned, status.rates.satisfied) == (2, 2, 1)
    del ask

    # A forged press for another household, and one for a survey that does not exist.
    await forge_press(world, resident, question.message_id, f"sv:{campaign_id}:1:0:0")
    assert "没有权限" in (await resident.next_message()).body
    await forge_press(world, resident, question.message_id, "sv:9999:1:0:0")
    assert "没有找到" in (await resident.next_message()).body
    # Ids too large for the id columns find nothing either (PostgreSQL would refuse the query).
    await forge_press(world, resident, question.message_id, f"sv:{2**40}:1:0:0")
    assert "没有找到" in (await resident.next_message()).body
    await forge_press(world, resident, question.message_id, f"sv:{campaign_id}:{2**40}:0:0")
    assert "没有权限" in (await resident.next_message()).body

    # After the window the survey closes by itself; a late press is told so.
    world.clock.advance(timedelta(days=5))
    await world.core.scheduler.tick()
    async with world.uow as uow:
        assert (await surveys.get(uow, campaign_id)).status is surveys.CampaignStatus.CLOSED
    late = await tap(resident, question, "满意")
    assert "本次调查已结束" in late.body


async def test_a_manager_reads_the_rates_in_chat(world: World) -> None:
    manager = await world.staff_member("13800000005")
    resident = await world.resident("孙", "zh-hans", "2栋", "101")
    await manager.send_command("survey")
    assert "目前没有进行中的调查" in (await manager.next_message()).body
    campaign_id = await start_campaign(world)
    await tap(resident, await resident.next_message(), "满意")
    await reached(world, campaign_id, 1)

    await manager.send_command("menu")
    menu = await manager.next_message()
    status = await tap(manager, menu, "满意度调查")
    assert status.body.startswith("调查1：2026年住户满意度调查（进行中）")
    # Four households: 1栋101, 1栋102, 1栋201 (no chat), 2栋101 (孙 in chat).
    assert "发放率：共4户，已送达1户，25.0%（目标90.0%）" in status.body
    assert "以下3户尚未绑定房屋，请用纸质问卷或电话调查：1栋101、1栋102、1栋201" in status.body
    refreshed = await tap(manager, status, "刷新")
    assert refreshed.body.startswith("调查1：")

    # A resident cannot read it.
    await resident.send_command("survey")
    assert "没有权限" in (await resident.next_message()).body

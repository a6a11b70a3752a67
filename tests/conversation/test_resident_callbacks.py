"""The callback (回访) in chat: asked right at "Confirm completion" when the delay is 0,
answered one question at a time and closing the order; due a day later, asked by the
scheduler's tick, resumed after a restart and reminded once; not satisfied reopening the order
(the desk and the supervisor told, a second round after the second confirmation); a complaint
closed by its supervisor after its callback."""

from __future__ import annotations

from datetime import timedelta

import pytest
from callback_steps import complete_again, completed_leak, set_callbacks
from staff_helpers import latest_order, message_with, person_of, press, press_text

from core.enums import OrderStatus
from core.services import callbacks, orders
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "callback": "回访",
        "satisfied": "满意",
        "not": "不满意",
        "speed": "响应速度",
        "attitude": "服务态度",
        "quality": "服务质量",
        "comment": "意见",
        "skip": "跳过",
        "thanks": "感谢您对工单",
        "sorry": "歉意",
        "reminder": "温馨提醒",
        "reopened": "回访不满意",
        "close": "投诉销项",
        "closed": "已销项",
    },
    "zh-hant": {
        "callback": "回訪",
        "satisfied": "滿意",
        "not": "不滿意",
        "speed": "回應速度",
        "attitude": "服務態度",
        "quality": "服務品質",
        "comment": "意見",
        "skip": "略過",
        "thanks": "感謝您對工單",
        "sorry": "歉意",
        "reminder": "溫馨提醒",
        "reopened": "回訪不滿意",
        "close": "投訴銷項",
        "closed": "已銷項",
    },
}
LANGS = pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])


async def tick(world: World) -> None:
    assert world.core.scheduler is not None
    await world.core.scheduler.tick()


async def answer_scores(resident, expect: dict, scores=(5, 4, 5)) -> None:
    """The three 1–5 questions, in order, each its own message."""
    for key, score in zip(("speed", "attitude", "quality"), scores, strict=True):
        question = await resident.next_message()
        assert expect[key] in question.body
        assert [b["text"] for b in question.buttons[0]] == ["1", "2", "3", "4", "5"]
        await press_text(resident, question, str(score))


async def _actions(world: World, order_id: int) -> list[str]:
    async with world.uow as uow:
        return [e.action for e in await orders.timeline(uow, order_id)]


@LANGS
async def test_satisfied_callback_at_confirmation_closes(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    await set_callbacks(world, delay_hours=0)
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)

    await press(resident, done)  # Confirm completion
    question = await resident.next_message()
    order = await latest_order(world)
    assert expect["callback"] in question.body and order.number in question.body
    assert [b["text"] for b in question.buttons[0]] == [expect["satisfied"], expect["not"]]
    await press(resident, question, 0, 0)  # Satisfied
    await answer_scores(resident, expect)
    comment = await resident.next_message()
    assert expect["comment"] in comment.body
    assert [b["text"] for b in comment.buttons[0]] == [expect["skip"]]
    await resident.send_text("师傅很细心，谢谢")
    assert expect["thanks"] in (await resident.next_message()).body

    order = await latest_order(world)
    assert order.status is OrderStatus.CLOSED
    assert (await _actions(world, order.id))[-3:] == ["confirm", "call_back", "close"]
    async with world.uow as uow:
        [kept] = await callbacks.of_order(uow, order.id)
    assert (kept.satisfied, kept.speed, kept.attitude, kept.quality) == (True, 5, 4, 5)
    assert kept.comment == "师傅很细心，谢谢"
    # The resident's own timeline shows the callback and the close.
    await resident.send_command("orders")
    listing = await resident.next_message()
    await press(resident, listing)
    card = await resident.next_message()
    labels = {"zh-hans": ("已回访", "已办结"), "zh-hant": ("已回訪", "已辦結")}[lang]
    assert all(label in card.body for label in labels), card.body


@LANGS
async def test_due_a_day_later_resumed_after_restart_and_reminded(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)  # Confirm completion; the callback is due in 24 hours
    await message_with(resident, done.message_id, "确认" if lang == "zh-hans" else "確認")
    before = len(resident.transcript())
    world.clock.advance(timedelta(hours=23))
    await tick(world)
    assert len(resident.transcript()) == before

    world.clock.advance(timedelta(hours=1))
    await tick(world)
    question = await resident.next_message()
    assert expect["callback"] in question.body
    await press(resident, question, 0, 0)  # Satisfied
    speed = await resident.next_message()
    assert expect["speed"] in speed.body

    await world.restart_bot()  # nothing of the callback lives in memory
    world.clock.advance(timedelta(hours=24))
    await tick(world)
    reminder = await resident.next_message()
    assert expect["reminder"] in reminder.body and expect["speed"] in reminder.body
    await tick(world)  # one reminder only
    await press_text(resident, reminder, "3")
    attitude = await resident.next_message()
    assert expect["attitude"] in attitude.body
    await press_text(resident, attitude, "4")
    await press_text(resident, await resident.next_message(), "5")
    comment = await resident.next_message()
    await press_text(resident, comment, expect["skip"])
    assert expect["thanks"] in (await resident.next_message()).body
    order = await latest_order(world)
    assert order.status is OrderStatus.CLOSED
    async with world.uow as uow:
        [kept] = await callbacks.of_order(uow, order.id)
    assert (kept.speed, kept.attitude, kept.quality, kept.comment) == (3, 4, 5, None)


@LANGS
async def test_not_satisfied_reopens_and_calls_back_again(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    await set_callbacks(world, delay_hours=0)
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)
    await press(resident, await resident.next_message(), 0, 1)  # Not satisfied
    await answer_scores(resident, expect, (2, 3, 1))
    await resident.next_message()  # the comment question
    await resident.send_text("还是在漏水")
    assert expect["sorry"] in (await resident.next_message()).body

    order = await latest_order(world)
    assert order.status is OrderStatus.REGISTERED
    assert (await _actions(world, order.id))[-2:] == ["call_back", "reopen"]
    told = await supervisor.next_message()
    assert order.number in told.body and "还是在漏水" in told.body and "1" in told.body
    desk = await dispatcher.next_message()
    assert expect["reopened"] in desk.body and order.number in desk.body

    # The desk dispatches it again; completed and confirmed again: the second callback.
    await press(dispatcher, desk)
    await press(dispatcher, await dispatcher.next_message())  # 张师傅
    await technician.next_message()  # the resident confirmed (the first time)
    job = await technician.next_message()
    await resident.next_message()  # dispatched
    await press(technician, job)
    await resident.next_message()  # accepted
    done = await complete_again(world, resident, technician)
    await press(resident, done)
    again = await resident.next_message()
    assert expect["callback"] in again.body
    await press(resident, again, 0, 0)
    await answer_scores(resident, expect)
    await press_text(resident, await resident.next_message(), expect["skip"])
    await resident.next_message()  # thanks
    order = await latest_order(world)
    assert order.status is OrderStatus.CLOSED
    async with world.uow as uow:
        rounds = await callbacks.of_order(uow, order.id)
    assert [(r.round, r.satisfied) for r in rounds] == [(1, False), (2, True)]


@LANGS
async def test_complaint_closed_by_its_supervisor_after_the_callback(
    world: World, lang: str
) -> None:
    from bot.views.tell import tell
    from core.enums import OrderKind
    from core.lifecycle import Actor
    from core.services import directory, dispatch, jobs
    from core.services.orders import NewOrder

    expect = EXPECT[lang]
    await set_callbacks(world, delay_hours=0)
    supervisor = await world.staff_member("13800000004", lang)
    resident = await world.resident("赵", lang)
    boss = await person_of(world, supervisor)
    reporter = await person_of(world, resident)
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        order = await orders.register(
            uow, NewOrder(estate.id, OrderKind.COMPLAINT, "楼上噪音", reporter), Actor.system()
        )
        await dispatch.dispatch(uow, order.id, boss, boss)
        await jobs.accept(uow, order.id, boss)
        await jobs.arrive(uow, order.id, boss)
        await jobs.complete(uow, order.id, boss, jobs.CompletionReport("已协调", after=("p",)))
        uow.take_news()  # the visit is not this test's business
        await jobs.confirm(uow, order.id, reporter)
        await tell(uow, world.core.config)
        await uow.commit()
    question = await resident.next_message()
    assert expect["callback"] in question.body
    await press(resident, question, 0, 0)
    await answer_scores(resident, expect)
    await press_text(resident, await resident.next_message(), expect["skip"])
    await resident.next_message()  # thanks
    assert (await latest_order(world)).status is OrderStatus.CALLED_BACK

    result = await supervisor.next_message()
    while not result.buttons:  # the supervisor also did the work: "the resident confirmed"
        result = await supervisor.next_message()
    assert order.number in result.body
    await press_text(supervisor, result, expect["close"])
    await message_with(supervisor, result.message_id, expect["closed"])
    assert expect["closed"] in (await resident.next_message()).body
    assert (await latest_order(world)).status is OrderStatus.CLOSED


COMPLAINT_WORDS = {
    "zh-hans": {"chat": "本对话", "phone": "致电", "asked": "住户要求电话回访", "home": "1栋101"},
    "zh-hant": {"chat": "本對話", "phone": "致電", "asked": "住戶要求電話回訪", "home": "1栋101"},
}


@LANGS
@pytest.mark.parametrize("by_phone", [True, False])
async def test_complaint_registration_follows_the_callback_choice(
    world: World, lang: str, by_phone: bool
) -> None:
    """The repeat-back shows the home, the reply promises the callback the resident chose (and
    no worker), the desk's card shows a request for a phone call."""
    from resident_steps import tap

    from core.i18n import in_simplified

    words = COMPLAINT_WORDS[lang]
    dispatcher = await world.staff_member("13800000003", lang)
    user = await world.resident("周", lang)
    await user.send_command("menu")
    categories = await tap(user, await user.next_message(), "投诉", "投訴")
    await tap(user, categories, "服务态度", "服務態度")
    await user.send_text("保安态度很差")
    got = await user.next_message()
    choice = await tap(user, got, "完成")
    await user.press(choice.message_id, choice.buttons[0][0 if by_phone else 1]["callback_data"])
    summary = await user.next_message()
    assert words["home"] in in_simplified(summary.body), summary.body
    await tap(user, summary, "确认", "確認")
    registered = user.transcript()[-2].body
    assert words["phone" if by_phone else "chat"] in registered
    assert words["chat" if by_phone else "phone"] not in registered
    assert "师傅" not in registered and "師傅" not in registered
    card = await dispatcher.next_message()
    assert "保安态度很差" in card.body
    assert (words["asked"] in card.body) is by_phone


PHONE_WORDS = {
    "zh-hans": {
        "list": "今日电话回访",
        "why": "经提醒后仍未回复",
        "record": "记录回访",
        "none": "无人接听",
        "again": "明天将再次",
        "by_phone": "电话回访",
        "recorded": "已记录",
    },
    "zh-hant": {
        "list": "今日電話回訪",
        "why": "經提醒後仍未回覆",
        "record": "記錄回訪",
        "none": "無人接聽",
        "again": "明天將再次",
        "by_phone": "電話回訪",
        "recorded": "已記錄",
    },
}


@LANGS
async def test_phone_list_no_answer_then_answers_recorded_by_phone(world: World, lang: str) -> None:
    """A chat callback left unanswered after its reminder is on the desk's phone list at 09:00;
    the desk records "no answer", then, on the next call, the answers, marked by phone."""
    from datetime import UTC, datetime

    expect, words = EXPECT[lang], PHONE_WORDS[lang]
    await set_callbacks(world, delay_hours=0)
    dispatcher = await world.staff_member("13800000003", lang)
    technician = await world.staff_member("13800000001", lang)
    resident = await world.resident("赵", lang)
    done = await completed_leak(world, resident, dispatcher, technician)
    await press(resident, done)
    await resident.next_message()  # the first question, left unanswered
    order = await latest_order(world)

    world.clock.set(datetime(2026, 11, 24, 1, 0, tzinfo=UTC))  # Tuesday 09:00: the reminder
    await tick(world)
    assert expect["reminder"] in (await resident.next_message()).body
    world.clock.set(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))  # Wednesday 09:00: the list
    await tick(world)
    head = await dispatcher.next_message()
    while words["list"] not in head.body:  # the desk's earlier news
        head = await dispatcher.next_message()
    card = await dispatcher.next_message()
    assert order.number in card.body and words["why"] in card.body
    assert "13900000001" in card.body or "139 0000 0001" in card.body or "赵" in card.body

    await press_text(dispatcher, card, words["none"])
    again = await message_with(dispatcher, card.message_id, words["again"])
    await press_text(dispatcher, again, words["record"])
    question = await dispatcher.next_message()
    assert words["by_phone"] in question.body
    await press(dispatcher, question, 0, 0)  # satisfied
    await answer_scores(dispatcher, expect)
    comment = await dispatcher.next_message()
    await dispatcher.send_text("电话里说很满意")
    assert words["recorded"] in (await dispatcher.next_message()).body
    assert comment.buttons

    order = await latest_order(world)
    assert order.status is OrderStatus.CLOSED
    assert (await _actions(world, order.id))[-3:] == ["no_answer", "call_back", "close"]
    async with world.uow as uow:
        [kept] = await callbacks.of_order(uow, order.id)
    assert kept.by_phone and kept.comment == "电话里说很满意" and kept.satisfied

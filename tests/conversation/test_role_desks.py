"""Each role's desk: the menu by role (nobody sees an entry that is not theirs, a resident who is
also staff sees both apart), the dispatcher's queue with its counts and the order's card from it,
the supervisor's approvals with the fee button in place, the worker's fees of the day."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from staff_helpers import press_text

from core.enums import OrderKind, OrderStatus
from core.lifecycle import Actor
from core.services import directory, dispatch, jobs, orders
from core.services.jobs import CompletionReport
from core.services.orders import NewOrder
from sandbox.world import World
from tg_emulator import SimUser

SCRIPTS = {
    "zh-hans": {
        "repair": "报修",
        "bind": "绑定房屋",
        "contact": "联系客服中心",
        "jobs": "我的任务",
        "duty": "在岗 / 离岗",
        "queue0": "待派工 0",
        "approvals0": "待我处理 0",
        "work": "【工作】",
        "waiting": "待派工（{n}）：",
        "overdue": "已超时（2）：",
        "overdue_by": "超时1小时35分钟",
        "fee_section": "待主管收取费用（1）：",
        "complaints": "未办结的投诉（1）：",
        "collect": "记录已收费",
        "auto": "自动派工",
        "empty_approvals": "目前没有等待您处理的事项。",
        "fees_today": "您今日已收费用：",
        "one_order": "（1张工单）",
    },
    "zh-hant": {
        "repair": "報修",
        "bind": "綁定房屋",
        "contact": "聯絡客服中心",
        "jobs": "我的任務",
        "duty": "在崗 / 離崗",
        "queue0": "待派工 0",
        "approvals0": "待我處理 0",
        "work": "【工作】",
        "waiting": "待派工（{n}）：",
        "overdue": "已逾時（2）：",
        "overdue_by": "逾時1小時35分鐘",
        "fee_section": "待主管收取費用（1）：",
        "complaints": "未辦結的投訴（1）：",
        "collect": "記錄已收費",
        "auto": "自動派工",
        "empty_approvals": "目前沒有等待您處理的事項。",
        "fees_today": "您今日已收費用：",
        "one_order": "（1張工單）",
    },
}


def labels(message) -> list[str]:
    return [button["text"] for row in message.buttons for button in row]


async def menu_of(user: SimUser):
    await user.send_command("menu")
    return await user.next_message()


async def new_order(world: World, kind: OrderKind = OrderKind.IN_HOME_REPAIR) -> orders.OrderView:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        unit = await directory.find_unit(uow, estate.id, "1栋", "101")
        assert unit is not None
        order = await orders.register(
            uow, NewOrder(estate.id, kind, "厨房漏水", None, unit_id=unit.id), Actor.system()
        )
        await uow.commit()
        return order


async def staff_id(world: World, phone: str) -> int:
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        return await directory.staff_person(uow, estate.id, phone)


async def completed_with_fee(world: World, fee: str) -> orders.OrderView:
    """An order done by 张师傅 with a fee, through the core services."""
    order = await new_order(world)
    zhang, desk = await staff_id(world, "13800000001"), await staff_id(world, "13800000003")
    async with world.uow as uow:
        await dispatch.dispatch(uow, order.id, zhang, desk)
        await jobs.accept(uow, order.id, zhang)
        await jobs.arrive(uow, order.id, zhang)
        done, _ = await jobs.complete(
            uow, order.id, zhang, CompletionReport("换了水管", fee=Decimal(fee), after=("p",))
        )
        await uow.commit()
        return done


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_each_role_sees_only_its_entries(world: World, lang: str) -> None:
    s = SCRIPTS[lang]
    resident = await world.resident("赵", lang)
    worker = await world.staff_member("13800000001", lang)
    dispatcher = await world.staff_member("13800000003", lang)
    supervisor = await world.staff_member("13800000004", lang)
    manager = await world.staff_member("13800000005", lang)

    seen = labels(await menu_of(resident))
    assert s["repair"] in seen
    assert not [x for x in seen if x in (s["jobs"], s["queue0"], s["approvals0"])]

    seen = labels(await menu_of(worker))
    assert s["jobs"] in seen and s["duty"] in seen
    for other in (s["repair"], s["bind"], s["contact"], s["queue0"], s["approvals0"]):
        assert other not in seen

    seen = labels(await menu_of(dispatcher))
    assert s["queue0"] in seen
    for other in (s["repair"], s["bind"], s["contact"], s["jobs"], s["approvals0"]):
        assert other not in seen

    seen = labels(await menu_of(supervisor))
    assert s["approvals0"] in seen
    for other in (s["repair"], s["bind"], s["contact"], s["jobs"], s["queue0"]):
        assert other not in seen

    seen = labels(await menu_of(manager))
    assert s["queue0"] in seen and s["approvals0"] in seen
    for other in (s["repair"], s["bind"], s["contact"], s["jobs"]):
        assert other not in seen

    # The worker binds her own home as well: both menus, the work's entries marked apart.
    code = await world.invitation("1栋", "102")
    await worker.send_command("start", args=code)
    await worker.next_message()
    seen = labels(await menu_of(worker))
    assert s["repair"] in seen
    assert s["work"] + s["jobs"] in seen and s["work"] + s["duty"] in seen
    assert s["jobs"] not in seen  # not unmarked
    assert all(not x.startswith(s["work"]) for x in seen if x == s["repair"])


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_late_dispatcher_gets_the_queue_and_dispatches_from_it(
    world: World, lang: str
) -> None:
    s = SCRIPTS[lang]
    first = await new_order(world)
    second = await new_order(world)
    zhang = await world.staff_member("13800000001", lang)

    # She links her account after the orders came in: the queue, not silence.
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        person = await directory.staff_person(uow, estate.id, "13800000003")
        from core.services import invitations

        code = await invitations.create_staff_invitation(uow, person, estate.id)
        await uow.commit()
    dispatcher = world.emulator.create_user(first_name="Staff", language_code=lang)
    await dispatcher.send_command("start", args=code)
    menu = await dispatcher.next_message()
    assert "待派工 2" in labels(menu)
    queue = await dispatcher.next_message()
    assert s["waiting"].format(n=2) in queue.body
    assert first.number in queue.body and second.number in queue.body
    assert labels(queue) == [first.number, second.number]

    # A line opens the order's card with the desk's actions.
    await press_text(dispatcher, queue, first.number)
    card = await dispatcher.next_message()
    assert first.number in card.body and s["auto"] in labels(card)
    await press_text(dispatcher, card, s["auto"])
    await zhang.next_message()  # the job card
    async with world.uow as uow:
        assert (await orders.get(uow, first.id)).status is OrderStatus.DISPATCHED

    # /queue again: one waits; past their time limits (30 minutes to dispatch, 30 to accept)
    # both are overdue, each by how long.
    world.clock.advance(timedelta(hours=2, minutes=5))  # type: ignore[attr-defined]
    await dispatcher.send_command("queue")
    queue = await dispatcher.next_message()
    waiting, _, overdue = queue.body.partition(s["overdue"])
    assert s["waiting"].format(n=1) in waiting
    assert second.number in waiting and first.number not in waiting
    assert first.number in overdue and second.number in overdue
    assert overdue.count(s["overdue_by"]) == 2
    assert "待派工 1" in labels(await menu_of(dispatcher))


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_supervisor_approves_a_fee_from_the_list(world: World, lang: str) -> None:
    s = SCRIPTS[lang]
    supervisor = await world.staff_member("13800000004", lang)
    dispatcher = await world.staff_member("13800000003", lang)
    big = await completed_with_fee(world, "150")
    complaint = await new_order(world, OrderKind.COMPLAINT)

    assert s["approvals0"].replace("0", "2") in labels(await menu_of(supervisor))
    await supervisor.send_command("approvals")
    listing = await supervisor.next_message()
    assert s["fee_section"] in listing.body and big.number in listing.body
    assert "150" in listing.body
    assert s["complaints"] in listing.body and complaint.number in listing.body

    # The dispatcher's queue shows the fee waiting too, but her card has no fee button.
    await dispatcher.send_command("queue")
    queue = await dispatcher.next_message()
    assert s["fee_section"] in queue.body
    await press_text(dispatcher, queue, big.number)
    assert s["collect"] not in labels(await dispatcher.next_message())

    await press_text(supervisor, listing, big.number)
    card = await supervisor.next_message()
    assert big.number in card.body
    await press_text(supervisor, card, s["collect"])
    async with world.uow as uow:
        assert (await orders.get(uow, big.id)).fee_collected_by is not None

    await supervisor.send_command("approvals")
    listing = await supervisor.next_message()
    assert s["fee_section"] not in listing.body and complaint.number in listing.body


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_worker_sees_the_days_fees(world: World, lang: str) -> None:
    s = SCRIPTS[lang]
    zhang = await world.staff_member("13800000001", lang)
    await completed_with_fee(world, "50")
    await completed_with_fee(world, "150")  # waits for the supervisor: not the worker's cash
    await zhang.send_command("jobs")
    jobs_list = await zhang.next_message()
    assert s["fees_today"] in jobs_list.body and s["one_order"] in jobs_list.body
    assert "50.00" in jobs_list.body and "150.00" not in jobs_list.body.split(s["fees_today"])[1]

    # The next day (estate's time) the count starts again.
    world.clock.advance(timedelta(days=1))  # type: ignore[attr-defined]
    await zhang.send_command("jobs")
    assert s["one_order"] not in (await zhang.next_message()).body


async def workbook_phones(world: World, message) -> list[str]:
    """The phone column of the workbook the bot sent (as the emulator received it)."""
    import io

    from openpyxl import load_workbook

    stored = world.emulator.files.get(message.document["file_id"])
    assert stored is not None
    book = load_workbook(io.BytesIO(stored.data))
    rows = list(book[book.sheetnames[-1]].iter_rows(values_only=True))
    column = rows[0].index("电话" if "电话" in rows[0] else "電話")
    return [str(row[column]) for row in rows[1:] if row[column]]


async def reported_by_staff(world: World) -> None:
    """An order whose reporter has a phone number on file (李阿姨, 13800000002), done with a fee."""
    from core.models import Order

    order = await completed_with_fee(world, "50")
    reporter = await staff_id(world, "13800000002")
    async with world.uow as uow:
        (await uow.session.get_one(Order, order.id)).reporter_id = reporter
        await uow.commit()


@pytest.mark.parametrize(
    ("lang", "head", "staff", "reports"),
    [
        ("zh-hans", "碧溪花园统计报表（2026-11）", "员工考核数据", "统计报表"),
        ("zh-hant", "碧溪花園統計報表（2026-11）", "員工考核數據", "統計報表"),
    ],
)
async def test_report_in_chat_for_supervisors_only(
    world: World, lang: str, head: str, staff: str, reports: str
) -> None:
    from sqlalchemy import select

    from core.models import ReportExport

    supervisor = await world.staff_member("13800000004", lang)
    dispatcher = await world.staff_member("13800000003", lang)
    worker = await world.staff_member("13800000001", lang)
    await reported_by_staff(world)

    assert reports in labels(await menu_of(supervisor))
    assert reports not in labels(await menu_of(dispatcher))
    await press_text(supervisor, await menu_of(supervisor), reports)
    text = (await supervisor.next_message()).body
    assert head in text and staff in text
    assert ("张师傅" if lang == "zh-hans" else "張師傅") in text
    assert "50.00" in text
    # Then the charts as pictures (categories, control chart) and the workbook as a file.
    pareto, control = await supervisor.next_message(), await supervisor.next_message()
    assert pareto.has_photo and ("排列图" in pareto.caption or "柏拉圖" in pareto.caption)
    assert control.has_photo and "控制" in control.caption
    book = await supervisor.next_message()
    assert book.document is not None and book.document["file_name"] == "BX-2026-11.xlsx"
    assert head in book.caption
    assert await workbook_phones(world, book) == ["138****0002"]  # a supervisor reads it masked

    for other in (dispatcher, worker):
        await other.send_command("report")
        refused = (await other.next_message()).body
        assert head not in refused and "师傅" not in refused and "師傅" not in refused

    async with world.uow as uow:
        rows = list(await uow.session.scalars(select(ReportExport)))
        assert [(r.what, r.period) for r in rows] == [("chat+xlsx", "2026-11")]
    world.emulator.assert_no_violations()


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_manager_s_report_shows_the_phone_numbers_and_is_recorded(
    world: World, lang: str
) -> None:
    from sqlalchemy import select

    from core.models import ReportExport

    manager = await world.staff_member("13800000005", lang)
    await reported_by_staff(world)
    await manager.send_command("report")
    messages = [await manager.next_message() for _ in range(4)]
    assert [m.has_photo for m in messages] == [False, True, True, False]
    assert await workbook_phones(world, messages[-1]) == ["13800000002"]
    async with world.uow as uow:
        [row] = list(await uow.session.scalars(select(ReportExport)))
        assert (row.what, row.person_id) == (
            "chat+xlsx+phones",
            await staff_id(world, "13800000005"),
        )

"""Binding without an invitation: estate, building, unit, phone; the desk decides; several homes."""

from __future__ import annotations

import pytest
from resident_steps import button, edit_by, forge_press, person_of, tap

from core.enums import Role
from core.i18n import in_simplified
from core.services import people, residents
from sandbox.world import World

LOCALES = [
    ("zh-hans", {"building": "楼栋", "owner": "业主", "pending": "客服中心", "bound": "绑定"}),
    ("zh-hant", {"building": "樓棟", "owner": "業主", "pending": "客服中心", "bound": "綁定"}),
]


async def _to_phone_step(user, expect) -> None:
    await user.send_command("start")
    welcome = await user.next_message()
    assert "/cancel" in welcome.body
    buildings = await user.next_message()
    assert expect["building"] in buildings.body
    assert [in_simplified(b["text"]) for b in buildings.buttons[0]] == ["1栋", "2栋"]
    await user.send_text("1栋")  # typing narrows the list
    narrowed = await user.next_message()
    assert [in_simplified(b["text"]) for row in narrowed.buttons for b in row] == ["1栋"]
    units = await tap(user, narrowed, "1栋")
    await user.send_text("2")
    only = await user.next_message()
    assert [b["text"] for row in only.buttons for b in row] == ["102", "201"]
    relation = await tap(user, units, "101")
    phone = await tap(user, relation, expect["owner"])
    assert phone.reply_keyboard and phone.reply_keyboard[0][0].get("request_contact")


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_imported_phone_binds_at_once(world: World, language_code: str, expect) -> None:
    user = world.emulator.create_user(first_name="赵", language_code=language_code)
    await _to_phone_step(user, expect)
    await user.send_contact("+86 139 0000 0001", user_id=user.id + 1)  # someone else's card
    refused = await user.next_message()
    assert "+86" not in refused.body
    await user.next_message()  # the phone question again
    await user.send_contact("8613900000001")  # their own, as Telegram sends it
    bound = await user.next_message()
    assert expect["bound"] in bound.body and "1栋101" in in_simplified(bound.body)
    menu = await user.next_message()
    assert len(menu.buttons) >= 5  # the resident's full menu
    person_id = await person_of(world, user)
    async with world.uow as uow:
        assert Role.RESIDENT in await people.roles_of(uow, person_id)
        assert [h.label for h in await residents.homes_of(uow, person_id)] == ["1栋101"]


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_desk_approves_a_request(world: World, language_code: str, expect) -> None:
    dispatcher = await world.staff_member("13800000003")
    technician = await world.staff_member("13800000001")
    user = world.emulator.create_user(first_name="钱", language_code=language_code)
    await _to_phone_step(user, expect)
    await user.send_contact("13700000009")
    filed = await user.next_message()
    assert expect["pending"] in filed.body
    await user.next_message()  # menu

    # Unbound meanwhile: the contacts, and nothing else.
    await user.send_text("厨房漏水")
    refused = await user.next_message()
    assert "0755" not in refused.body
    contacts = await tap(user, refused, "联系", "聯絡", "聯繫")
    assert "0755-8888 6666" in contacts.body

    card = await dispatcher.next_message()
    assert "13700000009" in card.body and "1栋101" in in_simplified(card.body)
    approve = button(card, "批准", "同意", "通过", "通過")
    # A technician of the same estate forging the press is refused; nothing changes.
    await forge_press(world, technician, technician.transcript()[-1].message_id, approve)
    denied = await technician.next_message()
    assert "权限" in denied.body or "權限" in denied.body
    person_id = await person_of(world, user)
    async with world.uow as uow:
        assert await residents.homes_of(uow, person_id) == []

    decided = await edit_by(dispatcher, card.message_id, dispatcher.press(card.message_id, approve))
    assert "139" not in decided.body
    told = await user.next_message()
    assert expect["bound"] in told.body
    async with world.uow as uow:
        assert [h.label for h in await residents.homes_of(uow, person_id)] == ["1栋101"]


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_desk_rejects_and_resident_is_told(world: World, language_code: str, expect) -> None:
    dispatcher = await world.staff_member("13800000003")
    user = world.emulator.create_user(first_name="孙", language_code=language_code)
    await _to_phone_step(user, expect)
    await user.send_contact("13700000008")
    await user.next_message()
    await user.next_message()
    card = await dispatcher.next_message()
    await dispatcher.press(card.message_id, button(card, "拒绝", "拒絕", "驳回", "駁回"))
    told = await user.next_message()
    assert "管理处" in told.body or "管理處" in told.body
    # A late press of the same card (another dispatcher's copy): already decided, no change.
    late_press = forge_press(world, dispatcher, card.message_id, button(card, "批准"))
    late = await edit_by(dispatcher, card.message_id, late_press)
    assert "已处理" in late.body or "已處理" in late.body
    async with world.uow as uow:
        assert await residents.homes_of(uow, await person_of(world, user)) == []


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_several_homes_and_switching(world: World, language_code: str, expect) -> None:
    user = await world.resident("周", language_code, "1栋", "101")
    code = await world.invitation("2栋", "101")
    await user.send_command("start", args=code)
    await user.next_message()
    await user.send_command("menu")
    menu = await user.next_message()
    homes = await tap(user, menu, "我的房屋", "我的住所", "我的家")
    assert "1栋101" in in_simplified(homes.body) and "2栋101" in in_simplified(homes.body)
    switched = await tap(user, homes, "1栋101", "2栋101")
    assert "栋101" in in_simplified(switched.body)
    # One unit, several people: a second resident of 2栋101.
    other = await world.resident("吴", language_code, "2栋", "101")
    async with world.uow as uow:
        assert len(await residents.homes_of(uow, await person_of(world, other))) == 1


@pytest.mark.parametrize(("language_code", "expect"), LOCALES)
async def test_a_typed_number_is_a_request_for_the_desk_never_a_binding(
    world: World, language_code: str, expect
) -> None:
    dispatcher = await world.staff_member("13800000003")
    user = world.emulator.create_user(first_name="冯", language_code=language_code)
    await _to_phone_step(user, expect)
    await user.send_text("我不会用按钮")  # words, not a number: asked again, kindly
    again = await user.next_message()
    assert "11" in again.body
    assert (await user.next_message()).reply_keyboard  # the button is still offered
    # The number the office imported for this very unit: typed, it proves nothing.
    await user.send_text("139 0000 0001")
    filed = await user.next_message()
    assert expect["pending"] in filed.body
    await user.next_message()  # menu
    person_id = await person_of(world, user)
    async with world.uow as uow:
        assert await residents.homes_of(uow, person_id) == []  # not bound at once
        imported = await people.find_by_phone(uow, "13900000001")
        assert person_id != imported  # nor linked to the imported person
    card = await dispatcher.next_message()
    assert "13900000001" in card.body
    assert "Telegram" in card.body  # the desk is told the number was typed, and to call it
    approve = button(card, "批准", "同意", "通过", "通過")
    await edit_by(dispatcher, card.message_id, dispatcher.press(card.message_id, approve))
    told = await user.next_message()
    assert expect["bound"] in told.body
    async with world.uow as uow:
        assert [h.label for h in await residents.homes_of(uow, person_id)] == ["1栋101"]

"""Personal data at rest (seed 000): the outbox keeps what it sends sealed, so that a copy of the
database (SQLite: the file and its WAL; PostgreSQL: every table) shows no phone number and no
name."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy import select

from bot.runtime import Runtime
from bot.world import World, running_world
from core.clock import FakeClock
from core.db import is_sqlite, sqlite_file
from core.models import Base, OutboxMessage
from core.services import directory, dispatch, outbox
from core.services.dispatch import DispatchMode
from tg_emulator import Emulator, SimUser
from tg_emulator.transcript import TranscriptMessage

PHONE = "13712345678"
RESIDENT = "钱多多"
WORKER = "张师傅"  # the sample estate's technician, named to the resident when dispatched


# ------------------------------------------------------------------ a conversation, then a dump


async def tap(user: SimUser, message: TranscriptMessage, *texts: str) -> TranscriptMessage:
    for row in message.buttons:
        for button in row:
            if any(text in button["text"] for text in texts):
                await user.press(message.message_id, button["callback_data"])
                return await user.next_message()
    raise AssertionError(f"no button {texts} in {message.buttons}")


async def conversation(world: World) -> None:
    """A request to bind with a new number (the desk's card: name and phone), a repair
    dispatched to a technician (the resident is told the technician's name), the technician
    asking for the resident's number (the full number)."""
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        await dispatch.set_mode(uow, estate.id, DispatchMode.AUTO)
        await uow.commit()
    dispatcher = await world.staff_member("13800000003")
    technician = await world.staff_member("13800000001")

    resident = world.emulator.create_user(first_name=RESIDENT, language_code="zh-hans")
    await resident.send_command("start")
    await resident.next_message()  # welcome
    units = await tap(resident, await resident.next_message(), "1栋")
    relation = await tap(resident, units, "101")
    await tap(resident, relation, "业主")  # the phone question
    await resident.send_contact(PHONE)
    await resident.next_message()  # filed with the desk
    await resident.next_message()  # menu
    card = await dispatcher.next_message()
    assert PHONE in card.body and RESIDENT in card.body
    [approve] = [b for row in card.buttons for b in row if "批准" in b["text"]]
    await dispatcher.press(card.message_id, approve["callback_data"])  # edits the card
    await resident.next_message()  # bound

    await resident.send_command("menu")
    where = await tap(resident, await resident.next_message(), "报修")
    category = await tap(resident, where, "家中")
    await tap(resident, category, "水")  # the description question
    await resident.send_text("厨房水管漏水了")
    days = await tap(resident, await resident.next_message(), "完成", "好了", "没有")
    slots = await tap(resident, days, "今天")
    urgency = await tap(resident, slots, "")
    confirm = await tap(resident, urgency, "")
    await tap(resident, confirm, "确认")  # the menu

    job = await technician.next_message()
    told = await resident.next_message()
    assert WORKER in told.body
    await technician.press(job.message_id, job.buttons[0][0]["callback_data"])  # accept
    for _ in range(100):
        card = next(m for m in technician.transcript() if m.message_id == job.message_id)
        if any("电话" in b["text"] for row in card.buttons for b in row):
            break
        await asyncio.sleep(0.05)
    shown = await tap(technician, card, "查看电话")
    while PHONE not in shown.body:
        shown = await technician.next_message()


async def settled(world: World) -> None:
    for _ in range(200):
        async with world.uow as uow:
            if await outbox.pending_count(uow) == 0:
                return
        await asyncio.sleep(0.05)
    raise AssertionError("messages still pending")


def secrets_in(blob: bytes, hexed: bool = False) -> list[str]:
    """Which of the phone and the names `blob` holds, spelt as UTF-8 text or JSON escapes (and,
    `hexed`, as PostgreSQL shows bytea)."""
    found = []
    for secret in (PHONE, RESIDENT, WORKER):
        spellings = [secret.encode(), json.dumps(secret)[1:-1].encode()]
        if hexed:
            spellings.append(secret.encode().hex().encode())
        if any(spelling in blob for spelling in spellings):
            found.append(secret)
    return found


def sqlite_dump(url: str) -> bytes:
    path = sqlite_file(url)
    assert path is not None
    files = [path, Path(f"{path}-wal")]
    return b"".join(file.read_bytes() for file in files if file.exists())


async def postgres_dump(runtime: Runtime) -> bytes:
    """Every row of every table as PostgreSQL spells it (bytea in hex)."""
    rows: list[str] = []
    async with runtime.engine.connect() as connection:
        for table in Base.metadata.sorted_tables:
            result = await connection.execute(sa.text(f'SELECT CAST(t AS text) FROM "{table}" t'))
            rows.extend(result.scalars())
    return "\n".join(rows).encode()


async def test_a_database_dump_shows_no_phone_and_no_name(db_url: str, clock: FakeClock) -> None:
    async with (
        Emulator(rate_limits=False) as emulator,
        running_world(db_url, clock=clock, emulator=emulator) as world,
    ):
        await conversation(world)
        await settled(world)
        if is_sqlite(db_url):
            dump = sqlite_dump(db_url)
            assert b"SQLite format 3" in dump
            assert secrets_in(dump) == []
        else:
            dump = await postgres_dump(world.runtime)
            assert secrets_in(dump, hexed=True) == []
            assert b"\\x01" in dump  # the outbox's sealed payloads, among others
        async with world.uow as uow:  # what was sent is still there, sealed
            sealed = list(await uow.session.scalars(select(OutboxMessage.payload_enc)))
        assert len(sealed) > 10 and all(blob[:1] == b"\x01" for blob in sealed)
    if is_sqlite(db_url):  # once closed and checkpointed, too
        assert secrets_in(sqlite_dump(db_url)) == []

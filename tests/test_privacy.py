"""Personal data at rest (seed 000): the outbox keeps what it sends sealed, so that a copy of the
database (SQLite: the file and its WAL; PostgreSQL: every table) shows no phone number and no
name; finished messages and bookkeeping go once their time is up (core/services/housekeeping.py)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import select

from bot.runtime.core import retention
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.scheduler import Scheduler
from bot.runtime.settings import Settings
from core import migrate
from core.clock import FakeClock
from core.crypto import new_key
from core.db import is_sqlite, sqlite_file
from core.enums import OutboxStatus
from core.leadership import Leadership
from core.models import Base, OutboxMessage, ProcessedUpdate
from core.services import conversations, directory, dispatch, housekeeping, identities, outbox
from core.services import updates as processed
from core.services.conversations import DialogState
from core.services.dispatch import DispatchMode
from core.services.housekeeping import Retention
from sandbox.world import World, running_world
from tg_emulator import Emulator, SimUser
from tg_emulator.transcript import TranscriptMessage

from dbutil import make_engine

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


# ------------------------------------------------------------------------------- housekeeping


@pytest.fixture
async def runtime(db_url: str, clock: FakeClock) -> AsyncIterator[Runtime]:
    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, clock=clock, key=new_key())
    async with runtime.engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    try:
        yield runtime
    finally:
        await runtime.close()


async def statuses(runtime: Runtime) -> dict[str, str]:
    async with runtime.uow_factory() as uow:
        rows = await uow.session.execute(select(OutboxMessage.payload_enc, OutboxMessage.status))
        return {
            outbox.open_payload(uow.cipher, row.payload_enc)["text"]: row.status for row in rows
        }


async def test_finished_messages_go_after_the_retention_and_pending_ones_stay(
    runtime: Runtime, clock: FakeClock
) -> None:
    async def write(*texts: str) -> list[int]:
        async with runtime.uow_factory() as uow:
            ids = [await outbox.enqueue(uow, 42, {"text": text}) for text in texts]
            await uow.commit()
        return ids

    sent, failed, skipped, _waiting, target = await write(
        "sent", "failed", "skipped", "waiting", "edited later"
    )
    async with runtime.uow_factory() as uow:
        await outbox.mark_all_sent(uow, [(sent, 1), (target, 2)], clock.now())
        await outbox.mark_failed(uow, failed, "400")
        await uow.session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == skipped)
            .values(status=OutboxStatus.SKIPPED)
        )
        await outbox.enqueue(uow, 42, {"text": "the edit"}, target_outbox_id=target)
        await uow.commit()
    clock.advance(timedelta(days=6))
    [recent] = await write("recent")
    async with runtime.uow_factory() as uow:
        await outbox.mark_all_sent(uow, [(recent, 3)], clock.now())
        await uow.commit()

    clock.advance(timedelta(days=1, minutes=1))  # the first ones are a week old
    scheduler = Scheduler(
        runtime.uow_factory,
        config=None,  # type: ignore[arg-type]
        leadership=Leadership(runtime.engine),
        retention=retention(runtime.settings),
    )
    try:
        pruned = await scheduler.prune()
    finally:
        await scheduler.leadership.release()
    assert pruned is not None and pruned.outbox == 3
    assert await statuses(runtime) == {
        "waiting": OutboxStatus.PENDING,
        "edited later": OutboxStatus.SENT,  # the pending edit still names it
        "the edit": OutboxStatus.PENDING,
        "recent": OutboxStatus.SENT,
    }


async def test_retention_is_a_setting_in_days() -> None:
    settings = Settings(outbox_retention_days=2, _env_file=None)  # type: ignore[call-arg]
    assert retention(settings).outbox == timedelta(days=2)
    assert retention(Settings(_env_file=None)).outbox == timedelta(days=7)  # type: ignore[call-arg]


async def test_update_ids_drafts_and_finished_messages_go_in_small_batches(
    runtime: Runtime, clock: FakeClock
) -> None:
    async with runtime.uow_factory() as uow:
        for update_id in range(5):
            assert await processed.claim(uow, "telegram", 1, update_id)
        identity = await identities.touch(uow, "telegram", 7, 7, "zh-hans")
        await conversations.save(uow, identity.id, DialogState("report", "describe", {"a": 1}))
        for n in range(5):
            await outbox.enqueue(uow, 7, {"text": f"old {n}"})
        await uow.commit()
    async with runtime.uow_factory() as uow:
        ids = list(await uow.session.scalars(select(OutboxMessage.id)))
        await outbox.mark_all_sent(uow, [(i, i) for i in ids], clock.now())
        await uow.commit()
    clock.advance(timedelta(days=8))
    async with runtime.uow_factory() as uow:
        assert await processed.claim(uow, "telegram", 1, 99)
        await uow.commit()

    pruned = await housekeeping.prune(runtime.uow_factory, Retention(), batch=2)
    assert (pruned.outbox, pruned.processed_updates, pruned.drafts) == (5, 5, 1)
    async with runtime.uow_factory() as uow:
        left = await uow.session.scalars(select(ProcessedUpdate.update_id))
        assert list(left) == [99]
        assert await conversations.load(uow, identity.id) is None
        assert await uow.session.scalar(select(sa.func.count(OutboxMessage.id))) == 0
    assert not await housekeeping.prune(runtime.uow_factory)  # nothing more to do


# --------------------------------------------------------------------- rows from before 0003


async def test_payloads_written_before_the_upgrade_are_read_then_sealed(
    db_url: str, clock: FakeClock
) -> None:
    await migrate.upgrade(db_url, "0002")
    old_outbox = sa.table(
        "outbox",
        *(sa.column(name) for name in ("chat_id", "kind", "status", "attempts", "sent_pieces")),
        sa.column("payload", sa.JSON()),
        sa.column("created_at", sa.DateTime(timezone=True)),
        sa.column("paid_broadcast", sa.Boolean()),
    )
    engine = make_engine(db_url)
    try:
        async with engine.begin() as connection:
            for status in ("pending", "sent"):
                await connection.execute(
                    old_outbox.insert().values(
                        chat_id=42,
                        kind="send",
                        status=status,
                        attempts=0,
                        sent_pieces=0,
                        payload={"text": f"住户电话：{PHONE}"},
                        created_at=clock.now(),
                        paid_broadcast=False,
                    )
                )
    finally:
        await engine.dispose()
    await migrate.upgrade(db_url)

    settings = Settings(database_url=db_url, _env_file=None)  # type: ignore[call-arg]
    runtime = build_runtime(settings, clock=clock, key=new_key())
    try:
        async with runtime.uow_factory() as uow:
            rows = await uow.session.execute(
                select(OutboxMessage.status, OutboxMessage.payload_enc)
            )
            stored = {row.status: row.payload_enc for row in rows}
        assert stored["sent"] == b""  # never read again: blanked
        pruned = await housekeeping.prune(runtime.uow_factory)
        assert pruned.sealed == 1
        async with runtime.uow_factory() as uow:
            blob = await uow.session.scalar(select(OutboxMessage.payload_enc))
            assert blob is not None and secrets_in(blob) == []
            [item] = await outbox.claim(uow, runtime.uow_factory.clock.now())
            assert item.payload == {"text": f"住户电话：{PHONE}"}
    finally:
        await runtime.close()
    await migrate.downgrade(db_url, "0002")  # the sealed pending message cannot be kept
    engine = make_engine(db_url)
    try:
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql("SELECT status, error FROM outbox")).all()
    finally:
        await engine.dispose()
    assert {tuple(row) for row in rows} == {
        ("failed", "sealed payload lost in a downgrade"),
        ("sent", None),
    }

"""Files the bot makes (a chart, a workbook) go through the outbox: stored sealed, sent as
multipart uploads (sendPhoto, sendDocument) by whichever process runs after a restart, resumed
after the last call that went out, and their bytes deleted once the message is finished."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.channels import delivery_plan
from bot.channels.aiogram_channel import AiogramTransport, make_bot
from bot.runtime.resources import Runtime, build_runtime
from bot.runtime.sender import OutboxSender, SendRates
from bot.runtime.settings import Settings
from core.crypto import new_key
from core.enums import OutboxStatus, UploadKind
from core.models import Base, OutboxFile, OutboxMessage
from core.services import identities, outbox
from core.services.outbox import OutgoingFile
from tg_emulator import Emulator, SimUser
from tg_emulator.files import tiny_png

TOKEN = "123456:FILES-test"
PNG = tiny_png(40, 30)
XLSX = b"PK\x03\x04" + bytes(range(256)) * 40  # what matters is that the bytes arrive whole
CHART = OutgoingFile(UploadKind.PHOTO, "pareto.png", PNG)
BOOK = OutgoingFile(UploadKind.DOCUMENT, "BX-2026-11.xlsx", XLSX)


@pytest.fixture
async def world(db_url: str) -> AsyncIterator[tuple[Emulator, SimUser, Settings, str]]:
    async with Emulator(seed=3) as emulator:
        emulator.add_bot(TOKEN)
        user = emulator.create_user(first_name="李", language_code="zh-hans")
        await user.send_text("hi")
        settings = Settings(database_url=db_url, bot_token=TOKEN, _env_file=None)  # type: ignore[call-arg]
        key = new_key()
        runtime = build_runtime(settings, key=key)
        async with runtime.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with runtime.uow_factory() as uow:
            await identities.touch(uow, "telegram", user.id, user.chat_id, "zh-hans")
            await uow.commit()
        await runtime.close()
        yield emulator, user, settings, key


@contextlib.asynccontextmanager
async def a_process(emulator: Emulator, settings: Settings, key: str) -> AsyncIterator[Runtime]:
    """One bot process: its own engine and a sender over aiogram (HTTP multipart)."""
    runtime = build_runtime(settings, key=key)
    bot = make_bot(TOKEN, emulator.base_url)
    rates = SendRates(per_second=1000, private_chat_burst=100, private_chat_per_second=100)
    sender = OutboxSender(runtime.uow_factory, AiogramTransport(bot), rates)
    task = asyncio.create_task(sender.run())
    try:
        yield runtime
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await bot.session.close()
        await runtime.close()


async def stored(runtime: Runtime) -> tuple[list[str], list[bytes]]:
    async with runtime.uow_factory() as uow:
        statuses = list(await uow.session.scalars(select(OutboxMessage.status)))
        contents = list(await uow.session.scalars(select(OutboxFile.content_enc)))
    return statuses, contents


async def settled(runtime: Runtime) -> tuple[list[str], list[bytes]]:
    for _ in range(150):
        statuses, contents = await stored(runtime)
        if OutboxStatus.PENDING not in statuses:
            return statuses, contents
        await asyncio.sleep(0.1)
    return await stored(runtime)


def test_the_plan_captions_the_first_upload_and_keeps_long_text_apart() -> None:
    steps = delivery_plan.plan_send({"text": "月报"}, (CHART, BOOK))
    assert [type(s).__name__ for s in steps] == ["SendUpload", "SendUpload"]
    assert (steps[0].caption, steps[0].with_markup) == ("月报", True)  # type: ignore[union-attr]
    assert steps[1].caption is None  # type: ignore[union-attr]
    long = delivery_plan.plan_send({"text": "长" * 1500}, (BOOK,))
    assert [type(s).__name__ for s in long] == ["SendUpload", "SendText"]
    with pytest.raises(ValueError):
        OutgoingFile(UploadKind.PHOTO, "huge.png", b"x" * (10 * 1024 * 1024 + 1))
    with pytest.raises(ValueError):
        OutgoingFile(UploadKind.DOCUMENT, "empty.xlsx", b"")


async def test_files_wait_sealed_for_the_next_process_and_are_forgotten_once_sent(
    world: tuple[Emulator, SimUser, Settings, str],
) -> None:
    emulator, user, settings, key = world
    # Written while no sender runs (the process that wrote them stopped before sending).
    runtime = build_runtime(settings, key=key)
    async with runtime.uow_factory() as uow:
        await outbox.enqueue(uow, user.chat_id, {"text": "帕累托图"}, files=[CHART])
        await outbox.enqueue(uow, user.chat_id, {"text": "工作簿"}, files=[BOOK])
        await uow.commit()
    statuses, contents = await stored(runtime)
    assert statuses == [OutboxStatus.PENDING, OutboxStatus.PENDING]
    assert len(contents) == 2
    assert not any(PNG[:8] in c or XLSX[:64] in c for c in contents)  # sealed at rest
    await runtime.close()

    async with a_process(emulator, settings, key) as process:
        photo = await user.next_message(timeout=10)
        document = await user.next_message(timeout=10)
        statuses, contents = await settled(process)
    assert photo.has_photo and photo.caption == "帕累托图"
    assert document.document is not None and document.caption == "工作簿"
    assert document.document["file_name"] == "BX-2026-11.xlsx"
    delivered = emulator.files.get(document.document["file_id"])
    assert delivered is not None and delivered.data == XLSX
    assert emulator.files.get(photo.photos[-1]["file_id"]).data == PNG  # type: ignore[union-attr]
    assert statuses == [OutboxStatus.SENT, OutboxStatus.SENT]
    assert contents == []  # the bytes are not kept for the retention
    emulator.assert_no_violations()


async def test_a_message_cut_off_after_its_photo_resumes_with_the_document_only(
    world: tuple[Emulator, SimUser, Settings, str],
) -> None:
    emulator, user, settings, key = world
    emulator.set_faults("5xx", share=1.0, methods=["sendDocument"])
    async with a_process(emulator, settings, key) as process:
        async with process.uow_factory() as uow:
            await outbox.enqueue(uow, user.chat_id, {"text": "月报"}, files=[CHART, BOOK])
            await uow.commit()
        photo = await user.next_message(timeout=10)
        for _ in range(100):  # the refusal is recorded: one call went out
            async with process.uow_factory() as uow:
                row = (
                    await uow.session.execute(
                        select(OutboxMessage.sent_pieces, OutboxMessage.status)
                    )
                ).one()
            if row.sent_pieces == 1:
                break
            await asyncio.sleep(0.1)
        assert tuple(row) == (1, OutboxStatus.PENDING)
    emulator.clear_faults()
    async with a_process(emulator, settings, key) as process:  # after a restart
        document = await user.next_message(timeout=15)
        statuses, contents = await settled(process)
    assert photo.has_photo and photo.caption == "月报"
    assert document.document is not None and document.caption is None
    assert statuses == [OutboxStatus.SENT] and contents == []
    assert emulator.stats()["calls"]["sendPhoto"] == 1  # the photo was not sent twice


async def test_a_blocked_person_s_files_are_forgotten(
    world: tuple[Emulator, SimUser, Settings, str],
) -> None:
    emulator, user, settings, key = world
    emulator.block(user)
    async with a_process(emulator, settings, key) as process:
        async with process.uow_factory() as uow:
            await outbox.enqueue(uow, user.chat_id, {"text": "月报"}, files=[CHART])
            await outbox.enqueue(uow, user.chat_id, {"text": "工作簿"}, files=[BOOK])
            await uow.commit()
        statuses, contents = await settled(process)
        async with process.uow_factory() as uow:
            files = await uow.session.scalar(select(func.count()).select_from(OutboxFile))
    assert statuses == [OutboxStatus.SKIPPED, OutboxStatus.SKIPPED]
    assert contents == [] and files == 0

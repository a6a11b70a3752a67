"""Two setting changes at once (two operators, or an operator and a script) on both back ends:
the second waits for the first and builds on it, so neither change is lost."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from core.models import Estate
from core.services import estate_settings
from core.uow import UnitOfWorkFactory


async def test_two_changes_at_once_both_stay(uows: UnitOfWorkFactory) -> None:
    async with uows() as first:
        await estate_settings.change(first, "BX", ["digest_am=08:30"], "first")

        async def second() -> None:
            async with uows() as uow:
                await estate_settings.change(uow, "BX", ["digest_pm=14:00"], "second")
                await uow.commit()

        waiting = asyncio.create_task(second())
        done, _ = await asyncio.wait({waiting}, timeout=0.3)
        assert not done  # held by the first change's lock
        await first.commit()
    await waiting
    async with uows() as uow:
        estate = await uow.session.scalar(select(Estate).where(Estate.code == "BX"))
        assert estate is not None
        assert estate.settings["routines"] == {"digest_am": "08:30", "digest_pm": "14:00"}
        history = await estate_settings.history(uow, "BX")
    assert [(change.key, change.changed_by) for change in history] == [
        ("digest_pm", "second"),
        ("digest_am", "first"),
    ]

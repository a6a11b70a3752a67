"""Sending a satisfaction survey (core.services.surveys): each household's first question
written to its bound members' chats in batches of households, each batch in one transaction
with the campaign's `cursor` (as notices do), so memory does not grow with the audience and a
crash resumes after the last committed batch; at the reminder time, the households sent the
questionnaire that have not finished it get their next question again, batched the same way.
How a question reads is the bot's business: the caller passes a `Render`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.enums import BindingStatus
from core.i18n import resolve_locale
from core.models import ChatIdentity, SurveyCampaign, SurveyDelivery, SurveyHousehold, UnitBinding
from core.services import outbox
from core.services.surveys import BATCH, CampaignStatus, CampaignView, estate_of, view_of
from core.uow import UnitOfWork, UnitOfWorkFactory


@dataclass(frozen=True)
class Prompt:
    """One question for one household, as a render needs it (`reminder`: asked again)."""

    campaign: CampaignView
    unit_id: int
    index: int
    reminder: bool = False


# Renders a question for a reader of a locale: the outbox payload (text, buttons).
Render = Callable[[Prompt, str], dict[str, Any]]


async def _chats_of_units(
    uow: UnitOfWork, unit_ids: list[int], person_id: int | None = None
) -> dict[int, list[tuple[int, int, str | None, str | None]]]:
    """unit → [(identity, chat, chosen locale, language code)] of its bound members' chats."""
    query = (
        select(
            UnitBinding.unit_id,
            ChatIdentity.id,
            ChatIdentity.chat_id,
            ChatIdentity.locale,
            ChatIdentity.language_code,
        )
        .join(ChatIdentity, ChatIdentity.person_id == UnitBinding.person_id)
        .where(
            UnitBinding.unit_id.in_(unit_ids),
            UnitBinding.status == BindingStatus.VERIFIED,
            ChatIdentity.blocked.is_(False),
        )
        .order_by(UnitBinding.unit_id, ChatIdentity.id)
    )
    if person_id is not None:
        query = query.where(UnitBinding.person_id == person_id)
    chats: dict[int, list[tuple[int, int, str | None, str | None]]] = {}
    for unit_id, identity_id, chat_id, locale, code in await uow.session.execute(query):
        chats.setdefault(unit_id, []).append((identity_id, chat_id, locale, code))
    return chats


async def write_batch(
    uow: UnitOfWork,
    campaign_id: int,
    render: Render,
    default_locale: str = "zh_Hans",
    size: int = BATCH,
) -> int:
    """Writes the next `size` households' first question to their bound members' chats (the
    caller commits); returns the households handled, 0 when all are written."""
    row = await uow.session.get(SurveyCampaign, campaign_id, with_for_update=True)
    if row is None or row.status != CampaignStatus.RUNNING:
        return 0
    households = list(
        await uow.session.scalars(
            select(SurveyHousehold)
            .where(SurveyHousehold.campaign_id == row.id, SurveyHousehold.unit_id > row.cursor)
            .order_by(SurveyHousehold.unit_id)
            .limit(size)
        )
    )
    if not households:
        return 0
    view = view_of(row, (await estate_of(uow, row.estate_id)).timezone)
    chats = await _chats_of_units(uow, [h.unit_id for h in households])
    links = []
    for household in households:
        household.has_chat = bool(chats.get(household.unit_id))
        if household.completed_at is not None:  # the office entered it before we got here
            continue
        for identity_id, chat_id, chosen, code in chats.get(household.unit_id, []):
            locale = chosen or resolve_locale(code, default_locale)
            payload = render(Prompt(view, household.unit_id, household.next_question), locale)
            outbox_id = await outbox.enqueue(uow, chat_id, payload, identity_id=identity_id)
            links.append(
                {
                    "campaign_id": row.id,
                    "unit_id": household.unit_id,
                    "identity_id": identity_id,
                    "outbox_id": outbox_id,
                }
            )
    if links:
        insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
        await uow.session.execute(insert(SurveyDelivery), links)
    row.cursor = households[-1].unit_id
    return len(households)


async def write_reminders(
    uow: UnitOfWork,
    campaign_id: int,
    render: Render,
    default_locale: str = "zh_Hans",
    size: int = BATCH,
) -> int:
    """The reminder, a batch at a time: each household that was sent the questionnaire and has
    not finished it gets its next question again (the member answering it, else every bound
    member). Returns the households handled; 0 marks the reminder done."""
    row = await uow.session.get(SurveyCampaign, campaign_id, with_for_update=True)
    if row is None or row.status != CampaignStatus.RUNNING or row.reminded_at is not None:
        return 0
    households = list(
        await uow.session.scalars(
            select(SurveyHousehold)
            .where(
                SurveyHousehold.campaign_id == row.id,
                SurveyHousehold.unit_id > row.remind_cursor,
                SurveyHousehold.completed_at.is_(None),
                exists(
                    select(1).where(
                        SurveyDelivery.campaign_id == row.id,
                        SurveyDelivery.unit_id == SurveyHousehold.unit_id,
                    )
                ),
            )
            .order_by(SurveyHousehold.unit_id)
            .limit(size)
        )
    )
    now = uow.clock.now()
    if not households:
        row.reminded_at = now
        return 0
    view = view_of(row, (await estate_of(uow, row.estate_id)).timezone)
    for household in households:
        chats = await _chats_of_units(uow, [household.unit_id], household.answerer_id)
        for identity_id, chat_id, chosen, code in chats.get(household.unit_id, []):
            locale = chosen or resolve_locale(code, default_locale)
            prompt = Prompt(view, household.unit_id, household.next_question, reminder=True)
            await outbox.enqueue(uow, chat_id, render(prompt, locale), identity_id=identity_id)
        household.reminded_at = now
    row.remind_cursor = households[-1].unit_id
    return len(households)


async def due(uow: UnitOfWork) -> tuple[list[int], list[int]]:
    """(campaigns with questionnaires to write, campaigns whose reminder is due)."""
    now = uow.clock.now()
    running = (
        select(SurveyCampaign.id)
        .where(SurveyCampaign.status == CampaignStatus.RUNNING, SurveyCampaign.opens_at <= now)
        .order_by(SurveyCampaign.id)
    )
    sending = await uow.session.scalars(
        running.where(
            exists(
                select(1).where(
                    SurveyHousehold.campaign_id == SurveyCampaign.id,
                    SurveyHousehold.unit_id > SurveyCampaign.cursor,
                )
            )
        )
    )
    reminding = await uow.session.scalars(
        running.where(SurveyCampaign.reminded_at.is_(None), SurveyCampaign.remind_at <= now)
    )
    return list(sending), list(reminding)


async def advance(
    uow_factory: UnitOfWorkFactory,
    render: Render,
    default_locale: str = "zh_Hans",
    size: int = BATCH,
    after_batch: Callable[[], Awaitable[None] | None] | None = None,
) -> int:
    """Writes out every running campaign's questionnaires, then any reminder due, one committed
    batch at a time; returns the households written. Safe to run again at any point."""
    async with uow_factory() as uow:
        sending, reminding = await due(uow)
    written = 0
    for campaign_id, writer in [(c, write_batch) for c in sending] + [
        (c, write_reminders) for c in reminding
    ]:
        while True:
            async with uow_factory() as uow:
                count = await writer(uow, campaign_id, render, default_locale, size)
                await uow.commit()
            if count == 0:
                break
            written += count
            if after_batch is not None:
                woken = after_batch()
                if woken is not None:
                    await woken
    return written

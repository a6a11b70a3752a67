"""Satisfaction survey campaigns (满意度调查, seed 004; DESIGN.md "Satisfaction").

A campaign is a questionnaire (core.services.questionnaires) in both scripts, sent to the
households (units) of an estate: all of them, some buildings, or a random share chosen with a
seed (seed 004 asks a full survey once or twice a year and a sampled callback of at least 5 % of
households a year). Its life: draft → running → closed.

Starting it fixes the audience, one `SurveyHousehold` row per unit. Sending writes each bound
member's first question to the outbox in batches of households, each batch in one transaction
with the campaign's `cursor` (as notices do): memory does not grow with the audience, and a
crash resumes after the last committed batch. A household is *reached* once a bound member's
questionnaire was handed to Telegram (the outbox row is sent; `settle_reached` copies that onto
the household), or when the office enters its answers from paper or the phone. Households with
no bound chat are listed so that the office can reach them.

One answer set per household: the first member to answer answers for it (a conditional update
claims it), the others are told it was answered. Answers are kept one at a time as they come, so
the questionnaire can be finished days later; at the reminder time the households reached and
not finished get their next question again. At the end of the window the campaign closes, and
when its satisfaction rate is under the threshold the estate's managers get the corrective-action
alert (core.services.survey_rates).
"""

from __future__ import annotations

import math
import random
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, delete, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.enums import BindingStatus, OutboxStatus, Role
from core.errors import DomainError, ForbiddenTransition, InvalidInput, NotFound, PermissionDenied
from core.i18n import N_, resolve_locale
from core.models import (
    Building,
    ChatIdentity,
    Estate,
    OutboxMessage,
    SurveyAnswer,
    SurveyCampaign,
    SurveyDelivery,
    SurveyHousehold,
    Unit,
    UnitBinding,
)
from core.news import SurveyAlert
from core.services import outbox, people, survey_rates
from core.services.questionnaires import SATISFIED_SCORE, QuestionKind, Questionnaire
from core.uow import UnitOfWork, UnitOfWorkFactory

BATCH = 500
MAX_TEXT_ANSWER = 1000
# Who sees a campaign's status in chat (the command line is the operator's).
SURVEY_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    RUNNING = "running"
    CLOSED = "closed"


class Scope(StrEnum):
    ESTATE = "estate"
    BUILDINGS = "buildings"
    SAMPLE = "sample"  # a seeded random share of the estate's (or the buildings') households


class HouseholdAnswered(DomainError):
    message_id = N_(
        "Another member of your household has already answered this survey. Thank you all the same!"
    )


class AlreadyAnswered(DomainError):
    message_id = N_("You have already answered this survey. Thank you!")


class SurveyClosed(DomainError):
    message_id = N_("This survey has closed. Thank you for your interest.")


class AnswerRecorded(DomainError):
    message_id = N_("That answer is already recorded.")


@dataclass(frozen=True)
class AudienceSpec:
    scope: Scope = Scope.ESTATE
    buildings: tuple[int, ...] = ()  # building ids (scope buildings, or a sample of them)
    share: float | None = None  # scope sample: 0 < share <= 1
    seed: int | None = None  # scope sample: the same seed draws the same households

    def to_json(self) -> dict[str, Any]:
        return {
            "scope": self.scope.value,
            "buildings": list(self.buildings),
            "share": self.share,
            "seed": self.seed,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> AudienceSpec:
        return cls(
            Scope(data.get("scope", Scope.ESTATE)),
            tuple(data.get("buildings") or ()),
            data.get("share"),
            data.get("seed"),
        )


@dataclass(frozen=True)
class SurveyQuestion:
    key: str
    kind: QuestionKind
    satisfied: bool
    text: dict[str, str]
    options: tuple[dict[str, Any], ...]

    def text_in(self, locale: str) -> str:
        return self.text.get(locale) or self.text["zh_Hans"]

    def option_in(self, index: int, locale: str) -> str:
        texts = self.options[index]["text"]
        return str(texts.get(locale) or texts["zh_Hans"])


@dataclass(frozen=True)
class CampaignView:
    id: int
    estate_id: int
    status: CampaignStatus
    title_hans: str
    title_hant: str
    questions: tuple[SurveyQuestion, ...]
    audience: AudienceSpec
    opens_at: datetime | None
    closes_at: datetime
    remind_at: datetime | None
    timezone: str
    alerted: bool = False

    def title(self, locale: str) -> str:
        return self.title_hant if locale == "zh_Hant" else self.title_hans

    def question(self, key: str) -> SurveyQuestion:
        return next(q for q in self.questions if q.key == key)


@dataclass(frozen=True)
class Prompt:
    """One question for one household, as a render needs it (`reminder`: asked again)."""

    campaign: CampaignView
    unit_id: int
    index: int
    reminder: bool = False


# Renders a question for a reader of a locale: the outbox payload (text, buttons).
Render = Callable[[Prompt, str], dict[str, Any]]


@dataclass(frozen=True)
class HouseholdView:
    campaign_id: int
    unit_id: int
    next_question: int | None  # None: finished
    satisfied: bool | None
    answerer_id: int | None
    by_office: bool


def _view(row: SurveyCampaign, timezone: str) -> CampaignView:
    return CampaignView(
        id=row.id,
        estate_id=row.estate_id,
        status=CampaignStatus(row.status),
        title_hans=row.title_hans,
        title_hant=row.title_hant,
        questions=tuple(
            SurveyQuestion(
                q["key"],
                QuestionKind(q["kind"]),
                bool(q.get("satisfied")),
                q["text"],
                tuple(q.get("options") or ()),
            )
            for q in row.questions
        ),
        audience=AudienceSpec.from_json(row.audience),
        opens_at=row.opens_at,
        closes_at=row.closes_at,
        remind_at=row.remind_at,
        timezone=timezone,
        alerted=row.alerted_at is not None,
    )


def _household_view(row: SurveyHousehold, total: int) -> HouseholdView:
    finished = row.completed_at is not None
    return HouseholdView(
        row.campaign_id,
        row.unit_id,
        None if finished or row.next_question >= total else row.next_question,
        row.satisfied,
        row.answerer_id,
        row.by_office,
    )


async def _estate(uow: UnitOfWork, estate_id: int) -> Estate:
    estate = await uow.session.get(Estate, estate_id)
    if estate is None:
        raise NotFound()
    return estate


async def get(uow: UnitOfWork, campaign_id: int) -> CampaignView:
    row = await uow.session.get(SurveyCampaign, campaign_id)
    if row is None:
        raise NotFound()
    return _view(row, (await _estate(uow, row.estate_id)).timezone)


async def list_for_estate(uow: UnitOfWork, estate_id: int, limit: int = 20) -> list[CampaignView]:
    estate = await _estate(uow, estate_id)
    rows = await uow.session.scalars(
        select(SurveyCampaign)
        .where(SurveyCampaign.estate_id == estate_id)
        .order_by(SurveyCampaign.id.desc())
        .limit(limit)
    )
    return [_view(row, estate.timezone) for row in rows]


# --- creating and starting -------------------------------------------------------------------


async def create(
    uow: UnitOfWork,
    estate_id: int,
    questionnaire: Questionnaire,
    closes_at: datetime,
    audience: AudienceSpec = AudienceSpec(),
    opens_at: datetime | None = None,
    remind_at: datetime | None = None,
    created_by: int | None = None,
) -> CampaignView:
    """A draft campaign; the window and the reminder are checked, the audience's buildings are
    the estate's own, a sample's share is in (0, 1] (its seed drawn now when none is given)."""
    estate = await _estate(uow, estate_id)
    start = opens_at or uow.clock.now()
    if closes_at <= start:
        raise InvalidInput(N_("The survey must close after it opens."))
    if remind_at is not None and not start < remind_at < closes_at:
        raise InvalidInput(N_("The reminder must fall inside the survey's window."))
    audience = await _checked_audience(uow, estate.id, audience)
    title, questions = questionnaire.to_json(estate.region)
    row = SurveyCampaign(
        estate_id=estate.id,
        title_hans=title["zh_Hans"],
        title_hant=title["zh_Hant"],
        questions=questions,
        audience=audience.to_json(),
        status=CampaignStatus.DRAFT,
        opens_at=opens_at,
        closes_at=closes_at,
        remind_at=remind_at,
        created_by=created_by,
        created_at=uow.clock.now(),
        cursor=0,
        remind_cursor=0,
    )
    uow.add(row)
    await uow.flush()
    return _view(row, estate.timezone)


async def _checked_audience(uow: UnitOfWork, estate_id: int, spec: AudienceSpec) -> AudienceSpec:
    if spec.buildings:
        found = await uow.session.scalar(
            select(func.count())
            .select_from(Building)
            .where(Building.id.in_(spec.buildings), Building.estate_id == estate_id)
        )
        if found != len(set(spec.buildings)):
            raise NotFound()
    if spec.scope is Scope.BUILDINGS and not spec.buildings:
        raise InvalidInput(N_("Name the buildings the survey goes to."))
    if spec.scope is Scope.SAMPLE:
        if spec.share is None or not 0 < spec.share <= 1:
            raise InvalidInput(N_("A sample's share is more than 0 % and at most 100 %."))
        if spec.seed is None:
            return AudienceSpec(spec.scope, spec.buildings, spec.share, secrets.randbelow(10**6))
    return spec


def draw_sample(unit_ids: list[int], share: float, seed: int) -> list[int]:
    """A share of the households (at least one, rounded up), the same for the same seed."""
    ordered = sorted(unit_ids)
    if not ordered:
        return []
    count = min(len(ordered), max(1, math.ceil(share * len(ordered))))
    return sorted(random.Random(seed).sample(ordered, count))


async def _audience_units(uow: UnitOfWork, row: SurveyCampaign) -> list[tuple[int, int]]:
    """(unit, building) of every household in the audience."""
    spec = AudienceSpec.from_json(row.audience)
    query = (
        select(Unit.id, Building.id)
        .join(Building, Building.id == Unit.building_id)
        .where(Building.estate_id == row.estate_id)
        .order_by(Unit.id)
    )
    if spec.buildings:
        query = query.where(Building.id.in_(spec.buildings))
    units = [(unit_id, building_id) for unit_id, building_id in await uow.session.execute(query)]
    if spec.scope is Scope.SAMPLE:
        assert spec.share is not None and spec.seed is not None
        chosen = set(draw_sample([u for u, _ in units], spec.share, spec.seed))
        units = [pair for pair in units if pair[0] in chosen]
    return units


def _bound_chat(unit_column: Any) -> Any:
    """A verified member of the unit with a chat that has not blocked the bot."""
    return exists(
        select(1)
        .select_from(UnitBinding)
        .join(ChatIdentity, ChatIdentity.person_id == UnitBinding.person_id)
        .where(
            UnitBinding.unit_id == unit_column,
            UnitBinding.status == BindingStatus.VERIFIED,
            ChatIdentity.blocked.is_(False),
        )
    )


NOT_A_DRAFT = N_("This survey has already been started.")
NOT_RUNNING = N_("This survey is not running.")


async def _row_in(
    uow: UnitOfWork, campaign_id: int, status: CampaignStatus, refusal: str
) -> SurveyCampaign:
    row = await uow.session.get(SurveyCampaign, campaign_id, with_for_update=True)
    if row is None:
        raise NotFound()
    if row.status != status:
        raise ForbiddenTransition(refusal)
    return row


async def start(uow: UnitOfWork, campaign_id: int) -> int:
    """Fixes the audience (one row per household) and starts the campaign: the scheduler's
    tick, or `advance`, writes the questionnaires out. Returns the households in the audience."""
    row = await _row_in(uow, campaign_id, CampaignStatus.DRAFT, NOT_A_DRAFT)
    now = uow.clock.now()
    if row.closes_at <= now:
        raise InvalidInput(N_("The survey must close after it opens."))
    units = await _audience_units(uow, row)
    if not units:
        raise InvalidInput(N_("The survey's audience has no households."))
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    await uow.session.execute(
        insert(SurveyHousehold),
        [
            {
                "campaign_id": row.id,
                "unit_id": unit_id,
                "building_id": building_id,
                "has_chat": False,
                "by_office": False,
                "next_question": 0,
            }
            for unit_id, building_id in units
        ],
    )
    await uow.session.execute(
        update(SurveyHousehold)
        .where(SurveyHousehold.campaign_id == row.id, _bound_chat(SurveyHousehold.unit_id))
        .values(has_chat=True)
        .execution_options(synchronize_session=False)
    )
    row.status, row.started_at = CampaignStatus.RUNNING, now
    row.opens_at = row.opens_at or now
    return len(units)


# --- sending ---------------------------------------------------------------------------------


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
    view = _view(row, (await _estate(uow, row.estate_id)).timezone)
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
    view = _view(row, (await _estate(uow, row.estate_id)).timezone)
    for household in households:
        chats = await _chats_of_units(uow, [household.unit_id], household.answerer_id)
        for identity_id, chat_id, chosen, code in chats.get(household.unit_id, []):
            locale = chosen or resolve_locale(code, default_locale)
            prompt = Prompt(view, household.unit_id, household.next_question, reminder=True)
            await outbox.enqueue(uow, chat_id, render(prompt, locale), identity_id=identity_id)
        household.reminded_at = now
    row.remind_cursor = households[-1].unit_id
    return len(households)


async def settle_reached(uow: UnitOfWork, campaign_id: int | None = None) -> int:
    """Marks reached the households one of whose questionnaires the sender handed to Telegram
    (its outbox row is sent), at that time. Run each minute and before the rates are read, so
    the mark is taken long before the outbox's retention deletes the row."""
    sent_at = (
        select(func.min(OutboxMessage.sent_at))
        .select_from(SurveyDelivery)
        .join(OutboxMessage, OutboxMessage.id == SurveyDelivery.outbox_id)
        .where(
            SurveyDelivery.campaign_id == SurveyHousehold.campaign_id,
            SurveyDelivery.unit_id == SurveyHousehold.unit_id,
            OutboxMessage.status == OutboxStatus.SENT,
        )
        .scalar_subquery()
    )
    conditions = [SurveyHousehold.reached_at.is_(None), sent_at.is_not(None)]
    if campaign_id is not None:
        conditions.append(SurveyHousehold.campaign_id == campaign_id)
    else:
        running = select(SurveyCampaign.id).where(SurveyCampaign.status == CampaignStatus.RUNNING)
        conditions.append(SurveyHousehold.campaign_id.in_(running))
    result = await uow.session.execute(
        update(SurveyHousehold)
        .where(and_(*conditions))
        .values(reached_at=sent_at)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


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


# --- closing ---------------------------------------------------------------------------------


async def close(uow: UnitOfWork, campaign_id: int) -> survey_rates.Rates:
    """Closes a running campaign (answers are no longer taken) and, when its satisfaction rate
    is under the estate's threshold, alerts the managers (SurveyAlert, once)."""
    row = await _row_in(uow, campaign_id, CampaignStatus.RUNNING, NOT_RUNNING)
    await settle_reached(uow, campaign_id)
    row.status, row.closed_at = CampaignStatus.CLOSED, uow.clock.now()
    rates = await survey_rates.campaign_rates(uow, campaign_id)
    estate = await _estate(uow, row.estate_id)
    threshold = survey_rates.threshold_of(estate.settings)
    if rates.below(threshold) and row.alerted_at is None:
        row.alerted_at = uow.clock.now()
        uow.announce(SurveyAlert(campaign_id))
    return rates


async def close_due(
    uow_factory: UnitOfWorkFactory, before_commit: Callable[[UnitOfWork], Awaitable[None]]
) -> list[int]:
    """Closes every campaign whose window ended, each in its own unit of work with its alert."""
    async with uow_factory() as uow:
        await settle_reached(uow)
        await uow.commit()
        ids = list(
            await uow.session.scalars(
                select(SurveyCampaign.id).where(
                    SurveyCampaign.status == CampaignStatus.RUNNING,
                    SurveyCampaign.closes_at <= uow.clock.now(),
                )
            )
        )
    for campaign_id in ids:
        async with uow_factory() as uow:
            await close(uow, campaign_id)
            await before_commit(uow)
            await uow.commit()
    return ids


# --- answering -------------------------------------------------------------------------------


async def household(uow: UnitOfWork, campaign_id: int, unit_id: int) -> HouseholdView:
    campaign = await get(uow, campaign_id)
    row = await uow.session.get(SurveyHousehold, (campaign_id, unit_id))
    if row is None:
        raise PermissionDenied()
    return _household_view(row, len(campaign.questions))


async def _is_member(uow: UnitOfWork, person_id: int, unit_id: int) -> bool:
    found = await uow.session.scalar(
        select(UnitBinding.id).where(
            UnitBinding.person_id == person_id,
            UnitBinding.unit_id == unit_id,
            UnitBinding.status == BindingStatus.VERIFIED,
        )
    )
    return found is not None


async def require_answerer(
    uow: UnitOfWork, campaign_id: int, unit_id: int, person_id: int | None
) -> tuple[CampaignView, HouseholdView]:
    """The campaign and the household, if this person may answer for it now: a verified member
    of the unit, the campaign running and open, nobody else of the household answering."""
    campaign = await get(uow, campaign_id)
    row = await uow.session.get(SurveyHousehold, (campaign_id, unit_id), populate_existing=True)
    if row is None or person_id is None or not await _is_member(uow, person_id, unit_id):
        raise PermissionDenied()
    if campaign.status is not CampaignStatus.RUNNING or campaign.closes_at <= uow.clock.now():
        raise SurveyClosed()
    if row.by_office or (row.answerer_id is not None and row.answerer_id != person_id):
        raise HouseholdAnswered()
    if row.completed_at is not None:
        raise AlreadyAnswered()
    return campaign, _household_view(row, len(campaign.questions))


def _judge(question: SurveyQuestion, value: int | str | None) -> dict[str, Any]:
    """The answer's columns, checked against the question (InvalidInput when it does not fit)."""
    if question.kind is QuestionKind.CHOICE:
        if not isinstance(value, int) or not 0 <= value < len(question.options):
            raise InvalidInput()
        return {"choice": value, "satisfied": bool(question.options[value].get("satisfied"))}
    if question.kind is QuestionKind.RATING:
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput()
        return {"score": value, "satisfied": value >= SATISFIED_SCORE}
    text = str(value).strip()[:MAX_TEXT_ANSWER] if value else ""
    return {"text": text or None, "satisfied": None}


async def answer(
    uow: UnitOfWork,
    campaign_id: int,
    unit_id: int,
    person_id: int | None,
    index: int,
    value: int | str | None,
) -> HouseholdView:
    """Keeps one answer of a household member (checked on every press) and moves the household
    to its next question; the first member to answer claims the household. `value`: an option's
    index, a 1–5 score, or a text (None: skipped)."""
    campaign, before = await require_answerer(uow, campaign_id, unit_id, person_id)
    if before.next_question != index:
        raise AnswerRecorded()
    if not 0 <= index < len(campaign.questions):
        raise InvalidInput()
    question = campaign.questions[index]
    columns = _judge(question, value)
    # One statement claims the household and moves it on: of two members pressing at once, or
    # a double tap, only one press gets past it.
    claimed = await uow.session.execute(
        update(SurveyHousehold)
        .where(
            SurveyHousehold.campaign_id == campaign_id,
            SurveyHousehold.unit_id == unit_id,
            SurveyHousehold.next_question == index,
            SurveyHousehold.completed_at.is_(None),
            SurveyHousehold.by_office.is_(False),
            (SurveyHousehold.answerer_id.is_(None)) | (SurveyHousehold.answerer_id == person_id),
        )
        .values(answerer_id=person_id, next_question=index + 1)
        .execution_options(synchronize_session=False)
    )
    if not claimed.rowcount:
        await require_answerer(uow, campaign_id, unit_id, person_id)  # says why
        raise AnswerRecorded()
    uow.add(
        SurveyAnswer(
            campaign_id=campaign_id,
            unit_id=unit_id,
            question=question.key,
            answered_at=uow.clock.now(),
            **columns,
        )
    )
    await uow.flush()
    row = await uow.session.get_one(SurveyHousehold, (campaign_id, unit_id), populate_existing=True)
    if row.next_question >= len(campaign.questions):
        await _finish(uow, campaign, row)
    return _household_view(row, len(campaign.questions))


async def _finish(uow: UnitOfWork, campaign: CampaignView, row: SurveyHousehold) -> None:
    key = next(q.key for q in campaign.questions if q.satisfied)
    row.satisfied = await uow.session.scalar(
        select(SurveyAnswer.satisfied).where(
            SurveyAnswer.campaign_id == campaign.id,
            SurveyAnswer.unit_id == row.unit_id,
            SurveyAnswer.question == key,
        )
    )
    row.completed_at = uow.clock.now()
    await uow.flush()


async def answer_by_office(
    uow: UnitOfWork, campaign_id: int, unit_id: int, given: dict[str, str]
) -> HouseholdView:
    """The office enters a household's answers from paper or the phone (`by_office`): every
    question but the text ones must be answered; a choice by its number (1 = the first option)
    or its wording in either script, a rating 1–5. The household counts as reached. A household
    whose member already finished in chat is not answered twice."""
    campaign = await get(uow, campaign_id)
    if campaign.status is not CampaignStatus.RUNNING:
        raise ForbiddenTransition(NOT_RUNNING)
    row = await uow.session.get(SurveyHousehold, (campaign_id, unit_id), with_for_update=True)
    if row is None:
        raise NotFound()
    if row.completed_at is not None:
        raise AlreadyAnswered()
    unknown = set(given) - {q.key for q in campaign.questions}
    if unknown:
        raise InvalidInput(N_("No question {key} in this survey."), key=sorted(unknown)[0])
    columns = {}
    for question in campaign.questions:
        raw = (given.get(question.key) or "").strip()
        if not raw and question.kind is not QuestionKind.TEXT:
            raise InvalidInput(N_("Question {key} needs an answer."), key=question.key)
        columns[question.key] = _judge(question, _office_value(question, raw))
    # A member's unfinished answers in chat give way to the answers on paper.
    await uow.session.execute(
        delete(SurveyAnswer).where(
            SurveyAnswer.campaign_id == campaign_id, SurveyAnswer.unit_id == unit_id
        )
    )
    now = uow.clock.now()
    for key, values in columns.items():
        uow.add(
            SurveyAnswer(
                campaign_id=campaign_id, unit_id=unit_id, question=key, answered_at=now, **values
            )
        )
    row.by_office, row.answerer_id = True, None
    row.next_question = len(campaign.questions)
    row.reached_at = row.reached_at or now
    await uow.flush()
    await _finish(uow, campaign, row)
    return _household_view(row, len(campaign.questions))


def _office_value(question: SurveyQuestion, raw: str) -> int | str | None:
    if question.kind is QuestionKind.TEXT:
        return raw or None
    if question.kind is QuestionKind.RATING:
        if not raw.isdigit():
            raise InvalidInput(N_("Question {key}: give a score from 1 to 5."), key=question.key)
        return int(raw)
    if raw.isdigit():
        number = int(raw)
        if not 1 <= number <= len(question.options):
            raise InvalidInput(
                N_("Question {key}: give an option's number from 1 to {count}."),
                key=question.key,
                count=len(question.options),
            )
        return number - 1
    for index, option in enumerate(question.options):
        if raw in option["text"].values():
            return index
    raise InvalidInput(
        N_("Question {key}: give an option's number from 1 to {count}."),
        key=question.key,
        count=len(question.options),
    )


# --- who may read, and the status --------------------------------------------------------------


async def estates_of_reader(uow: UnitOfWork, person_id: int | None) -> list[int]:
    """The estates whose surveys this person may follow in chat, now."""
    if person_id is None:
        return []
    posts = await people.staff_posts(uow, person_id)
    return sorted({post.estate_id for post in posts if post.role in SURVEY_ROLES})


async def for_reader(uow: UnitOfWork, person_id: int | None) -> list[CampaignView]:
    """The running campaigns of the reader's estates, and the last closed one of each."""
    shown: list[CampaignView] = []
    for estate_id in await estates_of_reader(uow, person_id):
        campaigns = await list_for_estate(uow, estate_id)
        running = [c for c in campaigns if c.status is CampaignStatus.RUNNING]
        closed = [c for c in campaigns if c.status is CampaignStatus.CLOSED][:1]
        shown += running + closed
    return shown


async def households_without_chat(uow: UnitOfWork, campaign_id: int) -> list[tuple[str, str]]:
    """(building, unit) of the households no bound chat could be sent to and the office has not
    yet answered for: for paper or the phone."""
    rows = await uow.session.execute(
        select(Building.name, Unit.number)
        .select_from(SurveyHousehold)
        .join(Unit, Unit.id == SurveyHousehold.unit_id)
        .join(Building, Building.id == SurveyHousehold.building_id)
        .where(
            SurveyHousehold.campaign_id == campaign_id,
            SurveyHousehold.has_chat.is_(False),
            SurveyHousehold.completed_at.is_(None),
        )
        .order_by(Building.name, Unit.number)
    )
    return [(building, unit) for building, unit in rows]


async def unit_of(uow: UnitOfWork, campaign_id: int, building: str, number: str) -> int:
    """The household of a campaign by building and unit number (for the office's answers)."""
    found = await uow.session.scalar(
        select(SurveyHousehold.unit_id)
        .join(Unit, Unit.id == SurveyHousehold.unit_id)
        .join(Building, Building.id == SurveyHousehold.building_id)
        .where(
            SurveyHousehold.campaign_id == campaign_id,
            Building.name == building,
            Unit.number == number,
        )
    )
    if found is None:
        raise NotFound()
    return int(found)


async def estate_settings(uow: UnitOfWork, estate_id: int) -> dict[str, Any]:
    return (await _estate(uow, estate_id)).settings or {}


@dataclass(frozen=True)
class Status:
    campaign: CampaignView
    rates: survey_rates.Rates
    buildings: list[survey_rates.BuildingRates]
    questions: list[survey_rates.QuestionRates]
    no_chat: list[tuple[str, str]]


async def status(uow: UnitOfWork, campaign_id: int) -> Status:
    """Where a campaign stands, live: the reached marks brought up to date (the caller commits),
    then the rates per campaign, building and question, and the households with no chat."""
    campaign = await get(uow, campaign_id)
    await settle_reached(uow, campaign_id)
    return Status(
        campaign,
        await survey_rates.campaign_rates(uow, campaign_id),
        await survey_rates.building_rates(uow, campaign_id),
        await survey_rates.question_rates(uow, campaign_id, campaign.questions),
        await households_without_chat(uow, campaign_id),
    )

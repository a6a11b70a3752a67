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

Sending is core.services.survey_sending's, answering core.services.survey_answers'.
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

from sqlalchemy import and_, exists, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.enums import BindingStatus, OutboxStatus, Role
from core.errors import ForbiddenTransition, InvalidInput, NotFound
from core.i18n import N_
from core.models import (
    Building,
    ChatIdentity,
    Estate,
    OutboxMessage,
    SurveyCampaign,
    SurveyDelivery,
    SurveyHousehold,
    Unit,
    UnitBinding,
)
from core.news import SurveyAlert
from core.services import people, survey_rates
from core.services.questionnaires import QuestionKind, Questionnaire
from core.uow import UnitOfWork, UnitOfWorkFactory

BATCH = 500
MAX_ID = 2**31 - 1  # an INTEGER column's largest value
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


def view_of(row: SurveyCampaign, timezone: str) -> CampaignView:
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


async def estate_of(uow: UnitOfWork, estate_id: int) -> Estate:
    estate = await uow.session.get(Estate, estate_id)
    if estate is None:
        raise NotFound()
    return estate


def _fits(*ids: int) -> bool:
    """Ids from a button fit the id columns (a forged one may not, and PostgreSQL would refuse
    the query instead of finding nothing)."""
    return all(0 < value <= MAX_ID for value in ids)


async def get(uow: UnitOfWork, campaign_id: int) -> CampaignView:
    if not _fits(campaign_id):
        raise NotFound()
    row = await uow.session.get(SurveyCampaign, campaign_id)
    if row is None:
        raise NotFound()
    return view_of(row, (await estate_of(uow, row.estate_id)).timezone)


async def list_for_estate(uow: UnitOfWork, estate_id: int, limit: int = 20) -> list[CampaignView]:
    estate = await estate_of(uow, estate_id)
    rows = await uow.session.scalars(
        select(SurveyCampaign)
        .where(SurveyCampaign.estate_id == estate_id)
        .order_by(SurveyCampaign.id.desc())
        .limit(limit)
    )
    return [view_of(row, estate.timezone) for row in rows]


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
    estate = await estate_of(uow, estate_id)
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
    return view_of(row, estate.timezone)


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


# --- closing ---------------------------------------------------------------------------------


async def close(uow: UnitOfWork, campaign_id: int) -> survey_rates.Rates:
    """Closes a running campaign (answers are no longer taken) and, when its satisfaction rate
    is under the estate's threshold, alerts the managers (SurveyAlert, once)."""
    row = await _row_in(uow, campaign_id, CampaignStatus.RUNNING, NOT_RUNNING)
    await settle_reached(uow, campaign_id)
    row.status, row.closed_at = CampaignStatus.CLOSED, uow.clock.now()
    rates = await survey_rates.campaign_rates(uow, campaign_id)
    estate = await estate_of(uow, row.estate_id)
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


async def estate_settings(uow: UnitOfWork, estate_id: int) -> dict[str, Any]:
    return (await estate_of(uow, estate_id)).settings or {}


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

"""Answering a satisfaction survey (core.services.surveys): one answer set per household.

The first member to answer claims the household (one conditional update, so of two members
pressing at once, or a double tap, only one press gets through); the others are told it was
answered. Answers are kept one at a time as they come, so the questionnaire can be finished
days later. The office enters the answers of a household reached on paper or by phone
(`by_office`), which counts it as reached.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update

from core.enums import BindingStatus
from core.errors import DomainError, ForbiddenTransition, InvalidInput, NotFound, PermissionDenied
from core.i18n import N_
from core.models import Building, SurveyAnswer, SurveyHousehold, Unit, UnitBinding
from core.services.questionnaires import SATISFIED_SCORE, QuestionKind
from core.services.surveys import (
    MAX_ID,
    NOT_RUNNING,
    CampaignStatus,
    CampaignView,
    SurveyQuestion,
    get,
)
from core.uow import UnitOfWork

MAX_TEXT_ANSWER = 1000


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
class HouseholdView:
    campaign_id: int
    unit_id: int
    next_question: int | None  # None: finished
    satisfied: bool | None
    answerer_id: int | None
    by_office: bool


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
    if not 0 < unit_id <= MAX_ID:
        raise PermissionDenied()
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

"""The three rates of a satisfaction survey (seed 004 4.2.1, 4.3), per campaign, per building
and per question, each one SQL aggregate over the campaign's households:

- distribution = households reached ÷ households in the audience (target ≥ 90 %);
- return = households that returned the questionnaire ÷ households reached (target ≥ 85 %);
- satisfaction = returned questionnaires judged satisfied ÷ returned questionnaires, judged on
  the questionnaire's `satisfied` question.

Per question: of the returned questionnaires that answered it, the share judged satisfied (a
choice's satisfied options, a rating of 4 or 5) and a rating's mean. Under the threshold (85 %,
seed 004 4.4.1) the managers get the weakest questions and buildings with the comments behind
them (`analysis`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import aliased

from core.models import Building, SurveyAnswer, SurveyHousehold, Unit

DISTRIBUTION_TARGET = 0.90
RETURN_TARGET = 0.85
# The satisfaction rate under which the managers are alerted; an estate may set its own as
# `guanjia estate set BX survey_alert_threshold=0.9` (core.estate_settings; a share, or a percent).
DEFAULT_THRESHOLD = 0.85


def threshold_of(estate_settings: dict[str, Any] | None) -> float:
    given = (estate_settings or {}).get("survey_alert_threshold")
    if given is None:
        return DEFAULT_THRESHOLD
    value = float(given)
    return value / 100 if value > 1 else value


def _share(part: int, whole: int) -> float | None:
    return part / whole if whole else None


@dataclass(frozen=True)
class Rates:
    audience: int
    reached: int
    returned: int
    satisfied: int

    @property
    def distribution(self) -> float | None:
        return _share(self.reached, self.audience)

    @property
    def return_rate(self) -> float | None:
        return _share(self.returned, self.reached)

    @property
    def satisfaction(self) -> float | None:
        return _share(self.satisfied, self.returned)

    def below(self, threshold: float) -> bool:
        return self.satisfaction is not None and self.satisfaction < threshold


@dataclass(frozen=True)
class BuildingRates:
    building_id: int
    building: str
    rates: Rates


@dataclass(frozen=True)
class QuestionRates:
    key: str
    answered: int  # returned questionnaires with an answer (a text: not skipped)
    satisfied: int
    mean_score: float | None  # ratings only
    options: tuple[int, ...] = ()  # a choice: how many chose each option

    @property
    def satisfaction(self) -> float | None:
        return _share(self.satisfied, self.answered)


RETURNED = SurveyHousehold.completed_at.is_not(None)


def _counts() -> list[Any]:
    return [
        func.count(),
        func.count(SurveyHousehold.reached_at),
        func.count(SurveyHousehold.completed_at),
        func.coalesce(func.sum(case((and_(RETURNED, SurveyHousehold.satisfied), 1), else_=0)), 0),
    ]


async def campaign_rates(uow: Any, campaign_id: int) -> Rates:
    row = (
        await uow.session.execute(
            select(*_counts()).where(SurveyHousehold.campaign_id == campaign_id)
        )
    ).one()
    return Rates(*(int(value or 0) for value in row))


async def building_rates(uow: Any, campaign_id: int) -> list[BuildingRates]:
    rows = await uow.session.execute(
        select(Building.id, Building.name, *_counts())
        .select_from(SurveyHousehold)
        .join(Building, Building.id == SurveyHousehold.building_id)
        .where(SurveyHousehold.campaign_id == campaign_id)
        .group_by(Building.id, Building.name)
        .order_by(Building.name)
    )
    return [
        BuildingRates(building_id, name, Rates(*(int(v or 0) for v in counts)))
        for building_id, name, *counts in rows
    ]


async def question_rates(
    uow: Any, campaign_id: int, questions: list[dict[str, Any]] | tuple[Any, ...]
) -> list[QuestionRates]:
    """In the questionnaire's order; `questions` as the campaign stores them (key, options)."""
    returned = and_(
        SurveyHousehold.campaign_id == SurveyAnswer.campaign_id,
        SurveyHousehold.unit_id == SurveyAnswer.unit_id,
    )
    rows = await uow.session.execute(
        select(
            SurveyAnswer.question,
            func.sum(
                case(
                    (
                        SurveyAnswer.choice.is_not(None)
                        | SurveyAnswer.score.is_not(None)
                        | SurveyAnswer.text.is_not(None),
                        1,
                    ),
                    else_=0,
                )
            ),
            func.coalesce(func.sum(case((SurveyAnswer.satisfied, 1), else_=0)), 0),
            func.avg(SurveyAnswer.score),
        )
        .join(SurveyHousehold, returned)
        .where(SurveyAnswer.campaign_id == campaign_id, RETURNED)
        .group_by(SurveyAnswer.question)
    )
    found = {key: (int(n), int(s), float(m) if m is not None else None) for key, n, s, m in rows}
    chosen = await uow.session.execute(
        select(SurveyAnswer.question, SurveyAnswer.choice, func.count())
        .join(SurveyHousehold, returned)
        .where(SurveyAnswer.campaign_id == campaign_id, RETURNED, SurveyAnswer.choice.is_not(None))
        .group_by(SurveyAnswer.question, SurveyAnswer.choice)
    )
    by_option: dict[tuple[str, int], int] = {(k, c): int(n) for k, c, n in chosen}
    result = []
    for question in questions:
        key, options = _key_and_options(question)
        answered, satisfied, mean = found.get(key, (0, 0, None))
        counts = tuple(by_option.get((key, index), 0) for index in range(options))
        result.append(QuestionRates(key, answered, satisfied, mean, counts))
    return result


def _key_and_options(question: Any) -> tuple[str, int]:
    if isinstance(question, dict):
        return question["key"], len(question.get("options") or ())
    return question.key, len(question.options)


# --- the corrective-action analysis -------------------------------------------------------------


@dataclass(frozen=True)
class Weak:
    """A question or a building, weakest first, with comments from its dissatisfied answers."""

    label: str  # a question's key, a building's name
    satisfied: int
    answered: int
    comments: tuple[str, ...]

    @property
    def satisfaction(self) -> float | None:
        return _share(self.satisfied, self.answered)


@dataclass(frozen=True)
class Analysis:
    rates: Rates
    threshold: float
    questions: tuple[Weak, ...]
    buildings: tuple[Weak, ...]


async def analysis(
    uow: Any,
    campaign_id: int,
    questions: tuple[Any, ...],
    threshold: float,
    limit: int = 3,
    comments: int = 3,
) -> Analysis:
    """The weakest judged questions and buildings (lowest satisfaction first, at most `limit`
    of each), each with up to `comments` text answers from questionnaires dissatisfied there."""
    rates = await campaign_rates(uow, campaign_id)
    judged = [
        q
        for q in await question_rates(uow, campaign_id, questions)
        if q.answered and _kind_of(questions, q.key) != "text"
    ]
    judged.sort(key=lambda q: (q.satisfaction or 0.0, q.key))
    weak_questions = [
        Weak(
            q.key,
            q.satisfied,
            q.answered,
            await _comments(uow, campaign_id, comments, question=q.key),
        )
        for q in judged[:limit]
    ]
    buildings = [b for b in await building_rates(uow, campaign_id) if b.rates.returned]
    buildings.sort(key=lambda b: (b.rates.satisfaction or 0.0, b.building))
    weak_buildings = [
        Weak(
            b.building,
            b.rates.satisfied,
            b.rates.returned,
            await _comments(uow, campaign_id, comments, building_id=b.building_id),
        )
        for b in buildings[:limit]
    ]
    return Analysis(rates, threshold, tuple(weak_questions), tuple(weak_buildings))


def _kind_of(questions: tuple[Any, ...], key: str) -> str:
    for question in questions:
        if isinstance(question, dict) and question["key"] == key:
            return str(question["kind"])
        if not isinstance(question, dict) and question.key == key:
            return str(question.kind)
    return ""


async def _comments(
    uow: Any,
    campaign_id: int,
    limit: int,
    building_id: int | None = None,
    question: str | None = None,
) -> tuple[str, ...]:
    """Text answers of returned questionnaires judged dissatisfied on `question`, or overall in
    the building."""
    judged = aliased(SurveyAnswer)
    query = (
        select(SurveyAnswer.text)
        .join(
            SurveyHousehold,
            and_(
                SurveyHousehold.campaign_id == SurveyAnswer.campaign_id,
                SurveyHousehold.unit_id == SurveyAnswer.unit_id,
            ),
        )
        .where(SurveyAnswer.campaign_id == campaign_id, SurveyAnswer.text.is_not(None), RETURNED)
        .order_by(SurveyAnswer.unit_id)
        .limit(limit)
    )
    if question is None:
        query = query.where(
            SurveyHousehold.building_id == building_id, SurveyHousehold.satisfied.is_(False)
        )
    else:
        query = query.join(
            judged,
            and_(
                judged.campaign_id == SurveyAnswer.campaign_id,
                judged.unit_id == SurveyAnswer.unit_id,
                judged.question == question,
            ),
        ).where(judged.satisfied.is_(False))
    return tuple(text for text in await uow.session.scalars(query) if text)


# --- the answers, household by household (the report's CSV) --------------------------------------


@dataclass(frozen=True)
class HouseholdAnswers:
    building: str
    unit: str
    has_chat: bool
    reached: bool
    by_office: bool
    returned: bool
    satisfied: bool | None
    answers: dict[str, int | str | None]  # question key → option index, score or text


async def household_answers(uow: Any, campaign_id: int) -> list[HouseholdAnswers]:
    """Every household of the campaign with its answers so far, by building and unit (two
    statements, whatever the audience)."""
    households = await uow.session.execute(
        select(SurveyHousehold, Building.name, Unit.number)
        .join(Unit, Unit.id == SurveyHousehold.unit_id)
        .join(Building, Building.id == SurveyHousehold.building_id)
        .where(SurveyHousehold.campaign_id == campaign_id)
        .order_by(Building.name, Unit.number)
    )
    answers: dict[int, dict[str, int | str | None]] = {}
    for row in await uow.session.scalars(
        select(SurveyAnswer).where(SurveyAnswer.campaign_id == campaign_id)
    ):
        value = row.choice if row.choice is not None else row.score
        answers.setdefault(row.unit_id, {})[row.question] = value if value is not None else row.text
    return [
        HouseholdAnswers(
            building,
            unit,
            household.has_chat,
            household.reached_at is not None,
            household.by_office,
            household.completed_at is not None,
            household.satisfied,
            answers.get(household.unit_id, {}),
        )
        for household, building, unit in households
    ]

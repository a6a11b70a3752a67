"""The feedback library (seed 000 二(二)2, the collection of customer opinions): every comment a
resident gave, whatever brought it (a callback, a survey, a dispute, a praise), kept with what it
is about (the order, its category, team and worker) and read by estate, category, team, worker
and period: in chat by supervisors and managers, as CSV from the command line.

One table, one writer: a source feeds the library with one call to `record_feedback`. The text
is kept as residents' other free text is (order descriptions, callback comments); a spoken
comment is the platform's file id of the voice message and its length.

This module imports no other service, so any of them may feed it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Select, func, select

from core.enums import Role
from core.errors import PermissionDenied
from core.models import Category, Estate, Feedback, Order, Person, StaffRole, Team
from core.uow import UnitOfWork

READER_ROLES = frozenset({Role.SUPERVISOR, Role.MANAGER})
MAX_TEXT = 4000
PAGE = 5


class Source(StrEnum):
    CALLBACK = "callback"
    SURVEY = "survey"
    DISPUTE = "dispute"
    PRAISE = "praise"


async def record_feedback(
    uow: UnitOfWork,
    estate: int,
    source: Source | str,
    text: str | None,
    order: int | None = None,
    category: int | None = None,
    team: int | None = None,
    worker: int | None = None,
    rating: int | None = None,
    *,
    voice_ref: str | None = None,
    voice_seconds: int | None = None,
) -> int | None:
    """Keeps one comment (ids: the estate, the order, its category, team and worker; those not
    given are taken from the order). None: nothing was said (no text, no voice)."""
    text = (text or "").strip()[:MAX_TEXT] or None
    if text is None and voice_ref is None:
        return None
    if rating is not None and not 1 <= rating <= 5:
        raise ValueError(f"a rating is 1 to 5, not {rating}")
    if order is not None:
        row = await uow.session.get_one(Order, order)
        category = category if category is not None else row.category_id
        team = team if team is not None else row.team_id
        worker = worker if worker is not None else row.assignee_id
    item = Feedback(
        estate_id=estate,
        source=str(Source(source)),
        text=text,
        voice_ref=voice_ref,
        voice_seconds=voice_seconds,
        rating=rating,
        order_id=order,
        category_id=category,
        team_id=team,
        worker_id=worker,
        created_at=uow.clock.now(),
    )
    uow.add(item)
    await uow.flush()
    return item.id


# --- reading -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Filter:
    """Which comments: one estate, a period [since, until), and optionally one category, team,
    worker or source."""

    estate_id: int
    since: datetime | None = None
    until: datetime | None = None
    category_id: int | None = None
    team_id: int | None = None
    worker_id: int | None = None
    source: Source | None = None


@dataclass(frozen=True)
class FeedbackLine:
    id: int
    at: datetime
    source: Source
    text: str | None
    voice_ref: str | None
    voice_seconds: int | None
    rating: int | None
    order_number: str | None
    category: tuple[str, str] | None  # (Simplified, Traditional)
    team: str | None
    worker: str | None


@dataclass(frozen=True)
class Page:
    lines: list[FeedbackLine]
    total: int
    offset: int


def _where(query: Select, chosen: Filter) -> Select:
    query = query.where(Feedback.estate_id == chosen.estate_id)
    if chosen.since is not None:
        query = query.where(Feedback.created_at >= chosen.since)
    if chosen.until is not None:
        query = query.where(Feedback.created_at < chosen.until)
    if chosen.category_id is not None:
        query = query.where(Feedback.category_id == chosen.category_id)
    if chosen.team_id is not None:
        query = query.where(Feedback.team_id == chosen.team_id)
    if chosen.worker_id is not None:
        query = query.where(Feedback.worker_id == chosen.worker_id)
    if chosen.source is not None:
        query = query.where(Feedback.source == str(chosen.source))
    return query


def _lines_query(chosen: Filter) -> Select:
    query = (
        select(
            Feedback,
            Order.number,
            Category.name_hans,
            Category.name_hant,
            Team.name,
            Person.name_enc,
        )
        .outerjoin(Order, Order.id == Feedback.order_id)
        .outerjoin(Category, Category.id == Feedback.category_id)
        .outerjoin(Team, Team.id == Feedback.team_id)
        .outerjoin(Person, Person.id == Feedback.worker_id)
    )
    return _where(query, chosen).order_by(Feedback.created_at.desc(), Feedback.id.desc())


def _line(uow: UnitOfWork, row) -> FeedbackLine:
    item, number, hans, hant, team, name_enc = row
    return FeedbackLine(
        id=item.id,
        at=item.created_at,
        source=Source(item.source),
        text=item.text,
        voice_ref=item.voice_ref,
        voice_seconds=item.voice_seconds,
        rating=item.rating,
        order_number=number,
        category=(hans, hant or hans) if hans else None,
        team=team,
        worker=uow.cipher.decrypt(name_enc) if name_enc is not None else None,
    )


async def search(uow: UnitOfWork, chosen: Filter, offset: int = 0, limit: int = PAGE) -> Page:
    """One page of the comments chosen, newest first, and how many there are in all."""
    total = await uow.session.scalar(_where(select(func.count(Feedback.id)), chosen)) or 0
    offset = max(0, min(offset, max(total - 1, 0)))
    rows = await uow.session.execute(_lines_query(chosen).offset(offset).limit(limit))
    return Page([_line(uow, row) for row in rows], total, offset)


async def every_line(
    uow: UnitOfWork, chosen: Filter, batch: int = 500
) -> AsyncIterator[FeedbackLine]:
    """Every comment chosen, newest first, read in batches (an export of a whole year)."""
    offset = 0
    while True:
        rows = (await uow.session.execute(_lines_query(chosen).offset(offset).limit(batch))).all()
        for row in rows:
            yield _line(uow, row)
        if len(rows) < batch:
            return
        offset += batch


class Dimension(StrEnum):
    CATEGORY = "c"
    TEAM = "t"
    WORKER = "w"


@dataclass(frozen=True)
class Option:
    """A category, team or worker the chosen comments are about, with how many there are."""

    id: int
    name: str | tuple[str, str]  # a category's is (Simplified, Traditional)
    count: int


async def options(uow: UnitOfWork, chosen: Filter, dimension: Dimension) -> list[Option]:
    """What the comments of the period can be narrowed to along one dimension, most first."""
    base = replace(chosen, category_id=None, team_id=None, worker_id=None)
    column = {
        Dimension.CATEGORY: Feedback.category_id,
        Dimension.TEAM: Feedback.team_id,
        Dimension.WORKER: Feedback.worker_id,
    }[dimension]
    counted = _where(
        select(column.label("ref"), func.count(Feedback.id).label("n")).where(column.is_not(None)),
        base,
    ).group_by(column)
    rows = (await uow.session.execute(counted)).all()
    ids = [ref for ref, _ in rows]
    names: dict[int, str | tuple[str, str]] = {}
    if ids and dimension is Dimension.CATEGORY:
        for ref, hans, hant in await uow.session.execute(
            select(Category.id, Category.name_hans, Category.name_hant).where(Category.id.in_(ids))
        ):
            names[ref] = (hans, hant or hans)
    elif ids and dimension is Dimension.TEAM:
        for ref, name in await uow.session.execute(
            select(Team.id, Team.name).where(Team.id.in_(ids))
        ):
            names[ref] = name
    elif ids:
        for ref, name_enc in await uow.session.execute(
            select(Person.id, Person.name_enc).where(Person.id.in_(ids))
        ):
            names[ref] = uow.cipher.decrypt(name_enc) or "—"
    found = [Option(ref, names.get(ref, "—"), int(count)) for ref, count in rows]
    return sorted(found, key=lambda o: (-o.count, o.id))


# --- who reads it --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReaderEstate:
    id: int
    code: str
    timezone: str
    name: str


async def reader_estates(uow: UnitOfWork, person_id: int | None) -> list[ReaderEstate]:
    """The estates whose feedback this person may read: a supervisor's or manager's, now."""
    if person_id is None:
        return []
    rows = await uow.session.execute(
        select(Estate.id, Estate.code, Estate.timezone, Estate.name)
        .join(StaffRole, StaffRole.estate_id == Estate.id)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.active.is_(True),
            StaffRole.role.in_([str(r) for r in READER_ROLES]),
        )
        .distinct()
        .order_by(Estate.id)
    )
    return [ReaderEstate(*row) for row in rows]


async def require_reader(uow: UnitOfWork, person_id: int | None, estate_id: int) -> ReaderEstate:
    """The estate, if this person may read its feedback (checked on every press)."""
    for estate in await reader_estates(uow, person_id):
        if estate.id == estate_id:
            return estate
    raise PermissionDenied()


async def voice_of(uow: UnitOfWork, feedback_id: int, person_id: int | None) -> tuple[str, int]:
    """A spoken comment's file id and length, for a reader of its estate."""
    item = await uow.session.get(Feedback, feedback_id)
    if item is None or item.voice_ref is None:
        raise PermissionDenied()  # a forged id learns nothing
    await require_reader(uow, person_id, item.estate_id)
    return item.voice_ref, item.voice_seconds or 0


async def category_by_code(uow: UnitOfWork, estate_id: int, code: str) -> int | None:
    """A category of the estate by its code (any kind), for the command line's filter."""
    return await uow.session.scalar(
        select(Category.id)
        .where(Category.estate_id == estate_id, Category.code == code)
        .order_by(Category.id)
        .limit(1)
    )

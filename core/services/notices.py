"""Notices to many: planned works, outages, events, rules and fees, urgent notices and holiday
greetings, to an estate, some buildings or some units, its residents, its staff or both.

A notice is written once, in either script; the other is made with OpenCC in the estate's
region's phrasing (core.i18n.convert) and may be edited before sending. It carries no personal
data. Its life: draft → scheduled → sending → sent, or cancelled before it is sent.

Sending writes the recipients' messages to the outbox in batches (`BATCH`), each batch in its own
transaction with the notice's `cursor` (the last chat identity written) and one
`NoticeRecipient` row per chat: memory does not grow with the audience, and a crash between two
batches resumes after the last one committed, nobody skipped and nobody written twice. How each
reader sees it is the bot's business: the caller passes a `Render` (bot/views/notices.py).

Progress (sent, pending, failed, blocked) is read from the outbox rows the recipients point at.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, and_, exists, func, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import aliased

from core.enums import STAFF_ROLES, BindingStatus, OutboxStatus, Role
from core.errors import ForbiddenTransition, InvalidInput, NotFound, PermissionDenied
from core.i18n import LOCALES, N_, convert, resolve_locale
from core.models import (
    Building,
    ChatIdentity,
    Estate,
    Notice,
    NoticeRecipient,
    OutboxMessage,
    StaffRole,
    Unit,
    UnitBinding,
)
from core.news import NoticeProgress
from core.services import outbox, people
from core.uow import UnitOfWork, UnitOfWorkFactory

BATCH = 500


class NoticeKind(StrEnum):
    GREETING = "greeting"  # holiday greeting
    WORKS = "works"  # planned works in a public area: where, from, until
    OUTAGE = "outage"  # water, power, gas, lifts
    EVENT = "event"  # community event
    RULES = "rules"  # rules and fee standards
    URGENT = "urgent"  # shown at the resident's next contact until seen


class NoticeStatus(StrEnum):
    DRAFT = "draft"
    SCHEDULED = "scheduled"
    SENDING = "sending"
    SENT = "sent"
    CANCELLED = "cancelled"


class Who(StrEnum):
    RESIDENTS = "residents"
    STAFF = "staff"
    BOTH = "both"


LIVE = (NoticeStatus.SENDING, NoticeStatus.SENT)


@dataclass(frozen=True)
class Audience:
    who: Who = Who.RESIDENTS
    buildings: tuple[int, ...] = ()  # building ids; with units: either matches
    units: tuple[int, ...] = ()  # unit ids; neither: the whole estate

    def to_json(self) -> dict[str, Any]:
        return {"who": self.who.value, "buildings": list(self.buildings), "units": list(self.units)}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Audience:
        return cls(
            Who(data.get("who", Who.RESIDENTS)),
            tuple(data.get("buildings") or ()),
            tuple(data.get("units") or ()),
        )


@dataclass(frozen=True)
class NewNotice:
    estate_id: int
    kind: NoticeKind
    text: str  # in the script of `locale`; the other is made with OpenCC
    locale: str = "zh_Hans"
    audience: Audience = Audience()
    place: str | None = None
    starts_at: datetime | None = None
    ends_at: datetime | None = None
    valid_until: datetime | None = None
    other_text: str | None = None  # the writer's own version of the other script
    created_by: int | None = None
    photo: str | None = None  # a Telegram file_id, sent with the text as its caption


@dataclass(frozen=True)
class NoticeView:
    id: int
    estate_id: int
    kind: NoticeKind
    status: NoticeStatus
    text_hans: str
    text_hant: str
    audience: Audience
    place: str | None
    starts_at: datetime | None
    ends_at: datetime | None
    valid_until: datetime | None
    scheduled_at: datetime | None
    created_at: datetime
    timezone: str
    reminder: bool = False  # the day-before reminder of planned works
    photo: str | None = None

    def text(self, locale: str) -> str:
        return self.text_hant if locale == "zh_Hant" else self.text_hans


@dataclass(frozen=True)
class Progress:
    recipients: int
    sent: int
    pending: int
    failed: int
    blocked: int


# Renders a notice for a reader of a locale: the outbox payload (text, buttons).
Render = Callable[[NoticeView, str], dict[str, Any]]


def _view(row: Notice, timezone: str) -> NoticeView:
    return NoticeView(
        id=row.id,
        estate_id=row.estate_id,
        kind=NoticeKind(row.kind),
        status=NoticeStatus(row.status),
        text_hans=row.text_hans,
        text_hant=row.text_hant,
        audience=Audience.from_json(row.audience),
        place=row.place,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        valid_until=row.valid_until,
        scheduled_at=row.scheduled_at,
        created_at=row.created_at,
        timezone=timezone,
        reminder=row.reminder_of is not None,
        photo=row.photo,
    )


def both_scripts(text: str, locale: str, region: str, other: str | None = None) -> tuple[str, str]:
    """(Simplified, Traditional) from a text written in `locale`'s script."""
    text = text.strip()
    if not text:
        raise InvalidInput(N_("The notice has no text."))
    if locale not in LOCALES:
        raise InvalidInput()
    made = other.strip() if other and other.strip() else None
    if locale == "zh_Hant":
        return made or convert(text, "zh_Hans", region), text
    return text, made or convert(text, "zh_Hant", region)


# Who may write, send and cancel an estate's notices in chat (the command line is the operator's).
SENDING_ROLES = frozenset({Role.MANAGER, Role.ADMIN})


async def estates_of_sender(uow: UnitOfWork, person_id: int | None) -> list[int]:
    """The estates whose notices this person may send, now."""
    if person_id is None:
        return []
    posts = await people.staff_posts(uow, person_id)
    return sorted({post.estate_id for post in posts if post.role in SENDING_ROLES})


async def require_sender(uow: UnitOfWork, person_id: int | None, estate_id: int) -> None:
    if estate_id not in await estates_of_sender(uow, person_id):
        raise PermissionDenied()


async def sender_of(uow: UnitOfWork, notice_id: int, person_id: int | None) -> NoticeView:
    """The notice, if this person may send it now (a manager or admin of its estate)."""
    notice = await get(uow, notice_id)
    await require_sender(uow, person_id, notice.estate_id)
    return notice


PAST = N_("That time has already passed. Please write a time to come.")


async def send_by(
    uow: UnitOfWork,
    notice_id: int,
    person_id: int | None,
    report_to: tuple[int, int, int | None] | None = None,
    at: datetime | None = None,
) -> NoticeView:
    """A manager's "send now" (or "send at `at`") in chat: checked against the notice's estate
    at every press. `report_to` (chat, message, identity): the message to edit with the
    progress once it is sending."""
    await sender_of(uow, notice_id, person_id)
    if at is not None and at <= uow.clock.now():
        raise InvalidInput(PAST)
    sending = await schedule(uow, notice_id, at)
    if report_to is not None:
        row = await uow.session.get_one(Notice, notice_id)
        chat_id, message_id, identity_id = report_to
        row.report = {
            "chat_id": chat_id,
            "message_id": message_id,
            "identity_id": identity_id,
            "last": None,
            "done": False,
        }
    return sending


async def report_progress(uow: UnitOfWork) -> int:
    """Announces the progress of each notice sent from chat whose counts changed since it was
    last told (NoticeProgress), the last time once it is written out and nothing is pending.
    Returns how many were announced; the caller tells and commits."""
    rows = await uow.session.scalars(
        select(Notice).where(
            Notice.report.is_not(None),
            Notice.status.in_([str(s) for s in (*LIVE, NoticeStatus.CANCELLED)]),
        )
    )
    told = 0
    for row in list(rows):
        report = dict(row.report or {})
        if not report or report.get("done"):
            continue
        counts = await progress(uow, row.id)
        last = [counts.sent, counts.pending, counts.failed, counts.blocked]
        final = row.status != NoticeStatus.SENDING and counts.pending == 0
        if last == report.get("last") and not final:
            continue
        report.update(last=last, done=final)
        row.report = report
        uow.announce(
            NoticeProgress(
                notice_id=row.id,
                chat_id=int(report["chat_id"]),
                message_id=int(report["message_id"]),
                identity_id=report.get("identity_id"),
                recipients=counts.recipients,
                sent=counts.sent,
                pending=counts.pending,
                failed=counts.failed,
                blocked=counts.blocked,
                final=final,
            )
        )
        told += 1
    return told


async def cancel_by(uow: UnitOfWork, notice_id: int, person_id: int | None) -> int:
    notice = await get(uow, notice_id)
    await require_sender(uow, person_id, notice.estate_id)
    return await cancel(uow, notice_id)


async def _estate(uow: UnitOfWork, estate_id: int) -> Estate:
    estate = await uow.session.get(Estate, estate_id)
    if estate is None:
        raise NotFound()
    return estate


async def create(uow: UnitOfWork, new: NewNotice) -> NoticeView:
    """A draft; the audience's buildings and units must be the estate's own."""
    estate = await _estate(uow, new.estate_id)
    await _check_audience(uow, estate.id, new.audience)
    if new.kind is NoticeKind.WORKS and (new.starts_at is None or not new.place):
        raise InvalidInput(N_("Planned works need a place and a start time."))
    if new.starts_at and new.ends_at and new.ends_at <= new.starts_at:
        raise InvalidInput(N_("The works must end after they start."))
    hans, hant = both_scripts(new.text, new.locale, estate.region, new.other_text)
    row = Notice(
        estate_id=estate.id,
        kind=new.kind,
        status=NoticeStatus.DRAFT,
        text_hans=hans,
        text_hant=hant,
        photo=new.photo,
        place=new.place,
        starts_at=new.starts_at,
        ends_at=new.ends_at,
        audience=new.audience.to_json(),
        valid_until=new.valid_until or new.ends_at,
        created_by=new.created_by,
        created_at=uow.clock.now(),
        cursor=0,
    )
    uow.add(row)
    await uow.flush()
    return _view(row, estate.timezone)


async def _check_audience(uow: UnitOfWork, estate_id: int, audience: Audience) -> None:
    if audience.buildings:
        found = await uow.session.scalar(
            select(func.count())
            .select_from(Building)
            .where(Building.id.in_(audience.buildings), Building.estate_id == estate_id)
        )
        if found != len(set(audience.buildings)):
            raise NotFound()
    if audience.units:
        found = await uow.session.scalar(
            select(func.count())
            .select_from(Unit)
            .join(Building, Building.id == Unit.building_id)
            .where(Unit.id.in_(audience.units), Building.estate_id == estate_id)
        )
        if found != len(set(audience.units)):
            raise NotFound()


async def get(uow: UnitOfWork, notice_id: int) -> NoticeView:
    row = await uow.session.get(Notice, notice_id)
    if row is None:
        raise NotFound()
    return _view(row, (await _estate(uow, row.estate_id)).timezone)


async def list_for_estate(uow: UnitOfWork, estate_id: int, limit: int = 50) -> list[NoticeView]:
    estate = await _estate(uow, estate_id)
    rows = await uow.session.scalars(
        select(Notice).where(Notice.estate_id == estate_id).order_by(Notice.id.desc()).limit(limit)
    )
    return [_view(row, estate.timezone) for row in rows]


async def edit_text(uow: UnitOfWork, notice_id: int, locale: str, text: str) -> NoticeView:
    """The writer's correction of one script (a draft only); the other stays as it is."""
    row = await _row_in(uow, notice_id, (NoticeStatus.DRAFT,))
    text = text.strip()
    if not text:
        raise InvalidInput(N_("The notice has no text."))
    if locale == "zh_Hant":
        row.text_hant = text
    else:
        row.text_hans = text
    return await get(uow, notice_id)


async def _row_in(uow: UnitOfWork, notice_id: int, statuses: tuple[NoticeStatus, ...]) -> Notice:
    row = await uow.session.get(Notice, notice_id, with_for_update=True)
    if row is None:
        raise NotFound()
    if row.status not in statuses:
        raise ForbiddenTransition(N_("This notice can no longer be changed."))
    return row


async def schedule(uow: UnitOfWork, notice_id: int, at: datetime | None = None) -> NoticeView:
    """Sends at `at`, or at once (None): the scheduler's tick or `advance` writes it out."""
    row = await _row_in(uow, notice_id, (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED))
    now = uow.clock.now()
    if at is None or at <= now:
        row.status, row.scheduled_at, row.started_at = NoticeStatus.SENDING, now, now
    else:
        row.status, row.scheduled_at = NoticeStatus.SCHEDULED, at
    return await get(uow, notice_id)


async def cancel(uow: UnitOfWork, notice_id: int) -> int:
    """Stops a draft, scheduled or sending notice; its messages not yet sent are dropped.
    Returns how many were dropped."""
    row = await _row_in(
        uow, notice_id, (NoticeStatus.DRAFT, NoticeStatus.SCHEDULED, NoticeStatus.SENDING)
    )
    row.status, row.finished_at = NoticeStatus.CANCELLED, uow.clock.now()
    result = await uow.session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.status == OutboxStatus.PENDING,
            OutboxMessage.id.in_(
                select(NoticeRecipient.outbox_id).where(NoticeRecipient.notice_id == notice_id)
            ),
        )
        .values(status=OutboxStatus.FAILED, error="notice cancelled")
        .execution_options(synchronize_session=False)
    )
    return result.rowcount or 0


def _audience_filter(notice: Notice) -> Any:
    """Which chat identities a notice reaches (not yet the ones it already reached)."""
    audience = Audience.from_json(notice.audience)
    where_home = []
    if audience.buildings:
        where_home.append(Building.id.in_(audience.buildings))
    if audience.units:
        where_home.append(Unit.id.in_(audience.units))
    resident = exists(
        select(1)
        .select_from(UnitBinding)
        .join(Unit, Unit.id == UnitBinding.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(
            UnitBinding.person_id == ChatIdentity.person_id,
            UnitBinding.status == BindingStatus.VERIFIED,
            Building.estate_id == notice.estate_id,
            or_(*where_home) if where_home else True,
        )
    )
    staff = exists(
        select(1).where(
            StaffRole.person_id == ChatIdentity.person_id,
            StaffRole.estate_id == notice.estate_id,
            StaffRole.active.is_(True),
            StaffRole.role.in_([str(role) for role in STAFF_ROLES]),
        )
    )
    match = {Who.RESIDENTS: resident, Who.STAFF: staff, Who.BOTH: or_(resident, staff)}
    conditions = [
        ChatIdentity.person_id.is_not(None),
        ChatIdentity.blocked.is_(False),
        match[audience.who],
        ~exists(
            select(1).where(
                NoticeRecipient.notice_id == notice.id,
                NoticeRecipient.identity_id == ChatIdentity.id,
            )
        ),
    ]
    if notice.kind == NoticeKind.GREETING:
        conditions.append(ChatIdentity.greetings_off.is_(False))
    return and_(*conditions)


async def write_batch(
    uow: UnitOfWork,
    notice_id: int,
    render: Render,
    default_locale: str = "zh_Hans",
    size: int = BATCH,
    paid_broadcast: bool = False,
) -> int:
    """Writes the next `size` recipients' messages after the cursor (the caller commits);
    returns how many. A sending notice with nobody left is marked sent (0)."""
    row = await uow.session.get(Notice, notice_id, with_for_update=True)
    if row is None or row.status != NoticeStatus.SENDING:
        return 0
    estate = await _estate(uow, row.estate_id)
    view = _view(row, estate.timezone)
    recipients = (
        await uow.session.execute(
            select(
                ChatIdentity.id,
                ChatIdentity.chat_id,
                ChatIdentity.locale,
                ChatIdentity.language_code,
            )
            .where(ChatIdentity.id > row.cursor, _audience_filter(row))
            .order_by(ChatIdentity.id)
            .limit(size)
        )
    ).all()
    if not recipients:
        row.status, row.finished_at = NoticeStatus.SENT, uow.clock.now()
        return 0
    payloads: dict[str, dict[str, Any]] = {}
    messages = []
    for identity_id, chat_id, chosen, language_code in recipients:
        locale = chosen or resolve_locale(language_code, default_locale)
        if locale not in payloads:
            payloads[locale] = render(view, locale)
        messages.append((chat_id, identity_id, payloads[locale]))
    outbox_ids = await outbox.enqueue_many(uow, messages, paid_broadcast=paid_broadcast)
    links = [
        {"notice_id": row.id, "identity_id": identity_id, "outbox_id": outbox_id}
        for (_, identity_id, _), outbox_id in zip(messages, outbox_ids, strict=True)
    ]
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    await uow.session.execute(insert(NoticeRecipient), links)
    row.cursor = recipients[-1][0]
    if row.kind == NoticeKind.GREETING:
        # The first reply of the day does not greet them again (core.services.greetings).
        day = row.started_at or uow.clock.now()
        await _mark_greeted(uow, [r[0] for r in recipients], greeting_day(day))
    return len(recipients)


# The day a chat was greeted on, as core.services.greetings counts it (CN, HK, MO and TW all keep
# UTC+8).
GREETING_ZONE = ZoneInfo("Asia/Shanghai")


def greeting_day(moment: datetime) -> date:
    return moment.astimezone(GREETING_ZONE).date()


async def _mark_greeted(uow: UnitOfWork, identity_ids: list[int], day: date) -> None:
    await uow.session.execute(
        update(ChatIdentity)
        .where(ChatIdentity.id.in_(identity_ids))
        .values(greeted_on=day)
        .execution_options(synchronize_session=False)
    )


REMIND_BEFORE = timedelta(days=1)


async def remind_works(uow: UnitOfWork) -> list[int]:
    """Planned works start within a day: their reminder, once, to the same audience (those who
    would still be reached now). Returns the reminders started."""
    now = uow.clock.now()
    reminder = aliased(Notice)
    works = await uow.session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.WORKS,
            Notice.status == NoticeStatus.SENT,
            Notice.reminder_of.is_(None),
            Notice.starts_at > now,
            Notice.starts_at <= now + REMIND_BEFORE,
            ~exists(select(1).where(reminder.reminder_of == Notice.id)),
        )
    )
    started = []
    for row in list(works):
        if row.started_at is None or row.starts_at - row.started_at < REMIND_BEFORE:
            continue  # sent less than a day before the start: it was its own reminder
        copy = Notice(
            estate_id=row.estate_id,
            kind=row.kind,
            status=NoticeStatus.SENDING,
            text_hans=row.text_hans,
            text_hant=row.text_hant,
            photo=row.photo,
            place=row.place,
            starts_at=row.starts_at,
            ends_at=row.ends_at,
            audience=row.audience,
            valid_until=row.valid_until,
            scheduled_at=now,
            created_by=row.created_by,
            created_at=now,
            started_at=now,
            cursor=0,
            reminder_of=row.id,
        )
        uow.add(copy)
        await uow.flush()
        started.append(copy.id)
    return started


async def due(uow: UnitOfWork) -> list[int]:
    """Scheduled notices whose time came (now sending), works reminders due, and those still
    sending."""
    now = uow.clock.now()
    await remind_works(uow)
    await uow.session.execute(
        update(Notice)
        .where(Notice.status == NoticeStatus.SCHEDULED, Notice.scheduled_at <= now)
        .values(status=NoticeStatus.SENDING, started_at=now)
        .execution_options(synchronize_session=False)
    )
    return list(
        await uow.session.scalars(
            select(Notice.id).where(Notice.status == NoticeStatus.SENDING).order_by(Notice.id)
        )
    )


async def advance(
    uow_factory: UnitOfWorkFactory,
    render: Render,
    default_locale: str = "zh_Hans",
    size: int = BATCH,
    paid_broadcast: bool = False,
    after_batch: Callable[[], Awaitable[None] | None] | None = None,
) -> int:
    """Writes out every due notice, one committed batch at a time; returns the messages
    written. Safe to run again at any point: it goes on from each notice's cursor."""
    async with uow_factory() as uow:
        notice_ids = await due(uow)
        await uow.commit()
    written = 0
    for notice_id in notice_ids:
        while True:
            async with uow_factory() as uow:
                count = await write_batch(
                    uow, notice_id, render, default_locale, size, paid_broadcast
                )
                await uow.commit()
            if count == 0:
                break
            written += count
            if after_batch is not None:
                woken = after_batch()
                if woken is not None:
                    await woken
    return written


async def progress(uow: UnitOfWork, notice_id: int) -> Progress:
    """From the outbox: a finished row already deleted (after the retention) counts as sent."""
    rows = await uow.session.execute(
        select(OutboxMessage.status, func.count())
        .select_from(NoticeRecipient)
        .outerjoin(OutboxMessage, OutboxMessage.id == NoticeRecipient.outbox_id)
        .where(NoticeRecipient.notice_id == notice_id, NoticeRecipient.outbox_id.is_not(None))
        .group_by(OutboxMessage.status)
    )
    counts: dict[str | None, int] = {row[0]: row[1] for row in rows}
    sent = counts.pop(OutboxStatus.SENT.value, 0) + counts.pop(None, 0)
    pending = counts.pop(OutboxStatus.PENDING.value, 0)
    failed = counts.pop(OutboxStatus.FAILED.value, 0)
    blocked = counts.pop(OutboxStatus.SKIPPED.value, 0)
    return Progress(sent + pending + failed + blocked, sent, pending, failed, blocked)


# --- what a resident sees -----------------------------------------------------------------


async def _homes(uow: UnitOfWork, person_id: int) -> list[tuple[int, int, int]]:
    """(estate, building, unit) of each verified home."""
    rows = await uow.session.execute(
        select(Building.estate_id, Building.id, Unit.id)
        .select_from(UnitBinding)
        .join(Unit, Unit.id == UnitBinding.unit_id)
        .join(Building, Building.id == Unit.building_id)
        .where(UnitBinding.person_id == person_id, UnitBinding.status == BindingStatus.VERIFIED)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def _concerns(audience: Audience, homes: list[tuple[int, int, int]], estate_id: int) -> bool:
    if audience.who is Who.STAFF:
        return False
    for home_estate, building_id, unit_id in homes:
        if home_estate != estate_id:
            continue
        if not audience.buildings and not audience.units:
            return True
        if building_id in audience.buildings or unit_id in audience.units:
            return True
    return False


async def for_resident(
    uow: UnitOfWork, person_id: int | None, kinds: tuple[NoticeKind, ...] | None = None
) -> list[NoticeView]:
    """The notices sent to the resident's homes and still valid, newest first."""
    if person_id is None:
        return []
    homes = await _homes(uow, person_id)
    if not homes:
        return []
    now = uow.clock.now()
    query = (
        select(Notice, Estate.timezone)
        .join(Estate, Estate.id == Notice.estate_id)
        .where(
            Notice.estate_id.in_({home[0] for home in homes}),
            Notice.status.in_([str(s) for s in LIVE]),
            Notice.kind != NoticeKind.GREETING,
            Notice.reminder_of.is_(None),
            or_(Notice.valid_until.is_(None), Notice.valid_until > now),
        )
        .order_by(Notice.id.desc())
    )
    if kinds is not None:
        query = query.where(Notice.kind.in_([str(k) for k in kinds]))
    return [
        _view(row, timezone)
        for row, timezone in await uow.session.execute(query)
        if _concerns(Audience.from_json(row.audience), homes, row.estate_id)
    ]


def urgent_holds(now: Any) -> ColumnElement[bool]:
    """Whether an urgent notice holds anywhere at `now` (a value or a bound parameter). The
    statuses are compared one by one rather than with IN, which SQLAlchemy expands anew at
    each execution."""
    return exists().where(
        Notice.kind == NoticeKind.URGENT.value,
        or_(*(Notice.status == status.value for status in LIVE)),
        or_(Notice.valid_until.is_(None), Notice.valid_until > now),
    )


async def unseen_urgent(
    uow: UnitOfWork, identity_id: int, person_id: int | None, any_holds: bool | None = None
) -> list[NoticeView]:
    """The urgent notices for the resident's homes this chat has not had yet: neither by the
    broadcast nor shown at a contact. Runs on each resident's update: while no urgent notice
    holds anywhere, nothing but one small query, and not even that where the caller knows
    already (`any_holds`: the arrival's statement asks, core.services.arrival)."""
    if person_id is None or any_holds is False:
        return []
    if any_holds is None and not await uow.session.scalar(select(urgent_holds(uow.clock.now()))):
        return []
    urgent = await for_resident(uow, person_id, (NoticeKind.URGENT,))
    if not urgent:
        return []
    had = set(
        await uow.session.scalars(
            select(NoticeRecipient.notice_id).where(
                NoticeRecipient.identity_id == identity_id,
                NoticeRecipient.notice_id.in_([n.id for n in urgent]),
            )
        )
    )
    return [notice for notice in reversed(urgent) if notice.id not in had]


async def mark_seen(uow: UnitOfWork, notice_id: int, identity_id: int) -> None:
    """This chat has been shown the notice: the broadcast, if it has not reached the chat yet,
    passes it by."""
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    now = uow.clock.now()
    await uow.session.execute(
        insert(NoticeRecipient)
        .values(notice_id=notice_id, identity_id=identity_id, seen_at=now)
        .on_conflict_do_update(index_elements=["notice_id", "identity_id"], set_={"seen_at": now})
    )


async def set_greetings_off(uow: UnitOfWork, identity_id: int, off: bool) -> None:
    await uow.session.execute(
        update(ChatIdentity).where(ChatIdentity.id == identity_id).values(greetings_off=off)
    )


async def greetings_off(uow: UnitOfWork, identity_id: int) -> bool:
    return bool(
        await uow.session.scalar(
            select(ChatIdentity.greetings_off).where(ChatIdentity.id == identity_id)
        )
    )

"""Callbacks (回访) after each order: scheduled when the completion is confirmed, asked in chat
one question at a time (satisfied or not, 1–5 for response speed, attitude and quality of work,
an optional comment), answered days later if need be, reminded once; the answer calls the order
back and closes it (销项), or reopens it for the same team.

Estate settings (`settings["callbacks"]`, every key optional):
    {"delay_hours": 24,        # after the confirmation; 0: asked right at confirmation
     "delay_hours_by_kind": {"complaint": 4, ...},   # per order kind, over delay_hours
     "reminder_hours": 24,     # a reminder when still unanswered that long after asking
     "policy": {"praise": "never", ...}}   # per order kind: always / no_rating / never
`no_rating`: the satisfied question is asked right at "Confirm completion" (the rating there
counts as the callback), whatever the delay. Complaints are always called back, and close only
by their supervisor after it. The questions are estate data in both scripts:
core/data/callback_questions.csv, overridden per estate by `settings["callback_questions"]`
({"satisfied": {"zh_Hans": "…", "zh_Hant": "…"}, …}).

The comment is written or spoken (a voice message: its file id and length are kept). Every
comment goes to the feedback library (core/services/feedback.py).

Spot checks (seed 002 篇3 4.1.2.3): a share of completed home services (`settings
["spot_check_share"]`, 10 % by default) is called back by the customer-service desk as a check
call, on its morning phone list, whatever the estate's policy for home services; the choice is
recorded on the order. It is a function of the order's id (`spot_checked`): no randomness to
seed, the same answer on every replica and after every restart.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache
from importlib import resources
from typing import Any

from sqlalchemy import func, select

from core.enums import OrderKind, OrderStatus, Role
from core.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from core.i18n import N_
from core.lifecycle import Action, Actor
from core.models import Callback, ChatIdentity, Estate, Order
from core.news import CallbackAnswered, CallbackAsked, DeskReason
from core.services import dispatch, feedback, orders
from core.services.dispatch import estate_actor
from core.uow import UnitOfWork, each_in_its_own_unit


class Policy(StrEnum):
    ALWAYS = "always"
    NO_RATING = "no_rating"  # asked right at confirmation: that rating is the callback
    NEVER = "never"


class Question(StrEnum):
    """The questionnaire, in the order asked; the values are short (button payloads)."""

    SATISFIED = "sat"
    SPEED = "spd"
    ATTITUDE = "att"
    QUALITY = "qly"
    COMMENT = "cmt"


SCORES = (Question.SPEED, Question.ATTITUDE, Question.QUALITY)
DATA_KEYS = {
    Question.SATISFIED: "satisfied",
    Question.SPEED: "speed",
    Question.ATTITUDE: "attitude",
    Question.QUALITY: "quality",
    Question.COMMENT: "comment",
}


class Status(StrEnum):
    WAITING = "waiting"  # due later
    ASKED = "asked"
    ANSWERED = "answered"
    NOT_REACHED = "not_reached"  # three phone calls nobody answered: closed as such


DEFAULT_DELAY_HOURS = 24
DEFAULT_REMINDER_HOURS = 24
DEFAULT_POLICY = {
    OrderKind.IN_HOME_REPAIR: Policy.ALWAYS,
    OrderKind.PUBLIC_REPAIR: Policy.ALWAYS,
    OrderKind.HOUSEKEEPING: Policy.ALWAYS,
    OrderKind.ALARM: Policy.ALWAYS,
    OrderKind.COMPLAINT: Policy.ALWAYS,
    OrderKind.INQUIRY: Policy.NEVER,
    OrderKind.PRAISE: Policy.NEVER,
}
MAX_COMMENT = 1000
MAX_PHONE_TRIES = 3
DESK_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER})
NO_CALLBACK_NOTE = "no callback for this kind of order"
NOT_REACHED_NOTE = "not reached: no answer to three callback calls"
DEFAULT_SPOT_CHECK_SHARE = (
    0.10  # seed 002 篇3 4.1.2.3 names no share; 10 % until an office sets one
)
SPOT_CHECK_KINDS = frozenset({OrderKind.HOUSEKEEPING})
_GOLDEN = 0x9E3779B9  # 2**32 divided by the golden ratio


def spot_check_share(estate_settings: dict[str, Any] | None) -> float:
    """The estate's share of completed home services the desk checks by phone (0 to 1)."""
    value = (estate_settings or {}).get("spot_check_share", DEFAULT_SPOT_CHECK_SHARE)
    try:
        share = float(value)
    except (TypeError, ValueError) as error:
        raise InvalidInput() from error
    if not 0 <= share <= 1:
        raise InvalidInput()
    return share


def spot_checked(order_id: int, share: float) -> bool:
    """Whether this order is among the share checked. Consecutive ids times the golden ratio
    spread as evenly as any sequence can over [0, 1): of any run of orders, the share picked
    stays within a few orders of the share asked, with no clusters and no long gaps."""
    return ((order_id * _GOLDEN) & 0xFFFFFFFF) < share * 2**32


@dataclass(frozen=True)
class VoiceComment:
    """A comment spoken in a voice message: the platform's file id and its length."""

    file_ref: str
    seconds: int


class AlreadyAnswered(DomainError):
    message_id = N_("This callback has already been answered. Thank you!")


@dataclass(frozen=True)
class Settings:
    delay: timedelta
    reminder: timedelta
    policy: dict[OrderKind, Policy]
    delays: dict[OrderKind, timedelta] = field(default_factory=dict)  # per kind, over `delay`

    def delay_for(self, kind: OrderKind | str) -> timedelta:
        return self.delays.get(OrderKind(kind), self.delay)

    def policy_for(self, kind: OrderKind | str) -> Policy:
        if OrderKind(kind) is OrderKind.COMPLAINT:
            return Policy.ALWAYS
        return self.policy.get(OrderKind(kind), Policy.ALWAYS)


def settings_of(estate_settings: dict[str, Any] | None) -> Settings:
    """The estate's callback settings over the defaults; a bad value raises InvalidInput."""
    given = (estate_settings or {}).get("callbacks") or {}
    try:
        delay = float(given.get("delay_hours", DEFAULT_DELAY_HOURS))
        reminder = float(given.get("reminder_hours", DEFAULT_REMINDER_HOURS))
        policy = dict(DEFAULT_POLICY)
        for kind, value in (given.get("policy") or {}).items():
            policy[OrderKind(kind)] = Policy(value)
        by_kind = {
            OrderKind(kind): float(hours)
            for kind, hours in (given.get("delay_hours_by_kind") or {}).items()
        }
    except (TypeError, ValueError) as error:
        raise InvalidInput() from error
    if delay < 0 or reminder <= 0 or any(hours < 0 for hours in by_kind.values()):
        raise InvalidInput()
    delays = {kind: timedelta(hours=hours) for kind, hours in by_kind.items()}
    return Settings(timedelta(hours=delay), timedelta(hours=reminder), policy, delays)


async def configure(uow: UnitOfWork, estate_id: int, **values: Any) -> Settings:
    """Changes the estate's callback settings (delay_hours, reminder_hours, policy), checked."""
    estate = await uow.session.get_one(Estate, estate_id)
    settings = dict(estate.settings or {})
    merged = dict(settings.get("callbacks") or {})
    merged.update(values)
    checked = settings_of({"callbacks": merged})
    settings["callbacks"] = merged
    estate.settings = settings  # a new dict, so the JSON column is seen as changed
    await uow.flush()
    return checked


@cache
def default_questions() -> dict[str, dict[str, str]]:
    text = resources.files("core").joinpath("data/callback_questions.csv").read_text("utf-8-sig")
    return {
        row["key"]: {"zh_Hans": row["zh_Hans"], "zh_Hant": row["zh_Hant"]}
        for row in csv.DictReader(io.StringIO(text))
    }


def question_text(estate_settings: dict[str, Any] | None, question: Question, locale: str) -> str:
    """The estate's wording of a question in one script (the defaults where it has none)."""
    key = DATA_KEYS[question]
    own = ((estate_settings or {}).get("callback_questions") or {}).get(key) or {}
    texts = {**default_questions()[key], **own}
    return texts.get(locale) or texts["zh_Hans"]


@dataclass(frozen=True)
class CallbackView:
    id: int
    order_id: int
    round: int
    status: Status
    satisfied: bool | None
    speed: int | None
    attitude: int | None
    quality: int | None
    comment: str | None
    comment_done: bool
    by_phone: bool
    reminded: bool
    phone: bool = False  # called by phone rather than asked in chat
    phone_tries: int = 0
    comment_voice: str | None = None  # a spoken comment's file id
    comment_voice_seconds: int | None = None
    spot_check: bool = False  # sampled for the desk's check call

    @property
    def next_question(self) -> Question | None:
        if self.satisfied is None:
            return Question.SATISFIED
        for question in SCORES:
            if getattr(self, DATA_KEYS[question]) is None:
                return question
        return None if self.comment_done else Question.COMMENT


def _view(row: Callback) -> CallbackView:
    return CallbackView(
        id=row.id,
        order_id=row.order_id,
        round=row.round,
        status=Status(row.status),
        satisfied=row.satisfied,
        speed=row.speed,
        attitude=row.attitude,
        quality=row.quality,
        comment=row.comment,
        comment_done=row.comment_done,
        by_phone=row.by_phone,
        reminded=row.reminded_at is not None,
        phone=row.phone,
        phone_tries=row.phone_tries,
        comment_voice=row.comment_voice,
        comment_voice_seconds=row.comment_voice_seconds,
        spot_check=row.spot_check,
    )


async def get(uow: UnitOfWork, callback_id: int) -> CallbackView:
    row = await uow.session.get(Callback, callback_id)
    if row is None:
        raise NotFound()
    return _view(row)


async def of_order(uow: UnitOfWork, order_id: int) -> list[CallbackView]:
    rows = await uow.session.scalars(
        select(Callback).where(Callback.order_id == order_id).order_by(Callback.round)
    )
    return [_view(row) for row in rows]


async def estate_settings(uow: UnitOfWork, estate_id: int) -> dict[str, Any]:
    return (await uow.session.get_one(Estate, estate_id)).settings or {}


# --- when the completion is confirmed ------------------------------------------------------------


async def schedule(uow: UnitOfWork, order_id: int) -> CallbackView | None:
    """After a confirmation: the next round of the order's callback, asked now when it is due
    now; an order of a kind never called back closes at once. None: no callback."""
    order = await uow.session.get_one(Order, order_id)
    if order.status != OrderStatus.CONFIRMED or order.incident_id is not None:
        return None
    own = await estate_settings(uow, order.estate_id)
    settings = settings_of(own)
    policy = settings.policy_for(order.kind)
    rounds = await uow.session.scalar(
        select(func.count(Callback.id)).where(Callback.order_id == order_id)
    )
    spot_check = (
        not rounds
        and OrderKind(order.kind) in SPOT_CHECK_KINDS
        and spot_checked(order.id, spot_check_share(own))
    )
    if spot_check:
        share = spot_check_share(own)
        await orders.act(uow, order_id, Action.SPOT_CHECK, Actor.system(), f"share {share:g}")
        policy = Policy.ALWAYS  # the check call is its callback, whatever the kind's policy
    if policy is Policy.NEVER:
        await orders.act(uow, order_id, Action.CLOSE, Actor.system(), NO_CALLBACK_NOTE)
        return None
    now = uow.clock.now()
    delay = timedelta(0) if policy is Policy.NO_RATING else settings.delay_for(order.kind)
    # The resident asked for a phone call, has no chat, or the order is spot-checked: the desk
    # calls (the phone list).
    phone = spot_check or order.wants_phone_callback or not await _has_chat(uow, order.reporter_id)
    row = Callback(
        order_id=order_id,
        round=(rounds or 0) + 1,
        status=Status.WAITING,
        phone=phone,
        phone_tries=0,
        due_at=now + delay,
        comment_done=False,
        by_phone=False,
        spot_check=spot_check,
    )
    uow.add(row)
    await uow.flush()
    if row.due_at <= now:
        _ask(uow, row)
    return _view(row)


async def _has_chat(uow: UnitOfWork, person_id: int | None) -> bool:
    if person_id is None:
        return False
    found = await uow.session.scalar(
        select(ChatIdentity.id)
        .where(ChatIdentity.person_id == person_id, ChatIdentity.blocked.is_(False))
        .limit(1)
    )
    return found is not None


def _ask(uow: UnitOfWork, row: Callback, reminder: bool = False) -> None:
    """Due now: asked in chat (or reminded there); a phone callback waits for the desk's list."""
    now = uow.clock.now()
    if reminder:
        row.reminded_at = now
    else:
        row.status = Status.ASKED
        row.asked_at = now
    if not row.phone:
        uow.announce(CallbackAsked(row.id, reminder))


# --- the routine ---------------------------------------------------------------------------------


async def due(uow: UnitOfWork, limit: int = 200) -> list[int]:
    """Callbacks to ask now, and asked ones that may be due a reminder."""
    rows = await uow.session.scalars(
        select(Callback.id)
        .where(
            ((Callback.status == Status.WAITING) & (Callback.due_at <= uow.clock.now()))
            | (
                (Callback.status == Status.ASKED)
                & Callback.reminded_at.is_(None)
                & Callback.phone.is_(False)
            )
        )
        .order_by(Callback.due_at, Callback.id)
        .limit(limit)
    )
    return list(rows)


async def handle_due(uow: UnitOfWork, callback_id: int) -> str | None:
    """Asks a callback that came due, or reminds one asked a reminder's time ago and still
    unanswered; None: nothing to do (idempotent: a second sweep finds nothing)."""
    query = select(Callback).where(Callback.id == callback_id)
    query = query.execution_options(populate_existing=True)
    if uow.session.bind.dialect.name == "postgresql":
        query = query.with_for_update(skip_locked=True)
    row = await uow.session.scalar(query)
    if row is None:
        return None
    now = uow.clock.now()
    if row.status == Status.WAITING and row.due_at <= now:
        _ask(uow, row)
        return "asked"
    if (
        row.status == Status.ASKED
        and not row.phone
        and row.reminded_at is None
        and row.asked_at is not None
    ):
        order = await uow.session.get_one(Order, row.order_id)
        settings = settings_of(await estate_settings(uow, order.estate_id))
        if row.asked_at + settings.reminder <= now:
            _ask(uow, row, reminder=True)
            return "reminded"
    return None


async def sweep(
    uow_factory: Any, before_commit: Callable[[UnitOfWork], Awaitable[None]]
) -> dict[str, int]:
    """Every callback due to be asked or reminded, each in its own unit of work."""
    return await each_in_its_own_unit(uow_factory, due, handle_due, before_commit)


# --- the answers ---------------------------------------------------------------------------------


async def _answerable(uow: UnitOfWork, callback_id: int, person_id: int | None) -> Callback:
    """The callback, if this person may answer it now: its resident in chat, or, once it is on
    the phone list, the estate's desk recording a call."""
    row = await uow.session.get(Callback, callback_id)
    if row is None:
        raise NotFound()
    order = await uow.session.get_one(Order, row.order_id)
    if person_id is None:
        raise PermissionDenied()
    if person_id != order.reporter_id and not (
        row.listed_at is not None and await _at_desk(uow, person_id, order.estate_id)
    ):
        raise PermissionDenied()
    if row.status in (Status.ANSWERED, Status.NOT_REACHED):
        raise AlreadyAnswered()
    if row.status != Status.ASKED:
        raise PermissionDenied()
    return row


async def _at_desk(uow: UnitOfWork, person_id: int, estate_id: int) -> bool:
    actor = await estate_actor(uow, person_id, estate_id)
    return bool(actor.roles & DESK_ROLES)


async def require_answerer(
    uow: UnitOfWork, callback_id: int, person_id: int | None
) -> CallbackView:
    """The callback, if this person may answer it now (else a domain error saying why not)."""
    return _view(await _answerable(uow, callback_id, person_id))


async def answer(
    uow: UnitOfWork,
    callback_id: int,
    person_id: int | None,
    question: Question,
    value: int | str | VoiceComment | None,
) -> CallbackView:
    """Keeps one answer (the resident's, checked on every press) and, with the last one, calls
    the order back. `value`: 1/0 for satisfied, 1–5 for a score, text, a VoiceComment or None
    (skipped) for the comment."""
    row = await _answerable(uow, callback_id, person_id)
    order = await uow.session.get_one(Order, row.order_id)
    if person_id != order.reporter_id:
        row.by_phone = True  # the desk records what the resident said on the phone
    if question is Question.SATISFIED:
        if value not in (0, 1):
            raise InvalidInput()
        row.satisfied = bool(value)
    elif question in SCORES:
        if not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidInput()
        setattr(row, DATA_KEYS[question], value)
    elif isinstance(value, VoiceComment):
        if not value.file_ref or len(value.file_ref) > 255:
            raise InvalidInput()
        row.comment_voice = value.file_ref
        row.comment_voice_seconds = max(int(value.seconds), 0)
        row.comment_done = True
    else:
        text = str(value).strip()[:MAX_COMMENT] if value else None
        row.comment = text or None
        row.comment_done = True
    await uow.flush()
    view = _view(row)
    if view.next_question is None:
        await _finish(uow, row, person_id)
        view = _view(row)
    return view


def summary(view: CallbackView) -> str:
    """The answers as one line for the order's timeline (staff read it)."""
    parts = [
        "satisfied" if view.satisfied else "not satisfied",
        f"speed {view.speed}, attitude {view.attitude}, quality {view.quality}",
    ]
    if view.by_phone:
        parts.append("by phone")
    if view.comment:
        parts.append(view.comment)
    if view.comment_voice:
        parts.append(f"voice comment ({clock_length(view.comment_voice_seconds or 0)})")
    return "; ".join(parts)


def clock_length(seconds: int) -> str:
    """A voice message's length as a player shows it: 0:12, 1:05."""
    minutes, seconds = divmod(max(int(seconds), 0), 60)
    return f"{minutes}:{seconds:02d}"


def overall_rating(view: CallbackView) -> int | None:
    """The callback's scores as one 1–5 figure (their rounded mean) for the feedback library."""
    scores = [s for s in (view.speed, view.attitude, view.quality) if s is not None]
    if not scores:
        return None
    return max(1, min(5, int(sum(scores) / len(scores) + 0.5)))


async def _finish(uow: UnitOfWork, row: Callback, person_id: int | None) -> None:
    """The questionnaire is complete: the order is called back; satisfied, it closes (a
    complaint waits for its supervisor); not satisfied, it reopens for the same team."""
    row.status = Status.ANSWERED
    row.answered_at = uow.clock.now()
    row.answered_by = person_id
    await uow.flush()
    view = _view(row)
    order = await uow.session.get_one(Order, row.order_id)
    actor = await estate_actor(uow, person_id, order.estate_id)
    await orders.act(uow, order.id, Action.CALL_BACK, actor, summary(view))
    await feedback.record_feedback(
        uow,
        order.estate_id,
        feedback.Source.CALLBACK,
        view.comment,
        order=order.id,
        rating=overall_rating(view),
        voice_ref=view.comment_voice,
        voice_seconds=view.comment_voice_seconds,
    )
    uow.announce(CallbackAnswered(row.id))
    if view.satisfied:
        if order.kind != OrderKind.COMPLAINT:
            await orders.act(uow, order.id, Action.CLOSE, Actor.system(), "satisfied")
        return
    await orders.act(uow, order.id, Action.REOPEN, Actor.system(), "not satisfied")
    await dispatch.route(uow, order.id, DeskReason.REOPENED, view.comment)


async def close_complaint(uow: UnitOfWork, order_id: int, person_id: int | None) -> None:
    """A complaint closes after its callback, by a supervisor of its estate."""
    order = await uow.session.get(Order, order_id)
    if order is None:  # an id from a button: a forged one learns nothing
        raise PermissionDenied()
    actor = await estate_actor(uow, person_id, order.estate_id)
    if Role.SUPERVISOR not in actor.roles and Role.MANAGER not in actor.roles:
        raise PermissionDenied()
    await orders.act(uow, order_id, Action.CLOSE, actor, "closed after the callback")


# --- the phone list ------------------------------------------------------------------------------


async def phone_list(uow: UnitOfWork, estate_id: int, since: datetime) -> list[int]:
    """The morning's phone callbacks (seed 002 篇3 4.2.4): every callback asked before `since`
    (the start of today) and still unanswered whose resident asked for a call or has no chat, a
    complaint's, or a chat callback unanswered after its reminder; those not reached yesterday
    come again. Each is marked as listed, so the desk may answer it."""
    rows = list(
        await uow.session.scalars(
            select(Callback)
            .join(Order, Order.id == Callback.order_id)
            .where(
                Order.estate_id == estate_id,
                Callback.status == Status.ASKED,
                Callback.asked_at < since,
                Callback.phone.is_(True)
                | (Order.kind == str(OrderKind.COMPLAINT))
                | Callback.reminded_at.is_not(None),
            )
            .order_by(Callback.id)
        )
    )
    now = uow.clock.now()
    for row in rows:
        if row.listed_at is None:
            row.listed_at = now
    await uow.flush()
    return [row.id for row in rows]


async def no_answer(uow: UnitOfWork, callback_id: int, person_id: int | None) -> CallbackView:
    """The desk called and nobody answered: tried again on tomorrow's list; after the third
    try the order closes as not reached."""
    row = await _answerable(uow, callback_id, person_id)
    order = await uow.session.get_one(Order, row.order_id)
    if row.listed_at is None or not await _at_desk(uow, person_id or 0, order.estate_id):
        raise PermissionDenied()
    actor = await estate_actor(uow, person_id, order.estate_id)
    row.phone_tries += 1
    await orders.act(uow, order.id, Action.NO_ANSWER, actor, f"try {row.phone_tries}")
    if row.phone_tries >= MAX_PHONE_TRIES:
        row.status = Status.NOT_REACHED
        row.answered_at = uow.clock.now()
        row.answered_by = person_id
        await orders.act(uow, order.id, Action.CLOSE, actor, NOT_REACHED_NOTE)
    await uow.flush()
    return _view(row)

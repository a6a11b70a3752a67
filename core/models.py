"""SQLAlchemy models. Every time is stored in UTC; personal data is stored encrypted."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    false,
    text,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from core.clock import as_utc
from core.enums import BindingStatus, OrderStatus, OutboxStatus, Priority

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator[datetime]):
    """Stores aware datetimes as UTC and always hands back aware UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return as_utc(value)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        return None if value is None else as_utc(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON, Decimal: Numeric(12, 2)}


class Estate(Base):
    __tablename__ = "estates"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(8), unique=True)  # prefix of order numbers
    name: Mapped[str] = mapped_column(String(100))
    timezone: Mapped[str] = mapped_column(String(64), default="Asia/Shanghai")
    region: Mapped[str] = mapped_column(String(8), default="CN")  # holiday calendar
    default_locale: Mapped[str] = mapped_column(String(16), default="zh_Hans")
    fee_threshold: Mapped[Decimal] = mapped_column(default=Decimal(100))  # in `currency`
    currency: Mapped[str] = mapped_column(String(3), default="CNY", server_default="CNY")
    service_phone: Mapped[str | None] = mapped_column(String(40))
    settings: Mapped[dict[str, Any]] = mapped_column(default=dict)

    buildings: Mapped[list[Building]] = relationship(back_populates="estate")


class Building(Base):
    __tablename__ = "buildings"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    name: Mapped[str] = mapped_column(String(50))

    estate: Mapped[Estate] = relationship(back_populates="buildings")
    units: Mapped[list[Unit]] = relationship(back_populates="building")


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("building_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    number: Mapped[str] = mapped_column(String(20))

    building: Mapped[Building] = relationship(back_populates="units")


class Team(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("estate_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    kind: Mapped[str] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(50))
    # The team's own values of team settings (core/estate_settings.py), e.g. its digest times.
    settings: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class Person(Base):
    """A human being: resident or staff. Name and phone are encrypted; the phone hash finds them."""

    __tablename__ = "people"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    phone_hash: Mapped[str | None] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime]

    roles: Mapped[list[StaffRole]] = relationship(back_populates="person")


class StaffRole(Base):
    """A staff role of a person in an estate (and team). Residents get their role from bindings."""

    __tablename__ = "staff_roles"
    __table_args__ = (UniqueConstraint("person_id", "estate_id", "role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    role: Mapped[str] = mapped_column(String(20))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Dispatch: who is at work now, what they can do, where they go (None: every building).
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True)
    skills: Mapped[list[str] | None] = mapped_column(JSON)  # category codes
    buildings: Mapped[list[str] | None] = mapped_column(JSON)  # building names

    person: Mapped[Person] = relationship(back_populates="roles")


class ChatIdentity(Base):
    """A messaging account (a Telegram user) and what we know of its chat."""

    __tablename__ = "chat_identities"
    __table_args__ = (UniqueConstraint("platform", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    platform: Mapped[str] = mapped_column(String(16), default="telegram")
    user_id: Mapped[int] = mapped_column(BigInteger)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    language_code: Mapped[str | None] = mapped_column(String(16))
    locale: Mapped[str | None] = mapped_column(String(16))  # chosen with /language
    current_unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    blocked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime]
    last_seen_at: Mapped[datetime]
    # The estate-local day this person was last greeted for a holiday: one greeting a day.
    greeted_on: Mapped[date | None] = mapped_column(Date)
    # The resident's "no greetings" switch: no holiday greeting broadcasts to this chat.
    greetings_off: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class UnitBinding(Base):
    __tablename__ = "unit_bindings"
    __table_args__ = (UniqueConstraint("person_id", "unit_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), index=True)
    relation: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=BindingStatus.PENDING)
    created_at: Mapped[datetime]
    decided_at: Mapped[datetime | None]
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Invitation(Base):
    """A one-time code: binds a Telegram account to a unit (residents) or to a staff member."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    relation: Mapped[str | None] = mapped_column(String(16))
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))  # staff invitations
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime | None]
    used_at: Mapped[datetime | None]
    used_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))


class Category(Base):
    """Estate data, not code: a repair or complaint category with its names in both scripts."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("estate_id", "kind", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    kind: Mapped[str] = mapped_column(String(32))
    code: Mapped[str] = mapped_column(String(32))
    name_hans: Mapped[str] = mapped_column(String(50))
    name_hant: Mapped[str] = mapped_column(String(50))
    sort: Mapped[int] = mapped_column(Integer, default=0)


class Order(Base):
    __tablename__ = "orders"
    __table_args__ = (
        UniqueConstraint("estate_id", "number"),
        Index("ix_orders_status_due", "status", "due_at"),
        # An estate's orders of a period, and its fees of a period (the reports). On PostgreSQL
        # the first carries what the report's figures read of each order, so that they read
        # the index alone (bench/RESULTS.md).
        Index(
            "ix_orders_estate_id_created_at",
            "estate_id",
            "created_at",
            postgresql_include=["id", "kind", "category_id", "team_id"],
        ),
        Index("ix_orders_estate_id_fee_collected_at", "estate_id", "fee_collected_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    number: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    place: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    window_start: Mapped[datetime | None]
    window_end: Mapped[datetime | None]
    priority: Mapped[str] = mapped_column(String(16), default=Priority.NORMAL)
    status: Mapped[str] = mapped_column(String(16), default=OrderStatus.REGISTERED)
    reporter_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    wants_phone_callback: Mapped[bool] = mapped_column(Boolean, default=False)
    fee: Mapped[Decimal | None]
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]
    due_at: Mapped[datetime | None]  # the next time limit of the current status
    escalated: Mapped[bool] = mapped_column(Boolean, default=False)
    # Past the limit of its status: 0 on time, 1 reminded, 2 re-dispatched, 3 escalated.
    overdue_stage: Mapped[int] = mapped_column(Integer, default=0)
    work_done: Mapped[str | None] = mapped_column(Text)
    materials: Mapped[str | None] = mapped_column(Text)
    fee_collected_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    fee_collected_at: Mapped[datetime | None]
    # Several residents' reports of one public-area fault: each points at the primary order of
    # the incident, which carries the one job; None for an order on its own (or the primary).
    incident_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)

    attachments: Mapped[list[OrderAttachment]] = relationship(
        back_populates="order", order_by="OrderAttachment.id"
    )
    events: Mapped[list[OrderEvent]] = relationship(order_by="OrderEvent.id")


class OrderAttachment(Base):
    __tablename__ = "order_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # photo, document, voice
    file_ref: Mapped[str] = mapped_column(String(255))  # the platform's file id
    stage: Mapped[str] = mapped_column(String(16), default="report")  # report, before, after, note
    added_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    added_at: Mapped[datetime]

    order: Mapped[Order] = relationship(back_populates="attachments")


class OrderEvent(Base):
    """Immutable: every transition and every notable act on an order (who, when, from, to, note)."""

    __tablename__ = "order_events"
    # The reports read an order's events of a kind (its first dispatch, its callbacks, whether
    # it was reminded): on PostgreSQL from the index alone (bench/RESULTS.md).
    __table_args__ = (
        Index(
            "ix_order_events_order_id_action",
            "order_id",
            "action",
            postgresql_include=["at", "actor_id", "from_status", "to_status"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), index=True)
    at: Mapped[datetime]
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    action: Mapped[str] = mapped_column(String(32))
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    note: Mapped[str | None] = mapped_column(Text)


class OrderCounter(Base):
    """Hands out the daily sequence behind readable order numbers such as BX-20261123-0007."""

    __tablename__ = "order_counters"

    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


class ConversationState(Base):
    """Where a person is in a dialog; kept in the database so a restart loses nothing."""

    __tablename__ = "conversation_states"

    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), primary_key=True)
    dialog: Mapped[str] = mapped_column(String(40))
    step: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    updated_at: Mapped[datetime]


class ProcessedUpdate(Base):
    """Updates arrive at least once: remembering their ids makes handling idempotent.

    A row is also the update's receipt. The intake (bot.channels.telegram_intake) records each
    update it receives, with its `payload` (the update as Telegram sent it, encrypted), before
    acknowledging it to Telegram; the handling's claim clears the payload in the transaction
    that handles the update. A row with a payload is an update received and not yet handled
    (`processed_at` is then when it was received): after a crash it is handled from here.
    """

    __tablename__ = "processed_updates"
    __table_args__ = (
        Index(
            "ix_processed_updates_pending",
            "platform",
            "bot_id",
            "update_id",
            sqlite_where=text("payload IS NOT NULL"),
            postgresql_where=text("payload IS NOT NULL"),
        ),
    )

    platform: Mapped[str] = mapped_column(String(16), primary_key=True)
    bot_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    processed_at: Mapped[datetime] = mapped_column(index=True)
    payload: Mapped[bytes | None] = mapped_column(LargeBinary)


class OutboxMessage(Base):
    """Every outgoing message, written in the same transaction as the change that caused it;
    kept for a few days once finished (core.services.housekeeping), then deleted."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_status_not_before", "status", "not_before"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    chat_id: Mapped[int] = mapped_column(BigInteger)
    identity_id: Mapped[int | None] = mapped_column(ForeignKey("chat_identities.id"))
    kind: Mapped[str] = mapped_column(String(16))
    # The message (text, buttons, photos) as JSON sealed with the data key (Cipher.seal): job
    # cards carry phone numbers, cards name people. core.services.outbox writes and reads it.
    payload_enc: Mapped[bytes] = mapped_column(LargeBinary)
    status: Mapped[str] = mapped_column(String(16), default=OutboxStatus.PENDING)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    not_before: Mapped[datetime | None]  # None: due at once
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None]
    sent_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # An edit or delete of a message we sent earlier refers to that outbox row.
    # Indexed: deleting a row looks for rows that still refer to it.
    target_outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"), index=True)
    target_message_id: Mapped[int | None] = mapped_column(BigInteger)
    paid_broadcast: Mapped[bool] = mapped_column(Boolean, default=False)
    error: Mapped[str | None] = mapped_column(Text)
    # A message sent in several calls (an album, then its text; a long text cut in pieces):
    # how many of them went out before a failure, so that a retry sends only the rest.
    sent_pieces: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class OutboxFile(Base):
    """A file uploaded with an outbox message (a report's chart, its workbook): the bytes sealed
    with the data key like payloads, deleted once the message is finished (sent, failed or
    skipped) by core.services.outbox."""

    __tablename__ = "outbox_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer, default=0)  # order of the uploads in a message
    kind: Mapped[str] = mapped_column(String(16))  # photo, document
    filename: Mapped[str] = mapped_column(String(255))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)


class DeskChat(Base):
    """A Telegram group registered as an estate's desk ("control", "service") or a team's group
    ("team:<id>", where grab jobs are posted)."""

    __tablename__ = "desk_chats"
    __table_args__ = (UniqueConstraint("estate_id", "desk"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    desk: Mapped[str] = mapped_column(String(32))
    chat_id: Mapped[int] = mapped_column(BigInteger)
    registered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    registered_at: Mapped[datetime]


class DutyShift(Base):
    """One line of a roster: a worker is on duty on this weekday (0 = Monday) between two times
    of the estate's day."""

    __tablename__ = "duty_shifts"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    weekday: Mapped[int] = mapped_column(Integer)
    start_minute: Mapped[int] = mapped_column(Integer)
    end_minute: Mapped[int] = mapped_column(Integer)


class RoutineRun(Base):
    """A routine that ran (or is running) for an estate on a local day: never twice, never
    skipped, whatever restarts happen."""

    __tablename__ = "routine_runs"
    __table_args__ = (UniqueConstraint("estate_id", "routine", "day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    routine: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[datetime]


class Callback(Base):
    """One round of an order's callback (回访): asked after the completion was confirmed, the
    answers kept as they come (one question at a time, answerable days later). A reopened order
    gets a second round after its second confirmation."""

    __tablename__ = "callbacks"
    __table_args__ = (
        UniqueConstraint("order_id", "round"),
        Index("ix_callbacks_status_due", "status", "due_at"),
        Index("ix_callbacks_order_id_satisfied", "order_id", postgresql_include=["satisfied"]),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))
    round: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16))  # waiting, asked, answered, not_reached
    # Called by phone, not asked in chat: the resident asked for a call, or has no chat.
    phone: Mapped[bool] = mapped_column(Boolean, default=False)
    listed_at: Mapped[datetime | None]  # first put on the desk's morning phone list
    phone_tries: Mapped[int] = mapped_column(Integer, default=0)  # calls nobody answered
    due_at: Mapped[datetime]
    asked_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    speed: Mapped[int | None] = mapped_column(Integer)
    attitude: Mapped[int | None] = mapped_column(Integer)
    quality: Mapped[int | None] = mapped_column(Integer)
    comment: Mapped[str | None] = mapped_column(Text)
    comment_done: Mapped[bool] = mapped_column(Boolean, default=False)  # given or skipped
    # A spoken comment: the platform's file id of the voice message and its length.
    comment_voice: Mapped[str | None] = mapped_column(String(255))
    comment_voice_seconds: Mapped[int | None] = mapped_column(Integer)
    by_phone: Mapped[bool] = mapped_column(Boolean, default=False)
    # Sampled for the customer-service desk's check call (seed 002 篇3 4.1.2.3): by phone.
    spot_check: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    answered_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    answered_at: Mapped[datetime | None]


class SpecialEvent(Base):
    """An order a supervisor or manager marked as a special event (seed 002 篇4 3(2)): the
    manager calls the resident back within a time (20 days) and attaches a short written
    report to the order."""

    __tablename__ = "special_events"
    __table_args__ = (Index("ix_special_events_open_due", "reported_at", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    marked_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    marked_at: Mapped[datetime]
    due_at: Mapped[datetime]  # the manager's callback is due by then
    reminded_at: Mapped[datetime | None]  # the last overdue reminder to the managers
    report: Mapped[str | None] = mapped_column(Text)
    reported_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    reported_at: Mapped[datetime | None]


class Feedback(Base):
    """The feedback library (seed 000 二(二)2): every comment residents gave, whatever brought
    it (a callback, a survey, a dispute, a praise), with what it is about, for reading by
    estate, category, team, worker and period. Written as residents write order descriptions
    (clear text, like `orders.description` and `callbacks.comment`); a spoken comment is the
    platform's file id of the voice message."""

    __tablename__ = "feedback"
    __table_args__ = (Index("ix_feedback_estate_at", "estate_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    source: Mapped[str] = mapped_column(String(16))  # callback, survey, dispute, praise
    text: Mapped[str | None] = mapped_column(Text)
    voice_ref: Mapped[str | None] = mapped_column(String(255))
    voice_seconds: Mapped[int | None] = mapped_column(Integer)
    rating: Mapped[int | None] = mapped_column(Integer)  # 1–5 where the source gives one
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    category_id: Mapped[int | None] = mapped_column(ForeignKey("categories.id"))
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    worker_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]


class Notice(Base):
    """A notice to many (core.services.notices): written once in one script, the other made by
    OpenCC; no personal data. Sent in batches of recipients, `cursor` the last chat identity
    written (the batch and the cursor commit together, so a restart neither skips nor repeats)."""

    __tablename__ = "notices"
    __table_args__ = (Index("ix_notices_status_scheduled_at", "status", "scheduled_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    kind: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))
    text_hans: Mapped[str] = mapped_column(Text)
    text_hant: Mapped[str] = mapped_column(Text)
    # A photo sent with the text as its caption: the Telegram file_id the writer's photo got.
    photo: Mapped[str | None] = mapped_column(String(200))
    # Planned works: where, from when to when.
    place: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime | None]
    ends_at: Mapped[datetime | None]
    # {"who": "residents" | "staff" | "both", "buildings": [ids], "units": [ids]}
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    valid_until: Mapped[datetime | None]
    scheduled_at: Mapped[datetime | None]
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    # The day-before reminder of planned works is a notice of its own pointing at the works.
    reminder_of: Mapped[int | None] = mapped_column(ForeignKey("notices.id"), unique=True)
    # Sent from chat: the sender's message edited with the progress, {"chat_id", "message_id",
    # "identity_id", "last": [sent, pending, failed, blocked], "done": bool}.
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)


class NoticeRecipient(Base):
    """One chat a notice reached: by the broadcast (`outbox_id`, whose status is the progress),
    or shown at the resident's next contact or in their notice list (`seen_at`)."""

    __tablename__ = "notice_recipients"

    notice_id: Mapped[int] = mapped_column(ForeignKey("notices.id"), primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), primary_key=True)
    # No foreign key: finished outbox rows are deleted after a retention.
    outbox_id: Mapped[int | None] = mapped_column(Integer)
    seen_at: Mapped[datetime | None]


class ReportExport(Base):
    """A report someone took away (in chat, or a file from `guanjia report`): who asked, when,
    which estate and period, in which form."""

    __tablename__ = "report_exports"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    asked_by: Mapped[str | None] = mapped_column(String(100))  # the operator's login (CLI)
    period: Mapped[str] = mapped_column(String(40))
    what: Mapped[str] = mapped_column(String(40))  # chat, text, csv, xlsx
    at: Mapped[datetime]


class KeyCheck(Base):
    """One row: a known text encrypted with the data key at first use, so that a process started
    with another key refuses to start instead of failing on the first name it reads."""

    __tablename__ = "key_checks"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime]


class SettingChange(Base):
    """One estate (or team) setting changed: from what to what, by whom, when. Values are the
    settings' text forms; None is "not set" (the default, or the estate's for a team)."""

    __tablename__ = "setting_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    key: Mapped[str] = mapped_column(String(64))
    old: Mapped[str | None] = mapped_column(String(200))
    new: Mapped[str | None] = mapped_column(String(200))
    changed_by: Mapped[str] = mapped_column(String(100))  # an operator's name or login
    at: Mapped[datetime]


class SurveyCampaign(Base):
    """A satisfaction survey (满意度调查) of an estate's households (core.services.surveys): a
    questionnaire in both scripts, an audience (the estate, some buildings, or a seeded random
    share of its households), a window and a reminder. Sent in batches of households, `cursor`
    the last unit written (the batch and the cursor commit together), the reminder likewise."""

    __tablename__ = "survey_campaigns"
    __table_args__ = (Index("ix_survey_campaigns_status", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    estate_id: Mapped[int] = mapped_column(ForeignKey("estates.id"))
    title_hans: Mapped[str] = mapped_column(String(200))
    title_hant: Mapped[str] = mapped_column(String(200))
    # [{"key", "kind", "satisfied", "text": {"zh_Hans", "zh_Hant"}, "options": [...]}]
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    # {"scope": "estate" | "buildings" | "sample", "buildings": [ids], "share": 0.05, "seed": 7}
    audience: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(16))  # draft, running, closed
    opens_at: Mapped[datetime | None]
    closes_at: Mapped[datetime]
    remind_at: Mapped[datetime | None]
    reminded_at: Mapped[datetime | None]  # the reminder was written out in full
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    created_at: Mapped[datetime]
    started_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    cursor: Mapped[int] = mapped_column(Integer, default=0)
    remind_cursor: Mapped[int] = mapped_column(Integer, default=0)
    alerted_at: Mapped[datetime | None]  # the corrective-action alert went to the managers


class SurveyHousehold(Base):
    """One household (unit) in a campaign's audience. Reached once a bound member's
    questionnaire was handed to Telegram, or when the office entered its answers (paper,
    phone); the first member to answer answers for the household."""

    __tablename__ = "survey_households"
    __table_args__ = (
        Index("ix_survey_households_campaign_building", "campaign_id", "building_id"),
    )

    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    building_id: Mapped[int] = mapped_column(ForeignKey("buildings.id"))
    has_chat: Mapped[bool] = mapped_column(Boolean, default=False)  # a bound member's chat
    reached_at: Mapped[datetime | None]
    answerer_id: Mapped[int | None] = mapped_column(ForeignKey("people.id"))
    by_office: Mapped[bool] = mapped_column(Boolean, default=False)
    next_question: Mapped[int] = mapped_column(Integer, default=0)
    completed_at: Mapped[datetime | None]
    satisfied: Mapped[bool | None] = mapped_column(Boolean)  # the `satisfied` question's answer
    reminded_at: Mapped[datetime | None]


class SurveyDelivery(Base):
    """The questionnaire written to one bound member's chat (`outbox_id`, whose status says
    whether it was handed to Telegram)."""

    __tablename__ = "survey_deliveries"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    identity_id: Mapped[int] = mapped_column(ForeignKey("chat_identities.id"), primary_key=True)
    # No foreign key: finished outbox rows are deleted after a retention.
    outbox_id: Mapped[int | None] = mapped_column(Integer)


class SurveyAnswer(Base):
    """A household's answer to one question: an option's index, a 1–5 score or a text (None:
    skipped); `satisfied` for the option or score judged satisfied (None for a text)."""

    __tablename__ = "survey_answers"

    campaign_id: Mapped[int] = mapped_column(ForeignKey("survey_campaigns.id"), primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("units.id"), primary_key=True)
    question: Mapped[str] = mapped_column(String(16), primary_key=True)
    choice: Mapped[int | None] = mapped_column(Integer)
    score: Mapped[int | None] = mapped_column(Integer)
    text: Mapped[str | None] = mapped_column(Text)
    satisfied: Mapped[bool | None] = mapped_column(Boolean)
    answered_at: Mapped[datetime]


class Sender(Base):
    """An outbox sender alive now (bot.runtime.send_share): it checks in every few seconds.
    The senders seen lately share the bot-wide sending rate, which is per bot token, not per
    process; a sender that stopped checking in (its process died) drops out of the count."""

    __tablename__ = "senders"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    started_at: Mapped[datetime]
    seen_at: Mapped[datetime]

"""Reporting: a repair, a complaint, a home service, a question or a praise.

The dialog asks only for what is still missing, in a fixed order, so editing one answer before
confirming clears just that answer and returns to the summary (复述确认) afterwards. Each
button carries the dialog's nonce: a button from an earlier report is refused politely.

Nothing the resident sends is lost: files past the limit, words typed where a button was expected
and an over-long message are kept in the draft and registered with the order (as extra files and
notes), even though the dialog asks its question again.

Complaints about a staff member: the order stores the complaint's category and the resident's own
words, and the reporter only in `Order.reporter_id`, which the resident's and the desk's views
use. Nothing names the complained-about worker in a field that a job card shows, and a complaint
is owned by a supervisor (DESIGN.md), never dispatched to a worker; a worker's view of an order
(`orders.get_visible` as assignee) therefore never exists for a complaint, so its reporter
cannot leak to the worker side.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from bot.conversation.context import Context
from bot.conversation.events import MEDIA_KINDS, Kind
from bot.conversation.payloads import STALE_BUTTON, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views.cards import OrderFacts, fact_lines
from bot.views.labels import PRIORITY_LABELS
from bot.views.menus import Menu, MenuItem, main_menu
from bot.views.slots import Slot, day_rows, days_offered, open_slots, slot_rows, window
from core.enums import OrderKind, Priority
from core.i18n import N_, pick_name
from core.i18n import place as join_place
from core.lifecycle import Action, Actor
from core.news import DeskReason
from core.services import directory, dispatch, orders, residents
from core.services.orders import Attachment, NewOrder

DIALOG = "report"
MAX_PHOTOS = 5
MAX_DESCRIPTION = 1000

router = Router("report")


class Field(StrEnum):
    WHERE = "wh"
    CATEGORY = "ca"
    HOME = "ho"
    PLACE = "pl"
    DESCRIPTION = "de"
    DAY = "dy"
    SLOT = "sl"
    PRIORITY = "pr"
    CALLBACK = "cb"
    SUMMARY = "su"
    EDIT = "ed"


@dataclass(frozen=True)
class Answer(Payload, prefix="rp"):
    nonce: int
    field: Field
    value: str


PUBLIC_PLACES = [
    ("lobby", N_("Lobby")),
    ("lift", N_("Lift")),
    ("stairs", N_("Corridor or stairs")),
    ("parking", N_("Car park")),
    ("garden", N_("Garden")),
    ("gate", N_("Main gate")),
]
PLACE_LABELS = dict(PUBLIC_PLACES)

FIELDS_BY_KIND: dict[OrderKind, list[Field]] = {
    OrderKind.IN_HOME_REPAIR: [
        Field.WHERE,
        Field.CATEGORY,
        Field.HOME,
        Field.DESCRIPTION,
        Field.DAY,
        Field.SLOT,
        Field.PRIORITY,
    ],
    OrderKind.PUBLIC_REPAIR: [
        Field.WHERE,
        Field.CATEGORY,
        Field.PLACE,
        Field.DESCRIPTION,
        Field.PRIORITY,
    ],
    OrderKind.HOUSEKEEPING: [Field.CATEGORY, Field.HOME, Field.DESCRIPTION, Field.DAY, Field.SLOT],
    # 居家报警 (open, move or repair a home alarm): urgent unless the resident says otherwise.
    OrderKind.ALARM: [Field.HOME, Field.DESCRIPTION, Field.DAY, Field.SLOT, Field.PRIORITY],
    OrderKind.COMPLAINT: [Field.CATEGORY, Field.DESCRIPTION, Field.CALLBACK],
    OrderKind.INQUIRY: [Field.DESCRIPTION],
    OrderKind.PRAISE: [Field.DESCRIPTION],
}
MENU_KINDS = {
    MenuItem.REPAIR: OrderKind.IN_HOME_REPAIR,
    MenuItem.COMPLAINT: OrderKind.COMPLAINT,
    MenuItem.HOUSEKEEPING: OrderKind.HOUSEKEEPING,
    MenuItem.INQUIRY: OrderKind.INQUIRY,
    MenuItem.PRAISE: OrderKind.PRAISE,
    MenuItem.ALARM: OrderKind.ALARM,
}
# Kinds done in the resident's home: the home is asked when they have several.
HOME_KINDS = (
    OrderKind.IN_HOME_REPAIR,
    OrderKind.HOUSEKEEPING,
    OrderKind.ALARM,
    OrderKind.COMPLAINT,
)
# Kinds urgent unless the resident chooses otherwise.
URGENT_BY_DEFAULT = frozenset({OrderKind.ALARM})
EDITABLE = {
    Field.CATEGORY: N_("Category"),
    Field.HOME: N_("Home"),
    Field.PLACE: N_("Place"),
    Field.DESCRIPTION: N_("Description and photos"),
    Field.DAY: N_("Preferred time"),
    Field.PRIORITY: N_("Urgency"),
    Field.CALLBACK: N_("Phone callback"),
}
# Clearing one answer also clears those that depend on it.
DEPENDENTS = {Field.DAY: [Field.SLOT], Field.DESCRIPTION: []}


def _button(ctx: Context, label: str, field: Field, value: object) -> Button:
    return Button(label, Answer(ctx.nonce, field, str(value)))


def _kind(ctx: Context) -> OrderKind:
    assert ctx.state is not None
    return OrderKind(ctx.state.data["kind"])


def _data(ctx: Context) -> dict[str, Any]:
    assert ctx.state is not None
    return ctx.state.data


async def start(
    ctx: Context, kind: OrderKind, description: str | None = None, category_id: int | None = None
) -> None:
    homes = await residents.homes_of(ctx.uow, ctx.person_id)
    home = residents.current_home(homes, ctx.identity.current_unit_id)
    if home is None:
        await ctx.reply(main_menu(ctx, ctx.t("Please bind your home first.")))
        return
    ctx.start_dialog(
        DIALOG,
        "",
        {"kind": kind, "estate_id": home.estate_id, "timezone": home.timezone, "attachments": []},
    )
    if kind in (OrderKind.IN_HOME_REPAIR, OrderKind.PUBLIC_REPAIR):
        ctx.remember(where=None)
    if len(homes) == 1 or kind not in HOME_KINDS:
        ctx.remember(unit_id=home.unit_id)
    if description:
        ctx.remember(description=description[:MAX_DESCRIPTION])
    if category_id is not None:
        ctx.remember(category_id=category_id)
    if kind in URGENT_BY_DEFAULT:
        ctx.remember(priority=Priority.URGENT.value)
    await advance(ctx)


def missing(ctx: Context) -> Field | None:
    data = _data(ctx)
    for field in FIELDS_BY_KIND[_kind(ctx)]:
        if data.get(_key(field)) in (None, ""):
            return field
    return None


def _key(field: Field) -> str:
    return {
        Field.WHERE: "where",
        Field.CATEGORY: "category_id",
        Field.HOME: "unit_id",
        Field.PLACE: "place",
        Field.DESCRIPTION: "description",
        Field.DAY: "day",
        Field.SLOT: "slot",
        Field.PRIORITY: "priority",
        Field.CALLBACK: "callback",
    }[field]


async def advance(ctx: Context) -> None:
    """Asks for the first missing answer, or repeats the whole request back for confirmation."""
    field = missing(ctx)
    ctx.set_step(field.value if field else Field.SUMMARY.value)
    await ask(ctx, field)


async def ask(ctx: Context, field: Field | None) -> None:
    if field is None:
        await ctx.reply(await summary(ctx))
    elif field is Field.WHERE:
        await ctx.reply(
            Reply(
                ctx.t("Where is the problem?"),
                buttons=[
                    [
                        _button(ctx, ctx.t("In my home"), Field.WHERE, "home"),
                        _button(ctx, ctx.t("In a public area"), Field.WHERE, "public"),
                    ]
                ],
            )
        )
    elif field is Field.CATEGORY:
        await ctx.reply(await _category_question(ctx))
    elif field is Field.HOME:
        homes = await residents.homes_of(ctx.uow, ctx.person_id)
        await ctx.reply(
            Reply(
                ctx.t("Which home is it for?"),
                buttons=[
                    [
                        _button(
                            ctx,
                            ctx.t.name(join_place(h.estate_name, h.label)),
                            Field.HOME,
                            h.unit_id,
                        )
                    ]
                    for h in homes
                ],
            )
        )
    elif field is Field.PLACE:
        rows = [[_button(ctx, ctx.t(label), Field.PLACE, code)] for code, label in PUBLIC_PLACES]
        await ctx.reply(Reply(ctx.t(ASK_PLACE), buttons=_pairs(rows)))
    elif field is Field.DESCRIPTION:
        await ctx.reply(ctx.t(ASK_DESCRIPTION, photos=MAX_PHOTOS))
    elif field is Field.DAY:
        await ctx.reply(_day_question(ctx))
    elif field is Field.SLOT:
        await ctx.reply(_slot_question(ctx))
    elif field is Field.PRIORITY:
        await ctx.reply(
            Reply(
                ctx.t("How urgent is it?"),
                buttons=[
                    [_button(ctx, ctx.t(PRIORITY_LABELS[p]), Field.PRIORITY, p.value)]
                    for p in Priority
                ],
            )
        )
    elif field is Field.CALLBACK:
        await ctx.reply(
            Reply(
                ctx.t("Would you like us to call you back by phone as well?"),
                buttons=[
                    [
                        _button(ctx, ctx.t("Yes, please call me"), Field.CALLBACK, 1),
                        _button(ctx, ctx.t("No, chat is fine"), Field.CALLBACK, 0),
                    ]
                ],
            )
        )


ASK_PLACE = N_("Where exactly? Choose a place, or type it (for example: Building 3, 2nd floor).")
ASK_DESCRIPTION = N_(
    "Please describe the problem in a few words. You may also send up to {photos} photos, a "
    "voice note or a document."
)


def _pairs(rows: list[list[Button]]) -> list[list[Button]]:
    flat = [button for row in rows for button in row]
    return [flat[i : i + 2] for i in range(0, len(flat), 2)]


async def _category_question(ctx: Context) -> Reply:
    kind = _kind(ctx)
    category_kind = OrderKind.IN_HOME_REPAIR if kind is OrderKind.PUBLIC_REPAIR else kind
    categories = await directory.list_categories(ctx.uow, _data(ctx)["estate_id"], category_kind)
    buttons = [
        [_button(ctx, pick_name(ctx.t.locale, c.name_hans, c.name_hant), Field.CATEGORY, c.id)]
        for c in categories
    ]
    question = {
        OrderKind.COMPLAINT: N_("What is the complaint about?"),
        OrderKind.HOUSEKEEPING: N_("Which service do you need?"),
    }.get(kind, N_("What needs repairing?"))
    return Reply(ctx.t(question), buttons=_pairs(buttons))


def _day_question(ctx: Context) -> Reply:
    rows = day_rows(
        ctx.t,
        ctx.uow.clock.now(),
        _data(ctx)["timezone"],
        lambda label, day: _button(ctx, label, Field.DAY, day.isoformat()),
    )
    return Reply(ctx.t("When would you like the visit?"), buttons=rows)


def _slot_question(ctx: Context) -> Reply:
    day = date.fromisoformat(_data(ctx)["day"])
    rows = slot_rows(
        ctx.t,
        day,
        ctx.uow.clock.now(),
        _data(ctx)["timezone"],
        lambda label, slot: _button(ctx, label, Field.SLOT, slot.value),
    )
    return Reply(ctx.t("Which part of {day}?", day=ctx.t.day(day)), buttons=rows)


async def summary(ctx: Context) -> Reply:
    """The request repeated back (复述确认) with Confirm / Edit / Cancel."""
    data = _data(ctx)
    kind = _kind(ctx)
    category = None
    if data.get("category_id"):
        categories = await directory.list_categories(
            ctx.uow, data["estate_id"], _category_kind(kind)
        )
        category = next(
            ((c.name_hans, c.name_hant) for c in categories if c.id == data["category_id"]), None
        )
    home = place = None
    if kind is OrderKind.PUBLIC_REPAIR:
        place = _place_label(ctx, data["place"])
    elif data.get("unit_id") and kind in HOME_KINDS:
        unit = await directory.get_unit(ctx.uow, data["unit_id"])
        if unit is not None:
            home = ctx.t.name(join_place(unit.building_name, unit.number))
    draft = OrderFacts(
        kind=kind,
        description=data["description"],
        category=category,
        home=home,
        place=place,
        window=_window(ctx) if data.get("slot") else None,
        priority=Priority(data["priority"]) if data.get("priority") else None,
        attachments=len(data["attachments"]),
    )
    lines = [ctx.t("Please check your request:"), *fact_lines(ctx.t, draft)]
    if kind is OrderKind.COMPLAINT:
        lines.append(
            ctx.t("Phone callback: yes") if data["callback"] == "1" else ctx.t("Phone callback: no")
        )
    buttons = [
        [
            _button(ctx, ctx.t("Confirm"), Field.SUMMARY, "ok"),
            _button(ctx, ctx.t("Edit"), Field.SUMMARY, "edit"),
            _button(ctx, ctx.t("Cancel"), Field.SUMMARY, "cancel"),
        ]
    ]
    return Reply("\n".join(lines), buttons=buttons)


def _category_kind(kind: OrderKind) -> OrderKind:
    return OrderKind.IN_HOME_REPAIR if kind is OrderKind.PUBLIC_REPAIR else kind


def _place_label(ctx: Context, place: str) -> str:
    label = PLACE_LABELS.get(place)
    return ctx.t(label) if label else place


def _window(ctx: Context) -> tuple[datetime, datetime]:
    data = _data(ctx)
    found = window(
        date.fromisoformat(data["day"]), Slot(data["slot"]), ctx.uow.clock.now(), data["timezone"]
    )
    if found is None:  # the draft waited so long that the slot has passed
        raise SlotPassed
    return found


class SlotPassed(Exception):
    pass


def _day_still_open(ctx: Context, value: str) -> bool:
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return False
    return day in days_offered(ctx.uow.clock.now(), _data(ctx)["timezone"])


DAY_PASSED = N_("Sorry, that time has already passed. Please choose another.")


# --- entering the dialog ---------------------------------------------------------------------


@router.button(Menu)
async def from_menu(ctx: Context, payload: Menu) -> bool:
    if payload.item in MENU_KINDS:
        await start(ctx, MENU_KINDS[payload.item])
        return True
    if payload.item is MenuItem.RESUME and ctx.in_dialog(DIALOG):
        await ask(ctx, missing(ctx))
        return True
    return False


# --- answers by button -----------------------------------------------------------------------


@router.button(Answer)
async def on_answer(ctx: Context, answer: Answer) -> None:
    if not ctx.in_dialog(DIALOG) or answer.nonce != ctx.nonce:
        await ctx.reply(ctx.t(STALE_BUTTON))
        if ctx.in_dialog(DIALOG):
            await ask(ctx, missing(ctx))
        return
    data = _data(ctx)
    field, value = answer.field, answer.value
    if field is Field.SUMMARY:
        await _on_summary(ctx, value)
        return
    if field is Field.EDIT:
        await _edit(ctx, Field(value))
        return
    if field.value != ctx.state.step:  # type: ignore[union-attr]
        # An answer to a question already answered: ask the current one again.
        await ask(ctx, missing(ctx))
        return
    if field is Field.WHERE:
        kind = OrderKind.IN_HOME_REPAIR if value == "home" else OrderKind.PUBLIC_REPAIR
        ctx.remember(where=value, kind=kind)
    elif field is Field.CATEGORY:
        categories = await directory.list_categories(
            ctx.uow, data["estate_id"], _category_kind(_kind(ctx))
        )
        if not value.isdigit() or int(value) not in {c.id for c in categories}:
            await ask(ctx, Field.CATEGORY)
            return
        ctx.remember(category_id=int(value))
    elif field is Field.HOME:
        homes = await residents.homes_of(ctx.uow, ctx.person_id)
        if int(value) not in {h.unit_id for h in homes}:  # forged: not one of their homes
            await ask(ctx, Field.HOME)
            return
        ctx.remember(unit_id=int(value))
    elif field is Field.PLACE:
        ctx.remember(place=value)
    elif field is Field.DAY:
        if not _day_still_open(ctx, value):  # a day button from a question asked yesterday
            await ctx.reply(ctx.t(DAY_PASSED))
            await ask(ctx, Field.DAY)
            return
        ctx.remember(day=value, slot=None)
    elif field is Field.SLOT:
        day = date.fromisoformat(data["day"])
        if value not in {s.value for s in open_slots(day, ctx.uow.clock.now(), data["timezone"])}:
            await ctx.reply(ctx.t(DAY_PASSED))
            await ask(
                ctx, Field.SLOT if open_slots(day, ctx.uow.clock.now(), data["timezone"]) else None
            )
            return
        ctx.remember(slot=value)
    elif field is Field.PRIORITY:
        ctx.remember(priority=Priority(value).value)
    elif field is Field.CALLBACK:
        ctx.remember(callback=value)
    elif field is Field.DESCRIPTION and not data.get("description"):  # "Done" after photos only
        await ctx.reply(ctx.t("Please also describe the problem in a few words."))
        return
    await advance(ctx)


async def _on_summary(ctx: Context, value: str) -> None:
    if value == "cancel":
        ctx.end_dialog()
        await ctx.edit(ctx.t("Cancelled. Nothing was registered."))
        await ctx.reply(main_menu(ctx))
    elif value == "edit":
        fields = [f for f in FIELDS_BY_KIND[_kind(ctx)] if f in EDITABLE]
        buttons = [[_button(ctx, ctx.t(EDITABLE[f]), Field.EDIT, f.value)] for f in fields]
        await ctx.reply(
            Reply(ctx.t("Which part would you like to change?"), buttons=_pairs(buttons))
        )
    elif value == "ok":
        await _register(ctx)


async def _edit(ctx: Context, field: Field) -> None:
    data = _data(ctx)
    data[_key(field)] = None
    for dependent in DEPENDENTS.get(field, []):
        data[_key(dependent)] = None
    if field is Field.DESCRIPTION:
        data["attachments"] = []
    ctx.remember(**data)
    await advance(ctx)


async def _register(ctx: Context) -> None:
    if missing(ctx) is not None:
        await advance(ctx)
        return
    data = _data(ctx)
    kind = _kind(ctx)
    start = end = None
    if data.get("slot"):
        try:
            start, end = _window(ctx)
        except SlotPassed:
            ctx.remember(day=None, slot=None)
            await ctx.reply(ctx.t("The time you chose has passed; please choose another."))
            await advance(ctx)
            return
    order = await orders.register(
        ctx.uow,
        NewOrder(
            estate_id=data["estate_id"],
            kind=kind,
            description=data["description"],
            reporter_id=ctx.person_id,
            category_id=data.get("category_id"),
            unit_id=data.get("unit_id") if kind is not OrderKind.PUBLIC_REPAIR else None,
            place=_place_label(ctx, data["place"]) if data.get("place") else None,
            window_start=start,
            window_end=end,
            priority=Priority(data.get("priority") or Priority.NORMAL),
            wants_phone_callback=data.get("callback") == "1",
            attachments=tuple(
                Attachment(a["kind"], a["ref"], a.get("stage", "report"))
                for a in [*data["attachments"], *data.get("extra_files", [])]
            ),
        ),
        Actor(ctx.person_id, ctx.roles),
    )
    for note in data.get("set_aside", []):  # words the dialog could not use, kept all the same
        await orders.act(ctx.uow, order.id, Action.NOTE, ctx.actor, note=note)
    ctx.end_dialog()
    await ctx.edit(await _confirmed_text(ctx, order))
    await ctx.reply(main_menu(ctx))
    await dispatch.route(ctx.uow, order.id, DeskReason.NEW)  # its way: worker, team or desk


async def _confirmed_text(ctx: Context, order: orders.OrderView) -> str:
    if order.kind in (OrderKind.INQUIRY, OrderKind.PRAISE):
        return ctx.t(REGISTERED_MESSAGE, number=order.number)
    by = ctx.t.short_datetime(await orders.promised_answer(ctx.uow, order))
    if order.kind is OrderKind.COMPLAINT:
        # No worker is sent for a complaint; the callback follows the resident's choice.
        promise = COMPLAINT_PHONE if order.wants_phone_callback else COMPLAINT_CHAT
        return ctx.t(REGISTERED_COMPLAINT, number=order.number, time=by) + "\n" + ctx.t(promise)
    return ctx.t(REGISTERED_ORDER, number=order.number, time=by)


REGISTERED_ORDER = N_(
    "Registered. Your order number is {number}.\nNext: the service desk assigns a worker, who "
    "will contact you by {time}. You can follow it under My orders."
)
REGISTERED_MESSAGE = N_(
    "Thank you. We have registered your message as {number}; the service desk will reply to you "
    "here."
)
REGISTERED_COMPLAINT = N_(
    "Registered. Your complaint number is {number}.\nNext: a supervisor takes it up by {time}. "
    "You can follow it under My orders."
)
COMPLAINT_PHONE = N_(
    "Once it is handled, we will call you back by phone to hear whether you are satisfied."
)
COMPLAINT_CHAT = N_(
    "Once it is handled, we will ask you here in this chat whether you are satisfied."
)


# --- answers by message ----------------------------------------------------------------------


@router.message(dialog=DIALOG)
async def on_message(ctx: Context) -> None:
    step = ctx.state.step if ctx.state else ""
    inbound = ctx.inbound
    if step == Field.DESCRIPTION.value:
        await _on_description(ctx)
    elif step == Field.PLACE.value and inbound.kind is Kind.TEXT and inbound.text:
        ctx.remember(place=inbound.text.strip()[:200])
        await advance(ctx)
    elif inbound.kind in MEDIA_KINDS:
        _keep_attachment(ctx)  # nothing the resident sends is lost
        await ctx.reply(ctx.t("Thank you, the file is kept with your report."))
        await ask(ctx, missing(ctx))
    elif inbound.kind is Kind.TEXT and inbound.text:
        _set_aside(ctx, inbound.text)
        await ctx.reply(ctx.t(TEXT_KEPT))
        await ask(ctx, missing(ctx))
    else:
        await ctx.reply(ctx.t("Please answer with the buttons below."))
        await ask(ctx, missing(ctx))


TEXT_KEPT = N_(
    "Thank you, your words are kept with the report. Please answer the question with the "
    "buttons below."
)


def _set_aside(ctx: Context, text: str) -> None:
    ctx.remember(set_aside=[*_data(ctx).get("set_aside", []), text.strip()])


def _keep_attachment(ctx: Context) -> bool:
    """False when the report already has its files: this one is kept aside, not shown."""
    data = _data(ctx)
    attachments = data["attachments"]
    if len(attachments) >= MAX_PHOTOS:
        extra = {"kind": ctx.inbound.kind.value, "ref": ctx.inbound.file_ref, "stage": "extra"}
        ctx.remember(extra_files=[*data.get("extra_files", []), extra])
        return False
    attachments.append({"kind": ctx.inbound.kind.value, "ref": ctx.inbound.file_ref})
    ctx.remember(attachments=attachments)
    if ctx.inbound.text and not data.get("description"):
        ctx.remember(description=ctx.inbound.text[:MAX_DESCRIPTION])
    return True


async def _on_description(ctx: Context) -> None:
    inbound = ctx.inbound
    data = _data(ctx)
    if inbound.kind is Kind.TEXT and inbound.text:
        text = inbound.text.strip()
        if len(text) > MAX_DESCRIPTION:
            _set_aside(ctx, text)  # kept with the order as a note, whatever comes next
            await ctx.reply(ctx.t(TOO_LONG, limit=MAX_DESCRIPTION, length=len(text)))
            await ask(ctx, Field.DESCRIPTION)
            return
        joined = "\n".join(filter(None, [data.get("description"), text]))
        if len(joined) > MAX_DESCRIPTION:  # the whole description stays within the limit
            _set_aside(ctx, text)
            await ctx.reply(ctx.t(TOO_LONG, limit=MAX_DESCRIPTION, length=len(joined)))
            await ask(ctx, Field.DESCRIPTION)
            return
        ctx.remember(description=joined)
    elif inbound.kind in MEDIA_KINDS:
        if not _keep_attachment(ctx):
            if data.get("refused_group") != inbound.media_group_id or not inbound.media_group_id:
                ctx.remember(refused_group=inbound.media_group_id)
                await ctx.reply(ctx.t(TOO_MANY, limit=MAX_PHOTOS))
            return
        if inbound.media_group_id and data.get("acked_group") == inbound.media_group_id:
            return  # one acknowledgement per album
        ctx.remember(acked_group=inbound.media_group_id)
    else:
        await ctx.reply(ctx.t("Please describe the problem in words, or send photos."))
        return
    data = _data(ctx)
    count = len(data["attachments"])
    prompt = ctx.t(GOT_IT, count=count, limit=MAX_PHOTOS) if count else ctx.t(GOT_TEXT)
    if not data.get("description"):
        prompt = ctx.t("Photo received. Please also describe the problem in a few words.")
        await ctx.reply(prompt)
        return
    await ctx.reply(
        Reply(prompt, buttons=[[_button(ctx, ctx.t("Done"), Field.DESCRIPTION, "done")]])
    )


TOO_LONG = N_(
    "Your message has {length} characters; please keep the description under {limit}. The full "
    "text is kept with your report for the service desk, and your earlier answers are kept too."
)
TOO_MANY = N_(
    "A report shows at most {limit} files; the extra ones are kept with it for the service desk "
    "but are not shown in the summary."
)
GOT_TEXT = N_("Got it. You may add photos, or tap Done.")
GOT_IT = N_("Got it ({count} of {limit} files attached). Add more, or tap Done.")

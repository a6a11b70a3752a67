"""A manager writes a notice in chat: its kind; who receives it (residents, staff or both); for
residents, the whole estate or some buildings (tapped on and off); the text in one script (and
for planned works, where and when); a photo or none; then the preview in both scripts with
"Send now", "Send later" and "Cancel" (bot/dialogs/notice_send.py). The draft is created in core
at the preview; sending and cancelling are checked in core on every press."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import InvalidPayload, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs.notice_send import preview_buttons
from bot.views.menus import Menu, MenuItem
from bot.views.notices import KIND_LABELS, WHO_LABELS, notice_text
from core.errors import PermissionDenied
from core.i18n import N_, Translator
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind, Who

router = Router("notice_new")

DIALOG = "notice_new"
MAX_TEXT = 2000
CHAT_KINDS = (
    NoticeKind.WORKS,
    NoticeKind.OUTAGE,
    NoticeKind.EVENT,
    NoticeKind.RULES,
    NoticeKind.URGENT,
)
WHOS = (Who.RESIDENTS, Who.STAFF, Who.BOTH)
WHEN = re.compile(
    r"^\s*(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$"
)

ASK_KIND = N_("What kind of notice?")
ASK_WHO = N_("Who should receive it?")
ASK_AUDIENCE = N_(
    "Which buildings? Tap the buildings (tap again to leave one out), then Done; or choose the "
    "whole estate."
)
WHOLE_ESTATE = N_("The whole estate")
DONE_BUILDINGS = N_("Done ({count} chosen)")
CHOSEN = N_("✓ {name}")
NONE_CHOSEN = N_("Tap at least one building, or choose the whole estate.")
ASK_TEXT = N_(
    "Write the notice in your own script; the other script is made for you and shown before "
    "sending."
)
ASK_PLACE = N_("Where are the works?")
ASK_WHEN = N_("When are the works? Write the day and the hours, e.g. 12-05 09:00-17:00")
BAD_WHEN = N_("Please write it like 12-05 09:00-17:00.")
IN_WORDS = N_("Please write it in words.")
TOO_LONG = N_("That is too long for a notice: at most {limit} characters, please.")
ASK_PHOTO = N_("Send a photo to go with the notice, or tap No photo.")
NO_PHOTO = N_("No photo")
PHOTO_PLEASE = N_("Please send a photo (not a file), or tap No photo.")
PREVIEW_HEAD = N_("Preview. Residents reading Simplified see:")
PREVIEW_HANT = N_("Residents reading Traditional see:")
PREVIEW_WHO = N_("To: {who}, {where}")
WITH_PHOTO = N_("With the photo above.")


class NoticeOp(StrEnum):
    KIND = "k"
    WHO = "w"
    ESTATE = "e"
    BUILDING = "b"  # tap a building on or off
    DONE = "d"  # the buildings tapped are the audience
    NO_PHOTO = "n"


@dataclass(frozen=True)
class NoticeStep(Payload, prefix="nt"):
    nonce: int  # the dialog's: a button of an earlier notice being written is stale
    op: NoticeOp
    value: int  # the kind's or audience's place in CHAT_KINDS / WHOS, or a building's id


async def estate_of_sender(ctx: Context) -> int:
    estates = await notices.estates_of_sender(ctx.uow, ctx.person_id)
    if not estates:
        raise PermissionDenied()
    return estates[0]


def _step(ctx: Context, op: NoticeOp, value: int = 0) -> NoticeStep:
    return NoticeStep(ctx.nonce, op, value)


async def start(ctx: Context) -> None:
    await estate_of_sender(ctx)
    ctx.start_dialog(DIALOG, "kind")
    rows = [
        [Button(ctx.t(KIND_LABELS[kind]), _step(ctx, NoticeOp.KIND, n))]
        for n, kind in enumerate(CHAT_KINDS)
    ]
    await ctx.reply(Reply(ctx.t(ASK_KIND), buttons=rows))


@router.button(Menu)
async def on_menu(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.NEW_NOTICE:
        return False
    await start(ctx)
    return True


@router.button(NoticeStep)
async def on_step(ctx: Context, payload: NoticeStep) -> None:
    estate_id = await estate_of_sender(ctx)
    if not ctx.in_dialog(DIALOG) or payload.nonce != ctx.nonce:
        raise InvalidPayload("no such notice being written")
    assert ctx.state is not None
    step = ctx.state.step
    if payload.op is NoticeOp.KIND and step == "kind":
        if not 0 <= payload.value < len(CHAT_KINDS):
            raise InvalidPayload("no such kind")
        ctx.remember(kind=CHAT_KINDS[payload.value].value)
        ctx.set_step("who")
        rows = [
            [Button(ctx.t(WHO_LABELS[who]), _step(ctx, NoticeOp.WHO, n))]
            for n, who in enumerate(WHOS)
        ]
        await ctx.edit(Reply(ctx.t(ASK_WHO), buttons=rows))
    elif payload.op is NoticeOp.WHO and step == "who":
        if not 0 <= payload.value < len(WHOS):
            raise InvalidPayload("no such audience")
        ctx.remember(who=WHOS[payload.value].value, buildings=[])
        if WHOS[payload.value] is Who.STAFF:  # staff are the estate's, not a building's
            await _ask_text(ctx)
            return
        ctx.set_step("where")
        await ctx.edit(await _buildings_reply(ctx, estate_id, []))
    elif payload.op is NoticeOp.BUILDING and step == "where":
        known = {b.id for b in await directory.list_buildings(ctx.uow, estate_id)}
        if payload.value not in known:
            raise InvalidPayload("not a building of this estate")
        chosen = list(ctx.state.data.get("buildings") or [])
        chosen = (
            [b for b in chosen if b != payload.value]
            if payload.value in chosen
            else [
                *chosen,
                payload.value,
            ]
        )
        ctx.remember(buildings=chosen)
        await ctx.edit(await _buildings_reply(ctx, estate_id, chosen))
    elif payload.op is NoticeOp.ESTATE and step == "where":
        ctx.remember(buildings=[])
        await _ask_text(ctx)
    elif payload.op is NoticeOp.DONE and step == "where":
        if not ctx.state.data.get("buildings"):
            ctx.toast = ctx.t(NONE_CHOSEN)
            return
        await _ask_text(ctx)
    elif payload.op is NoticeOp.NO_PHOTO and step == "photo":
        await ctx.edit(Reply(ctx.t(ASK_PHOTO)))
        await _preview(ctx)
    else:
        raise InvalidPayload("not at this step")


async def _buildings_reply(ctx: Context, estate_id: int, chosen: list[int]) -> Reply:
    rows = [[Button(ctx.t(WHOLE_ESTATE), _step(ctx, NoticeOp.ESTATE))]]
    row: list[Button] = []
    for building in await directory.list_buildings(ctx.uow, estate_id):
        name = ctx.t.name(building.name)
        label = ctx.t(CHOSEN, name=name) if building.id in chosen else name
        row.append(Button(label, _step(ctx, NoticeOp.BUILDING, building.id)))
        if len(row) == 3:
            rows.append(row)
            row = []
    if row:
        rows.append(row)
    rows.append([Button(ctx.t(DONE_BUILDINGS, count=len(chosen)), _step(ctx, NoticeOp.DONE))])
    return Reply(ctx.t(ASK_AUDIENCE), buttons=rows)


async def _ask_text(ctx: Context) -> None:
    ctx.set_step("text")
    await ctx.edit(ctx.t(ASK_TEXT))


@router.message(dialog=DIALOG)
async def on_message(ctx: Context) -> None:
    assert ctx.state is not None
    step, kind = ctx.state.step, NoticeKind(ctx.state.data.get("kind", NoticeKind.EVENT))
    if step == "photo":
        if ctx.inbound.kind is Kind.PHOTO and ctx.inbound.file_ref:
            ctx.remember(photo=ctx.inbound.file_ref)
            await _preview(ctx)
        else:
            await _ask_photo(ctx, PHOTO_PLEASE)
        return
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text or step not in ("text", "place", "when"):
        await ctx.reply(ctx.t(IN_WORDS))
        return
    if step == "text":
        if len(text) > MAX_TEXT:
            await ctx.reply(ctx.t(TOO_LONG, limit=MAX_TEXT))
            return
        ctx.remember(text=text)
        if kind is NoticeKind.WORKS:
            ctx.set_step("place")
            await ctx.reply(ctx.t(ASK_PLACE))
            return
    elif step == "place":
        ctx.remember(place=text[:200])
        ctx.set_step("when")
        await ctx.reply(ctx.t(ASK_WHEN))
        return
    elif not await _remember_when(ctx, text):
        await ctx.reply(ctx.t(BAD_WHEN))
        return
    await _ask_photo(ctx, ASK_PHOTO)


async def _ask_photo(ctx: Context, question: str) -> None:
    ctx.set_step("photo")
    await ctx.reply(
        Reply(ctx.t(question), buttons=[[Button(ctx.t(NO_PHOTO), _step(ctx, NoticeOp.NO_PHOTO))]])
    )


async def _remember_when(ctx: Context, text: str) -> bool:
    found = WHEN.match(text)
    if found is None:
        return False
    estate = await directory.get_estate_by_id(ctx.uow, await estate_of_sender(ctx))
    month, day, h1, m1, h2, m2 = (int(part) for part in found.groups())
    zone = ZoneInfo(estate.timezone)
    year = ctx.uow.clock.now().astimezone(zone).year
    try:
        start = datetime(year, month, day, h1, m1, tzinfo=zone)
        end = datetime(year, month, day, h2, m2, tzinfo=zone)
    except ValueError:
        return False
    if start < ctx.uow.clock.now():
        start, end = start.replace(year=year + 1), end.replace(year=year + 1)
    if end <= start:
        return False
    ctx.remember(starts_at=start.isoformat(), ends_at=end.isoformat())
    return True


async def _preview(ctx: Context) -> None:
    assert ctx.state is not None
    data = ctx.state.data
    estate_id = await estate_of_sender(ctx)
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    who = Who(data.get("who", Who.RESIDENTS))
    buildings = tuple(data.get("buildings") or ())
    notice = await notices.create(
        ctx.uow,
        NewNotice(
            estate_id=estate_id,
            kind=NoticeKind(data["kind"]),
            text=data["text"],
            locale=ctx.t.locale,
            audience=Audience(who, buildings),
            place=data.get("place"),
            starts_at=datetime.fromisoformat(starts_at) if starts_at else None,
            ends_at=datetime.fromisoformat(ends_at) if ends_at else None,
            created_by=ctx.person_id,
            photo=data.get("photo"),
        ),
    )
    ctx.end_dialog()
    if notice.photo:  # alone, so that the preview below stays a text its buttons can edit
        await ctx.reply(Reply("", photos=[notice.photo]))
    hans = notice_text(Translator("zh_Hans", notice.timezone), notice, validity=True)
    hant = notice_text(Translator("zh_Hant", notice.timezone), notice, validity=True)
    if buildings:
        names = {
            b.id: ctx.t.name(b.name) for b in await directory.list_buildings(ctx.uow, estate_id)
        }
        where = "、".join(names[b] for b in buildings if b in names)
    else:
        where = ctx.t(WHOLE_ESTATE)
    parts = [ctx.t(PREVIEW_HEAD), hans, ctx.t(PREVIEW_HANT), hant]
    parts.append(ctx.t(PREVIEW_WHO, who=ctx.t(WHO_LABELS[who]), where=where))
    if notice.photo:
        parts.append(ctx.t(WITH_PHOTO))
    await ctx.reply(Reply("\n\n".join(parts), buttons=preview_buttons(ctx, notice.id)))

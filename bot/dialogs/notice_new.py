"""A manager writes a notice in chat: its kind, the audience (the estate or one building), the
text in one script (and for planned works, where and when), then the preview in both scripts
with "Send now" or "Cancel". The draft is created in core at the preview; sending and cancelling
are checked in core on every press. The scheduler writes the messages out within its minute."""

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
from bot.views.menus import Menu, MenuItem
from bot.views.notices import KIND_LABELS, notice_text
from core.errors import PermissionDenied
from core.i18n import N_, Translator
from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind

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
WHEN = re.compile(
    r"^\s*(\d{1,2})-(\d{1,2})\s+(\d{1,2}):(\d{2})\s*[-–~至到]\s*(\d{1,2}):(\d{2})\s*$"
)

ASK_KIND = N_("What kind of notice?")
ASK_AUDIENCE = N_("Who should receive it?")
WHOLE_ESTATE = N_("The whole estate")
ASK_TEXT = N_(
    "Write the notice in your own script; the other script is made for you and shown before "
    "sending."
)
ASK_PLACE = N_("Where are the works?")
ASK_WHEN = N_("When are the works? Write the day and the hours, e.g. 12-05 09:00-17:00")
BAD_WHEN = N_("Please write it like 12-05 09:00-17:00.")
IN_WORDS = N_("Please write it in words.")
PREVIEW_HEAD = N_("Preview. Residents reading Simplified see:")
PREVIEW_HANT = N_("Residents reading Traditional see:")
SEND_NOW = N_("Send now")
CANCEL = N_("Cancel")
SENDING = N_("Notice {id} is being sent; it goes out within a minute.")
CANCELLED = N_("Notice {id} is cancelled.")


class NoticeOp(StrEnum):
    KIND = "k"
    ESTATE = "e"
    BUILDING = "b"
    SEND = "s"
    CANCEL = "c"


@dataclass(frozen=True)
class NoticeStep(Payload, prefix="nt"):
    op: NoticeOp
    value: int  # the kind's place in CHAT_KINDS, a building's id, or the notice's id


async def _estate_id(ctx: Context) -> int:
    estates = await notices.estates_of_sender(ctx.uow, ctx.person_id)
    if not estates:
        raise PermissionDenied()
    return estates[0]


async def start(ctx: Context) -> None:
    await _estate_id(ctx)
    ctx.start_dialog(DIALOG, "kind")
    rows = [
        [Button(ctx.t(KIND_LABELS[kind]), NoticeStep(NoticeOp.KIND, n))]
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
    if payload.op is NoticeOp.SEND:
        report_to = None
        if ctx.inbound.message_id is not None:
            report_to = (ctx.inbound.chat_id, ctx.inbound.message_id, ctx.identity.id)
        notice = await notices.send_by(ctx.uow, payload.value, ctx.person_id, report_to)
        await ctx.edit(ctx.t(SENDING, id=notice.id))
        return
    if payload.op is NoticeOp.CANCEL:
        await notices.cancel_by(ctx.uow, payload.value, ctx.person_id)
        await ctx.edit(ctx.t(CANCELLED, id=payload.value))
        return
    estate_id = await _estate_id(ctx)
    if not ctx.in_dialog(DIALOG):
        raise InvalidPayload("no notice being written")
    if payload.op is NoticeOp.KIND:
        if not 0 <= payload.value < len(CHAT_KINDS):
            raise InvalidPayload("no such kind")
        ctx.remember(kind=CHAT_KINDS[payload.value].value)
        ctx.set_step("audience")
        rows = [[Button(ctx.t(WHOLE_ESTATE), NoticeStep(NoticeOp.ESTATE, 0))]]
        for building in await directory.list_buildings(ctx.uow, estate_id):
            rows.append(
                [Button(ctx.t.name(building.name), NoticeStep(NoticeOp.BUILDING, building.id))]
            )
        await ctx.edit(Reply(ctx.t(ASK_AUDIENCE), buttons=rows))
        return
    buildings: list[int] = []
    if payload.op is NoticeOp.BUILDING:
        known = {b.id for b in await directory.list_buildings(ctx.uow, estate_id)}
        if payload.value not in known:
            raise InvalidPayload("not a building of this estate")
        buildings = [payload.value]
    ctx.remember(buildings=buildings)
    ctx.set_step("text")
    await ctx.edit(ctx.t(ASK_TEXT))


@router.message(dialog=DIALOG)
async def on_text(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text:
        await ctx.reply(ctx.t(IN_WORDS))
        return
    step, kind = ctx.state.step, NoticeKind(ctx.state.data.get("kind", NoticeKind.EVENT))
    if step == "text":
        ctx.remember(text=text[:MAX_TEXT])
        if kind is NoticeKind.WORKS:
            ctx.set_step("place")
            await ctx.reply(ctx.t(ASK_PLACE))
            return
    elif step == "place":
        ctx.remember(place=text[:200])
        ctx.set_step("when")
        await ctx.reply(ctx.t(ASK_WHEN))
        return
    elif step == "when":
        if not await _remember_when(ctx, text):
            await ctx.reply(ctx.t(BAD_WHEN))
            return
    else:
        await ctx.reply(ctx.t(IN_WORDS))
        return
    await _preview(ctx)


async def _remember_when(ctx: Context, text: str) -> bool:
    found = WHEN.match(text)
    if found is None:
        return False
    estate = await directory.get_estate_by_id(ctx.uow, await _estate_id(ctx))
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
    estate_id = await _estate_id(ctx)
    starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
    notice = await notices.create(
        ctx.uow,
        NewNotice(
            estate_id=estate_id,
            kind=NoticeKind(data["kind"]),
            text=data["text"],
            locale=ctx.t.locale,
            audience=Audience(buildings=tuple(data.get("buildings") or ())),
            place=data.get("place"),
            starts_at=datetime.fromisoformat(starts_at) if starts_at else None,
            ends_at=datetime.fromisoformat(ends_at) if ends_at else None,
            created_by=ctx.person_id,
        ),
    )
    ctx.end_dialog()
    hans = notice_text(Translator("zh_Hans", notice.timezone), notice, validity=True)
    hant = notice_text(Translator("zh_Hant", notice.timezone), notice, validity=True)
    text = "\n\n".join([ctx.t(PREVIEW_HEAD), hans, ctx.t(PREVIEW_HANT), hant])
    buttons = [
        [
            Button(ctx.t(SEND_NOW), NoticeStep(NoticeOp.SEND, notice.id)),
            Button(ctx.t(CANCEL), NoticeStep(NoticeOp.CANCEL, notice.id)),
        ]
    ]
    await ctx.reply(Reply(text, buttons=buttons))

"""The preview's buttons: send a notice now, later (at a time the manager types, read in the
estate's time zone and confirmed back), or cancel it. Every press is checked in core against
the notice's estate and state; the message pressed then shows the progress, edited in place."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import InvalidPayload, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs.notice_time import parse_send_time
from core.i18n import N_, Translator
from core.services import notices
from core.services.notices import NoticeView

router = Router("notice_send")

DIALOG = "notice_at"

SEND_NOW = N_("Send now")
SEND_LATER = N_("Send later")
CANCEL = N_("Cancel")
CANCEL_NOTICE = N_("Cancel the notice")
CONFIRM = N_("Confirm")
SENDING = N_("Notice {id} is being sent; it goes out within a minute.")
CANCELLED = N_("Notice {id} is cancelled.")
ASK_AT = N_(
    "When should notice {id} go out? Write the day and time, e.g. 明天 9:00, 12-24 18:00 or "
    "2026-12-24 18:00 (the estate's local time)."
)
BAD_AT = N_(
    "Sorry, I could not read that time. Please write it like 明天 9:00, 12-24 18:00 or "
    "2026-12-24 18:00."
)
CONFIRM_AT = N_("Send notice {id} on {time}? Tap Confirm, or write another time.")
SCHEDULED = N_("Notice {id} will be sent on {time}.")


MAX_MINUTE = 100_000_000  # minutes since 1970: the year 2160


class SendOp(StrEnum):
    NOW = "n"
    LATER = "l"
    CANCEL = "c"


@dataclass(frozen=True)
class NoticeSend(Payload, prefix="ns"):
    op: SendOp
    notice_id: int


@dataclass(frozen=True)
class NoticeAt(Payload, prefix="na"):
    """Confirms sending at a moment (minutes since 1970, UTC): the press carries what it
    confirms, so an earlier confirmation pressed later still means what it said."""

    notice_id: int
    minute: int


def preview_buttons(ctx: Context, notice_id: int) -> list[list[Button]]:
    return [
        [
            Button(ctx.t(SEND_NOW), NoticeSend(SendOp.NOW, notice_id)),
            Button(ctx.t(SEND_LATER), NoticeSend(SendOp.LATER, notice_id)),
        ],
        [Button(ctx.t(CANCEL), NoticeSend(SendOp.CANCEL, notice_id))],
    ]


def _report_to(ctx: Context) -> tuple[int, int, int | None] | None:
    if ctx.inbound.message_id is None:
        return None
    return (ctx.inbound.chat_id, ctx.inbound.message_id, ctx.identity.id)


def _when(ctx: Context, notice: NoticeView, at: datetime) -> str:
    t = Translator(ctx.t.locale, notice.timezone)
    return f"{t.date(at.astimezone(ZoneInfo(notice.timezone)).date())} {t.time(at)}"


@router.button(NoticeSend)
async def on_send(ctx: Context, payload: NoticeSend) -> None:
    if payload.op is SendOp.NOW:
        notice = await notices.send_by(ctx.uow, payload.notice_id, ctx.person_id, _report_to(ctx))
        await ctx.edit(ctx.t(SENDING, id=notice.id))
    elif payload.op is SendOp.CANCEL:
        await notices.cancel_by(ctx.uow, payload.notice_id, ctx.person_id)
        if ctx.in_dialog(DIALOG):
            ctx.end_dialog()
        await ctx.edit(ctx.t(CANCELLED, id=payload.notice_id))
    else:
        notice = await notices.sender_of(ctx.uow, payload.notice_id, ctx.person_id)
        if notice.status not in (notices.NoticeStatus.DRAFT, notices.NoticeStatus.SCHEDULED):
            await ctx.reply(ctx.t("This notice can no longer be changed."))
            return
        ctx.start_dialog(DIALOG, "at", {"notice": notice.id})
        await ctx.reply(ctx.t(ASK_AT, id=notice.id))


@router.message(dialog=DIALOG)
async def on_time(ctx: Context) -> None:
    assert ctx.state is not None
    notice = await notices.sender_of(ctx.uow, int(ctx.state.data["notice"]), ctx.person_id)
    text = (ctx.inbound.text or "") if ctx.inbound.kind is Kind.TEXT else ""
    at = parse_send_time(text, ctx.uow.clock.now(), ZoneInfo(notice.timezone)) if text else None
    if at is None:
        await ctx.reply(ctx.t(BAD_AT))
        return
    if at <= ctx.uow.clock.now():
        await ctx.reply(ctx.t(notices.PAST))
        return
    confirm = NoticeAt(notice.id, int(at.timestamp()) // 60)
    buttons = [
        [Button(ctx.t(CONFIRM), confirm)],
        [Button(ctx.t(CANCEL_NOTICE), NoticeSend(SendOp.CANCEL, notice.id))],
    ]
    await ctx.reply(Reply(ctx.t(CONFIRM_AT, id=notice.id, time=_when(ctx, notice, at)), buttons))


@router.button(NoticeAt)
async def on_confirm(ctx: Context, payload: NoticeAt) -> None:
    if not 0 < payload.minute < MAX_MINUTE:
        raise InvalidPayload("no such time")
    at = datetime.fromtimestamp(payload.minute * 60, UTC)
    notice = await notices.send_by(
        ctx.uow, payload.notice_id, ctx.person_id, _report_to(ctx), at=at
    )
    if ctx.in_dialog(DIALOG) and ctx.state and ctx.state.data.get("notice") == notice.id:
        ctx.end_dialog()
    buttons = [[Button(ctx.t(CANCEL_NOTICE), NoticeSend(SendOp.CANCEL, notice.id))]]
    await ctx.edit(Reply(ctx.t(SCHEDULED, id=notice.id, time=_when(ctx, notice, at)), buttons))

"""Reports in chat, for the supervisors, managers and admins of an estate: /report (this month),
/report 2026-10, /report 2026Q4, /report last; the menu's Reports. The text, then the charts as
pictures and the workbook as a file (residents' phone numbers masked unless the reader is a
manager or admin). Each is recorded as an export with who asked."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from bot.conversation.context import Context
from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views.menus import Menu, MenuItem
from bot.views.report_messages import with_files
from bot.views.report_views import as_text
from core.errors import InvalidInput, PermissionDenied
from core.i18n import N_
from core.services import directory, reports

router = Router("reports")


@dataclass(frozen=True)
class ReportPick(Payload, prefix="rpt"):
    which: str  # "this" or "last" month


USAGE = N_(
    "Write /report for this month, /report last for last month, /report 2026-10 or /report 2026Q4."
)


async def show_report(ctx: Context, which: str) -> None:
    codes = await reports.estates_readable(ctx.uow, ctx.person_id)
    if not codes:
        raise PermissionDenied()
    for code in codes:
        estate = await directory.require_estate(ctx.uow, code)
        today = ctx.uow.clock.now().astimezone(ZoneInfo(estate.timezone)).date()
        try:
            if which in ("", "this"):
                period = reports.this_month(today)
            elif which == "last":
                period = reports.last_month(today)
            elif "q" in which.lower():
                period = reports.quarter(which)
            else:
                period = reports.month(which)
        except InvalidInput:
            await ctx.reply(ctx.t(USAGE))
            return
        report = await reports.build(ctx.uow, code, period, staff_figures=True)
        phones = await reports.may_see_phones(ctx.uow, ctx.person_id, code)
        raw = await reports.raw_orders(ctx.uow, code, period, reveal_phones=phones)
        what = "chat+xlsx+phones" if phones else "chat+xlsx"
        await reports.record_export(ctx.uow, code, period, what, person_id=ctx.person_id)
        await ctx.reply(
            Reply(
                as_text(ctx.t, report),
                buttons=[[Button(ctx.t("Last month"), ReportPick("last"))]]
                if which in ("", "this")
                else [],
            )
        )
        # Drawing the charts and writing the workbook is seconds of CPU on a big estate: in a
        # thread, so that the event loop goes on serving everybody else meanwhile.
        for reply in await asyncio.to_thread(with_files, ctx.t, report, raw):
            await ctx.reply(reply)


@router.command("report")
async def report_command(ctx: Context) -> None:
    await show_report(ctx, (ctx.inbound.args or "").strip())


@router.button(ReportPick)
async def on_pick(ctx: Context, payload: ReportPick) -> None:
    if payload.which not in ("this", "last"):
        raise PermissionDenied()
    await show_report(ctx, payload.which)


@router.button(Menu)
async def menu_item(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.REPORTS:
        return False
    await show_report(ctx, "")
    return True

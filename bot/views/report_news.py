"""The scheduled reports (core.routines.period_reports): each manager gets, in their own script,
the report's text, its charts as pictures and its workbook as a file (phone numbers shown:
managers may read them)."""

from __future__ import annotations

from bot.conversation.replies import Reply
from bot.views.audience import Audience
from bot.views.report_messages import with_files
from bot.views.report_views import as_text
from core.i18n import N_, Translator
from core.news import PeriodReportReady
from core.services import reports

MONTHLY = N_("Last month's report, sent on the first of each month:")
QUARTERLY = N_("Last quarter's report, sent on the first day of each quarter:")


async def period_report(audience: Audience, news: PeriodReportReady) -> None:
    period = reports.Period(news.first, news.last, news.label)
    uow = audience.uow
    report = await reports.build(uow, news.estate_code, period, staff_figures=True)
    raw = await reports.raw_orders(uow, news.estate_code, period, reveal_phones=True)
    intro = QUARTERLY if "Q" in news.label else MONTHLY
    drawn: dict[str, list[Reply]] = {}  # per script: the charts are drawn once

    def build(t: Translator) -> list[Reply]:
        if t.locale not in drawn:
            text = f"{t(intro)}\n\n{as_text(t, report)}"
            drawn[t.locale] = [Reply(text), *with_files(t, report, raw)]
        return drawn[t.locale]

    for manager in news.managers:
        await audience.person_messages(manager, build)

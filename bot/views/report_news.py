"""The scheduled reports (core.routines.period_reports): each manager gets, in their own script,
the report's text, its charts as pictures and its workbook as a file (phone numbers shown:
managers may read them)."""

from __future__ import annotations

import asyncio

from bot.conversation.replies import Reply
from bot.views.audience import Audience
from bot.views.report_messages import with_files
from bot.views.report_views import as_text
from core.i18n import LOCALES, N_, Translator
from core.news import PeriodReportReady
from core.services import reports

MONTHLY = N_("Last month's report, sent on the first of each month:")
QUARTERLY = N_("Last quarter's report, sent on the first day of each quarter:")


async def period_report(audience: Audience, news: PeriodReportReady) -> None:
    if not news.managers:
        return
    period = reports.Period(news.first, news.last, news.label)
    uow = audience.uow
    report = await reports.build(uow, news.estate_code, period, staff_figures=True)
    raw = await reports.raw_orders(uow, news.estate_code, period, reveal_phones=True)
    intro = QUARTERLY if "Q" in news.label else MONTHLY

    def draw(t: Translator) -> list[Reply]:
        return [Reply(f"{t(intro)}\n\n{as_text(t, report)}"), *with_files(t, report, raw)]

    # Once per script, in a thread: seconds of CPU (charts, workbook) on a big estate that the
    # event loop would otherwise spend away from everybody else.
    drawn = {locale: await asyncio.to_thread(draw, Translator(locale)) for locale in LOCALES}

    def build(t: Translator) -> list[Reply]:
        return drawn[t.locale]

    for manager in news.managers:
        await audience.person_messages(manager, build)

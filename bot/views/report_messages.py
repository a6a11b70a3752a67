"""A report as it reaches a chat: the text, each chart as a picture, and the workbook as a
file; the same for a report asked for in chat and for the scheduled ones."""

from __future__ import annotations

from bot.conversation.replies import Reply
from bot.views import charts, report_views
from core.enums import UploadKind
from core.i18n import Translator
from core.services.outbox import OutgoingFile
from core.services.reports import RawOrder, Report


def file_stem(report: Report) -> str:
    return f"{report.estate_code}-{report.period.label}".replace("–", "_")


def with_files(t: Translator, report: Report, raw: list[RawOrder]) -> list[Reply]:
    """After the text: one message per chart (its title as the caption), then the workbook."""
    stem = file_stem(report)
    replies = [
        Reply(
            chart.title,
            files=[
                OutgoingFile(UploadKind.PHOTO, f"{stem}-{chart.name}.png", charts.png(chart.figure))
            ],
        )
        for chart in charts.charts(t, report)
    ]
    workbook = report_views.as_xlsx(t, report, raw)
    replies.append(
        Reply(
            t("The report as a workbook: {heading}", heading=report_views.heading(t, report)),
            files=[OutgoingFile(UploadKind.DOCUMENT, f"{stem}.xlsx", workbook)],
        )
    )
    return replies

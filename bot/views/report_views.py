"""A report as people read it: translated tables, as chat text, CSV and an XLSX workbook (one
sheet per table, plus the raw orders behind them with phone numbers masked)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from bot.views.desk_views import duration
from bot.views.labels import KIND_LABELS, PRIORITY_LABELS, STATUS_LABELS
from core.enums import OrderStatus, Priority
from core.i18n import N_, Translator, pick_name
from core.lifecycle import Action
from core.services.reports import RawOrder, Report

Cell = str | int | Decimal

LIMIT_LABELS = {
    OrderStatus.REGISTERED: N_("Dispatch"),
    OrderStatus.DISPATCHED: N_("Acceptance"),
    OrderStatus.ACCEPTED: N_("Arrival"),
    OrderStatus.ON_SITE: N_("Completion"),
}
STEP_LABELS = {
    Action.DISPATCH: N_("To dispatch"),
    Action.ACCEPT: N_("To acceptance"),
    Action.ARRIVE: N_("To arrival"),
    Action.COMPLETE: N_("To completion"),
}


@dataclass(frozen=True)
class Table:
    title: str
    header: list[str]
    rows: list[list[Cell]]


def share(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def span(t: Translator, value: timedelta | None) -> str:
    return "—" if value is None else duration(t, value)


def tables(t: Translator, report: Report) -> list[Table]:
    """The report's tables, translated; the staff figures only when the report carries them."""
    result = [
        Table(
            t("Summary"),
            [t("Figure"), t("Value")],
            [
                [t("Orders"), report.orders],
                [t("Completed"), report.completed],
                [t("Reopened"), report.reopened],
                [t("Reopen rate"), share(report.reopen_rate)],
                [t("Callback coverage (within two days)"), share(report.callback_coverage)],
                [t("Satisfaction rate"), share(report.satisfaction_rate)],
            ],
        ),
        Table(
            t("Orders by type and category"),
            [t("Type"), t("Category"), t("Orders")],
            [
                [
                    t(KIND_LABELS[k.kind]),
                    pick_name(t.locale, *k.category) if k.category else "—",
                    k.orders,
                ]
                for k in report.by_kind
            ],
        ),
        Table(
            t("On time against the time limits"),
            [t("Time limit"), t("Orders"), t("Late"), t("On time")],
            [
                [t(LIMIT_LABELS[r.status]), r.reached, r.late, share(r.on_time)]
                for r in report.limits
            ],
        ),
        Table(
            t("Time from registration"),
            [t("Step"), t("Orders"), t("Median"), t("90th percentile")],
            [
                [t(STEP_LABELS[s.step]), s.orders, span(t, s.median), span(t, s.p90)]
                for s in report.steps
            ],
        ),
        Table(
            t("Complaints by team"),
            [t("Team"), t("Complaints")],
            [[t.name(c.team) if c.team else t("No team"), c.complaints] for c in report.complaints],
        ),
        Table(
            t("Complaints by subject and team"),
            [t("Subject"), t("Team"), t("Complaints")],
            [
                [
                    pick_name(t.locale, *c.subject) if c.subject else t("No subject"),
                    t.name(c.team) if c.team else t("No team"),
                    c.complaints,
                ]
                for c in report.complaint_subjects
            ],
        ),
        Table(
            t("Satisfaction by month"),
            [t("Month"), t("Callbacks answered"), t("Satisfied"), t("Satisfaction rate")],
            [[m.month, m.answered, m.satisfied, share(m.rate)] for m in report.trend],
        ),
        Table(
            t("Time to completion by week"),
            [t("Week of"), t("Orders"), t("Mean")],
            [[t.date(w.week), w.orders, span(t, w.mean)] for w in report.weeks],
        ),
        Table(
            t("Fees collected per worker and day"),
            [t("Day"), t("Collected by"), t("Orders"), t("Total")],
            [[t.date(f.day), _name(t, f.worker), f.orders, f.total] for f in report.fees],
        ),
    ]
    if report.staff is not None:
        result.append(
            Table(
                t("Staff figures"),
                [
                    t("Worker"),
                    t("Jobs"),
                    t("Completed"),
                    t("On time"),
                    t("Disputes"),
                    t("Reopened"),
                ],
                [
                    [
                        _name(t, w.worker),
                        w.jobs,
                        w.completed,
                        share(w.on_time_share),
                        w.disputes,
                        w.reopened,
                    ]
                    for w in report.staff
                ],
            )
        )
    return result


def raw_table(t: Translator, raw: list[RawOrder]) -> Table:
    return Table(
        t("Orders"),
        [
            t("Order number"),
            t("Registered"),
            t("Type"),
            t("Category"),
            t("Status"),
            t("Urgency"),
            t("Home"),
            t("Place"),
            t("Worker"),
            t("Phone"),
            t("Fee"),
        ],
        [
            [
                r.number,
                t.short_datetime(r.created_at),
                t(KIND_LABELS[r.kind]),
                pick_name(t.locale, *r.category) if r.category else "",
                t(STATUS_LABELS[r.status]),
                t(PRIORITY_LABELS[Priority(r.priority)]),
                t.name(r.home) if r.home else "",
                r.place or "",
                t.name(r.worker) if r.worker else "",
                r.phone or "",
                r.fee if r.fee is not None else "",
            ]
            for r in raw
        ],
    )


def _name(t: Translator, name: str | None) -> str:
    return t.name(name) if name else "—"


def _cell(value: Cell) -> str:
    return f"{value:.2f}" if isinstance(value, Decimal) else str(value)


def heading(t: Translator, report: Report) -> str:
    return t(
        "Report of {estate}, {period}",
        estate=t.name(report.estate_name),
        period=report.period.label,
    )


def as_text(t: Translator, report: Report) -> str:
    """For the chat and the terminal: each table's lines, cells joined by " · "."""
    lines = [heading(t, report)]
    for table in tables(t, report):
        lines += ["", f"【{table.title}】"]
        if not table.rows:
            lines.append(t("(none)"))
            continue
        lines.append(" · ".join(table.header))
        lines += [" · ".join(_cell(c) for c in row) for row in table.rows]
    return "\n".join(lines) + "\n"


def as_csv(t: Translator, report: Report, raw: list[RawOrder]) -> str:
    """Every table one after the other, each under its title, then the raw orders."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([heading(t, report)])
    for table in [*tables(t, report), raw_table(t, raw)]:
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        writer.writerows([[_cell(c) for c in row] for row in table.rows])
    return out.getvalue()


def as_xlsx(t: Translator, report: Report, raw: list[RawOrder]) -> bytes:
    """One sheet per table plus the raw orders; counts and money as numbers. Written in
    openpyxl's write-only mode: each row goes out as it is appended, no cell objects are kept
    (a third faster for a month of a large estate, bench/RESULTS.md)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    bold = Font(bold=True)
    used: set[str] = set()
    for table in [*tables(t, report), raw_table(t, raw)]:
        name = table.title[:31]
        while name in used:
            name = name[:29] + str(len(used))
        used.add(name)
        sheet = book.create_sheet(name)
        # A write-only sheet takes its column widths before its first row.
        for index, header in enumerate(table.header, start=1):
            width = max([len(str(header)) * 2, *(len(_cell(r[index - 1])) for r in table.rows)])
            sheet.column_dimensions[get_column_letter(index)].width = min(width + 2, 40)
        heading = []
        for header in table.header:
            cell = WriteOnlyCell(sheet, value=header)
            cell.font = bold
            heading.append(cell)
        sheet.append(heading)
        for row in table.rows:
            sheet.append([float(c) if isinstance(c, Decimal) else c for c in row])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()

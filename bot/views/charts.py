"""Charts drawn with matplotlib, in the reader's script: the Pareto charts (排列图) of the orders'
categories and of the complaints' subjects, the weekly control chart of completion times (mean
and ±3σ limits), and the satisfaction trend. The CJK font comes with the install (the
noto-cjk-sans-otc package, Noto Sans CJK, SIL Open Font License), never from a download at run
time."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING

from bot.views.labels import KIND_LABELS
from core.i18n import Translator, pick_name
from core.services.reports import Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

BAR, LINE, LIMIT, OUT = "#4C78A8", "#E45756", "#9D755D", "#D62728"


@cache
def cjk_font() -> tuple[str, str]:
    """Registers the packaged Noto Sans CJK with matplotlib; returns (family name, file)."""
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    path = str(FONT_PATH)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name(), path


@dataclass(frozen=True)
class Chart:
    name: str  # the file name's stem: pareto-categories, control-chart, …
    title: str  # also the photo's caption
    figure: Figure


def pareto_items(t: Translator, report: Report) -> list[tuple[str, int]]:
    """Each category (or the order's type where it has none) with its orders, most first."""
    counts: dict[str, int] = {}
    for k in report.by_kind:
        name = pick_name(t.locale, *k.category) if k.category else t(KIND_LABELS[k.kind])
        counts[name] = counts.get(name, 0) + k.orders
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def complaint_items(t: Translator, report: Report) -> list[tuple[str, int]]:
    """Each complaint subject with its complaints (every team together), most first."""
    counts: dict[str, int] = {}
    for c in report.complaint_subjects:
        name = pick_name(t.locale, *c.subject) if c.subject else t("No subject")
        counts[name] = counts.get(name, 0) + c.complaints
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def _new_figure() -> Figure:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    return Figure(figsize=(8, 4.5), dpi=120)


def _title(t: Translator, report: Report, what: str) -> str:
    return t("{chart}, {estate}, {period}", chart=what, estate=t.name(report.estate_name),
             period=report.period.label)  # fmt: skip


def pareto_figure(t: Translator, items: list[tuple[str, int]], title: str, unit: str) -> Figure:
    """Bars of the counts, most first, with the cumulative share as a line."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    family, _ = cjk_font()
    names = [name for name, _ in items]
    counts = [count for _, count in items]
    total = sum(counts) or 1
    cumulative, running = [], 0
    for count in counts:
        running += count
        cumulative.append(running / total * 100)
    figure = _new_figure()
    axes = figure.add_subplot()
    axes.bar(range(len(names)), counts, color=BAR)
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right", fontfamily=family)
    axes.set_ylabel(unit, fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    line = axes.twinx()
    line.plot(range(len(names)), cumulative, color=LINE, marker="o")
    line.set_ylim(0, 105)
    line.yaxis.set_major_formatter(PercentFormatter())
    axes.set_title(title, fontfamily=family)
    figure.tight_layout()
    return figure


def control_figure(t: Translator, report: Report, title: str) -> Figure:
    """Each week's mean time to completion (hours), the centre line (the mean of every
    completion time) and the week's limits at ±3σ/√n (σ of single completion times); a week
    outside its limits is marked."""
    family, _ = cjk_font()
    limits = report.completion_limits()
    assert limits is not None
    centre = limits[0].total_seconds() / 3600
    sigma = limits[1].total_seconds() / 3600
    labels = [w.week.strftime("%m-%d") for w in report.weeks]
    means = [w.mean.total_seconds() / 3600 for w in report.weeks]
    upper = [centre + 3 * sigma / math.sqrt(w.orders) for w in report.weeks]
    lower = [max(centre - 3 * sigma / math.sqrt(w.orders), 0.0) for w in report.weeks]
    xs = list(range(len(labels)))
    figure = _new_figure()
    axes = figure.add_subplot()
    axes.plot(xs, means, color=BAR, marker="o", label=t("Weekly mean"))
    axes.axhline(centre, color="#54A24B", label=t("Mean"))
    axes.step(xs, upper, where="mid", color=LIMIT, linestyle="--", label=t("Mean ± 3σ"))
    axes.step(xs, lower, where="mid", color=LIMIT, linestyle="--")
    outside = [(x, m) for x, m, hi, lo in zip(xs, means, upper, lower, strict=True)
               if m > hi or m < lo]  # fmt: skip
    if outside:
        axes.scatter(*zip(*outside, strict=True), color=OUT, zorder=3, s=60)
    axes.set_xticks(xs, labels, fontfamily=family)
    axes.set_xlabel(t("Week of"), fontfamily=family)
    axes.set_ylabel(t("Hours to completion"), fontfamily=family)
    axes.set_ylim(bottom=0)
    axes.legend(prop={"family": family})
    axes.set_title(title, fontfamily=family)
    figure.tight_layout()
    return figure


def satisfaction_figure(t: Translator, report: Report, title: str) -> Figure:
    """The satisfaction rate of each month (a gap where nobody answered), answers as bars."""
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    family, _ = cjk_font()
    months = [m.month for m in report.trend]
    xs = list(range(len(months)))
    figure = _new_figure()
    axes = figure.add_subplot()
    axes.bar(xs, [m.answered for m in report.trend], color="#BAB0AC",
             label=t("Callbacks answered"))  # fmt: skip
    axes.set_ylabel(t("Callbacks answered"), fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.set_xticks(xs, months)
    rate = axes.twinx()
    rates = [m.rate * 100 if m.rate is not None else math.nan for m in report.trend]
    rate.plot(xs, rates, color=LINE, marker="o", label=t("Satisfaction rate"))
    rate.set_ylim(0, 105)
    rate.yaxis.set_major_formatter(PercentFormatter())
    rate.set_ylabel(t("Satisfaction rate"), fontfamily=family)
    axes.set_title(title, fontfamily=family)
    figure.tight_layout()
    return figure


def charts(t: Translator, report: Report) -> list[Chart]:
    """The report's charts, those it has data for: the Pareto chart of categories, of the
    complaints' subjects, the weekly control chart, the satisfaction trend."""
    result = []
    if report.orders:
        title = _title(t, report, t("Pareto chart of categories"))
        figure = pareto_figure(t, pareto_items(t, report), title, t("Orders"))
        result.append(Chart("pareto-categories", title, figure))
    if report.complaint_subjects:
        title = _title(t, report, t("Pareto chart of complaint subjects"))
        figure = pareto_figure(t, complaint_items(t, report), title, t("Complaints"))
        result.append(Chart("pareto-complaints", title, figure))
    if report.weeks:
        title = _title(t, report, t("Control chart of completion times by week"))
        result.append(Chart("control-chart", title, control_figure(t, report, title)))
    if any(m.answered for m in report.trend):
        title = _title(t, report, t("Satisfaction trend"))
        result.append(Chart("satisfaction", title, satisfaction_figure(t, report, title)))
    return result


def png(figure: Figure) -> bytes:
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


def pareto_png(t: Translator, report: Report) -> bytes:
    """The Pareto chart of categories (the command's --chart)."""
    title = _title(t, report, t("Pareto chart of categories"))
    return png(pareto_figure(t, pareto_items(t, report), title, t("Orders")))

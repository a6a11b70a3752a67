"""Charts drawn with matplotlib, in the reader's script: the Pareto chart (排列图) of the orders'
categories. The CJK font comes with the install (the noto-cjk-sans-otc package, Noto Sans CJK,
SIL Open Font License), never from a download at run time."""

from __future__ import annotations

import io
from functools import cache

from bot.views.labels import KIND_LABELS
from core.i18n import Translator, pick_name
from core.services.reports import Report


@cache
def cjk_font() -> tuple[str, str]:
    """Registers the packaged Noto Sans CJK with matplotlib; returns (family name, file)."""
    from matplotlib import font_manager
    from noto_cjk_sans_otc import FONT_PATH

    path = str(FONT_PATH)
    font_manager.fontManager.addfont(path)
    return font_manager.FontProperties(fname=path).get_name(), path


def pareto_items(t: Translator, report: Report) -> list[tuple[str, int]]:
    """Each category (or the order's type where it has none) with its orders, most first."""
    counts: dict[str, int] = {}
    for k in report.by_kind:
        name = pick_name(t.locale, *k.category) if k.category else t(KIND_LABELS[k.kind])
        counts[name] = counts.get(name, 0) + k.orders
    return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def pareto_png(t: Translator, report: Report) -> bytes:
    """Bars of the orders per category, most first, with the cumulative share as a line."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator, PercentFormatter

    family, _ = cjk_font()
    items = pareto_items(t, report)
    names = [name for name, _ in items]
    counts = [count for _, count in items]
    total = sum(counts) or 1
    cumulative, running = [], 0
    for count in counts:
        running += count
        cumulative.append(running / total * 100)

    figure = Figure(figsize=(8, 4.5), dpi=120)
    axes = figure.add_subplot()
    axes.bar(range(len(names)), counts, color="#4C78A8")
    axes.set_xticks(range(len(names)), names, rotation=30, ha="right", fontfamily=family)
    axes.set_ylabel(t("Orders"), fontfamily=family)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    line = axes.twinx()
    line.plot(range(len(names)), cumulative, color="#E45756", marker="o")
    line.set_ylim(0, 105)
    line.yaxis.set_major_formatter(PercentFormatter())
    axes.set_title(
        t("Pareto chart of categories, {estate}, {period}", estate=t.name(report.estate_name),
          period=report.period.label),
        fontfamily=family,
    )  # fmt: skip
    figure.tight_layout()
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()

"""The report's figures from a known set of orders, compared with numbers worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy import select

from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import OrderKind, OrderStatus
from core.errors import InvalidInput
from core.lifecycle import Action, Actor
from core.models import Base, Category
from core.services import directory, dispatch, importer, jobs, orders, reports
from core.services.jobs import CompletionReport
from core.services.orders import NewOrder
from core.uow import UnitOfWorkFactory

SAMPLE = Path(__file__).resolve().parent.parent / "examples" / "estate.csv"
T0 = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # Monday 09:00 in Shanghai
MIN = timedelta(minutes=1)


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


class Story:
    def __init__(self, uows: UnitOfWorkFactory) -> None:
        self.uows = uows
        self.clock: FakeClock = uows.clock  # type: ignore[assignment]

    async def setup(self) -> None:
        async with self.uows() as uow:
            estate = await directory.require_estate(uow, "BX")
            self.estate_id = estate.id
            unit = await directory.find_unit(uow, estate.id, "1栋", "101")
            assert unit is not None
            self.unit_id = unit.id
            self.zhang = await directory.staff_person(uow, estate.id, "13800000001")
            self.desk = await directory.staff_person(uow, estate.id, "13800000003")
            self.supervisor = await directory.staff_person(uow, estate.id, "13800000004")
            cats = list(
                await uow.session.scalars(
                    select(Category)
                    .where(
                        Category.estate_id == estate.id,
                        Category.kind == str(OrderKind.IN_HOME_REPAIR),
                    )
                    .order_by(Category.sort, Category.id)
                )
            )
            self.x, self.y = [(c.id, c.name_hans) for c in cats[:2]]

    async def at(self, moment: datetime, step) -> None:
        self.clock.set(moment)
        async with self.uows() as uow:
            await step(uow)
            uow.take_news()
            await uow.commit()

    async def register(self, moment: datetime, kind: OrderKind, category=None) -> int:
        ids: list[int] = []

        async def step(uow) -> None:
            new = NewOrder(
                self.estate_id,
                kind,
                "x",
                None,
                unit_id=self.unit_id,
                category_id=category[0] if category else None,
            )
            ids.append((await orders.register(uow, new, Actor.system())).id)

        await self.at(moment, step)
        return ids[0]

    async def job(self, order_id: int, minutes: tuple[int, int, int, int], fee: str | None) -> None:
        """Dispatched, accepted, arrived, completed `minutes` after T0."""
        d, a, r, c = minutes

        async def dispatched(uow) -> None:
            await dispatch.dispatch(uow, order_id, self.zhang, self.desk)

        async def accepted(uow) -> None:
            await jobs.accept(uow, order_id, self.zhang)

        async def arrived(uow) -> None:
            await jobs.arrive(uow, order_id, self.zhang)

        async def completed(uow) -> None:
            report = CompletionReport("done", fee=Decimal(fee) if fee else None, after=("p",))
            await jobs.complete(uow, order_id, self.zhang, report)

        await self.at(T0 + d * MIN, dispatched)
        await self.at(T0 + a * MIN, accepted)
        await self.at(T0 + r * MIN, arrived)
        await self.at(T0 + c * MIN, completed)


async def november(uows: UnitOfWorkFactory) -> Story:
    """The known set of orders: A, B and D repairs done by 张师傅 (B late to dispatch, D
    reopened), a complaint, an inquiry on 1 November and one on 31 October (local time)."""
    story = Story(uows)
    await story.setup()
    a = await story.register(T0, OrderKind.IN_HOME_REPAIR, story.x)
    b = await story.register(T0, OrderKind.IN_HOME_REPAIR, story.x)
    await story.register(T0, OrderKind.COMPLAINT)
    d = await story.register(T0, OrderKind.IN_HOME_REPAIR, story.y)
    # 20:00 on 31 October in Shanghai: last month. 00:30 on 1 November: this month.
    await story.register(datetime(2026, 10, 31, 12, 0, tzinfo=UTC), OrderKind.INQUIRY)
    await story.register(datetime(2026, 10, 31, 16, 30, tzinfo=UTC), OrderKind.INQUIRY)

    async def remind_b(uow) -> None:  # B waited past its 30 minutes for dispatch
        await orders.act(uow, b, Action.REMIND, Actor.system(), "overdue: registered")

    await story.at(T0 + 35 * MIN, remind_b)
    await story.job(a, (10, 20, 60, 120), "50")  # collected by the worker at once
    await story.job(b, (40, 50, 180, 300), "150")  # at the threshold: waits for a supervisor

    async def collect_b(uow) -> None:
        await jobs.collect_fee(uow, b, story.supervisor)

    await story.at(T0 + 360 * MIN, collect_b)
    await story.job(d, (20, 25, 40, 60), None)

    async def confirm_and_reopen_d(uow) -> None:
        await orders.act(uow, d, Action.CONFIRM, Actor.system())
        await orders.act(uow, d, Action.REOPEN, Actor.system(), "leaks again")

    await story.at(T0 + 120 * MIN, confirm_and_reopen_d)

    return story


async def test_monthly_figures_match_the_hand_count(uows: UnitOfWorkFactory) -> None:
    story = await november(uows)
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=True)

    assert report.orders == 5  # A, B, the complaint, D, the inquiry of 1 November
    kinds = {(k.kind, k.category[0] if k.category else None): k.orders for k in report.by_kind}
    assert kinds == {
        (OrderKind.IN_HOME_REPAIR, story.x[1]): 2,
        (OrderKind.IN_HOME_REPAIR, story.y[1]): 1,
        (OrderKind.COMPLAINT, None): 1,
        (OrderKind.INQUIRY, None): 1,
    }
    limits = {rate.status: (rate.reached, rate.late) for rate in report.limits}
    assert limits == {
        OrderStatus.REGISTERED: (5, 1),  # B was late to dispatch
        OrderStatus.DISPATCHED: (3, 0),
        OrderStatus.ACCEPTED: (3, 0),
        OrderStatus.ON_SITE: (3, 0),
    }
    assert report.limits[0].on_time == pytest.approx(0.8)
    steps = {s.step: (s.orders, s.median, s.p90) for s in report.steps}
    assert (
        steps
        == {  # minutes: dispatch 10/40/20, accept 20/50/25, arrive 60/180/40, done 120/300/60
            Action.DISPATCH: (3, 20 * MIN, 40 * MIN),
            Action.ACCEPT: (3, 25 * MIN, 50 * MIN),
            Action.ARRIVE: (3, 60 * MIN, 180 * MIN),
            Action.COMPLETE: (3, 120 * MIN, 300 * MIN),
        }
    )
    assert (report.completed, report.reopened) == (3, 1)
    assert report.reopen_rate == pytest.approx(1 / 3)
    assert [(c.team, c.complaints) for c in report.complaints] == [(None, 1)]
    fees = {(f.worker_id, f.day): (f.orders, f.total) for f in report.fees}
    assert fees == {
        (story.zhang, date(2026, 11, 23)): (1, Decimal("50.00")),
        (story.supervisor, date(2026, 11, 23)): (1, Decimal("150.00")),
    }
    assert report.staff is not None
    [zhang] = report.staff
    assert (zhang.worker_id, zhang.worker) == (story.zhang, "张师傅")
    # Three jobs done; B passed a time limit; D (reopened) still counts as his.
    assert (zhang.jobs, zhang.completed, zhang.on_time, zhang.disputes, zhang.reopened) == (
        3,
        3,
        2,
        0,
        1,
    )

    async with uows() as uow:
        october = await reports.build(uow, "BX", reports.month("2026-10"), staff_figures=False)
        raw = await reports.raw_orders(uow, "BX", reports.month("2026-11"))
    assert october.orders == 1 and october.staff is None and october.fees == []
    assert len(raw) == 5 and all(r.phone is None or "*" in r.phone for r in raw)


async def test_a_fee_collected_late_in_the_evening_counts_on_the_local_day(
    uows: UnitOfWorkFactory,
) -> None:
    story = Story(uows)
    await story.setup()
    order = await story.register(T0, OrderKind.IN_HOME_REPAIR, story.x)
    # 23:30 in Shanghai on the 23rd is 15:30 UTC; 00:30 on the 24th is 16:30 UTC.
    await story.job(order, (1, 2, 3, 14 * 60 + 30), "20")
    second = await story.register(T0, OrderKind.IN_HOME_REPAIR, story.x)
    await story.job(second, (1, 2, 3, 15 * 60 + 30), "30")
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=False)
    assert [(f.day, f.total) for f in report.fees] == [
        (date(2026, 11, 23), Decimal("20.00")),
        (date(2026, 11, 24), Decimal("30.00")),
    ]


def test_periods() -> None:
    assert reports.month("2026-11") == reports.Period(
        date(2026, 11, 1), date(2026, 11, 30), "2026-11"
    )
    assert reports.month("2026-12").last == date(2026, 12, 31)
    assert reports.quarter("2026Q4") == reports.Period(
        date(2026, 10, 1), date(2026, 12, 31), "2026Q4"
    )
    assert reports.quarter("2027q1").last == date(2027, 3, 31)
    assert reports.last_month(date(2027, 1, 15)).label == "2026-12"
    start, end = reports.month("2026-11").bounds("Asia/Shanghai")
    assert start == datetime(2026, 10, 31, 16, 0, tzinfo=UTC)
    assert end == datetime(2026, 11, 30, 16, 0, tzinfo=UTC)
    for bad in ("2026-13", "2026/11", "nov"):
        with pytest.raises(InvalidInput):
            reports.month(bad)
    with pytest.raises(InvalidInput):
        reports.quarter("2026Q5")
    assert reports.percentile([MIN * n for n in range(1, 11)], 0.9) == 9 * MIN
    assert reports.median([MIN, 3 * MIN, 2 * MIN, 4 * MIN]) == 2.5 * MIN


# --- the report as text, CSV and a workbook; the command; every export recorded ----------------


async def test_workbook_opens_and_its_sums_match(uows: UnitOfWorkFactory) -> None:
    import io

    from openpyxl import load_workbook

    from bot.views import report_views
    from core.i18n import Translator

    await november(uows)
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=True)
        raw = await reports.raw_orders(uow, "BX", reports.month("2026-11"))
    for locale, fees_title, staff_title in (
        ("zh_Hans", "每人每日收取费用", "员工考核数据"),
        ("zh_Hant", "每人每日收取費用", "員工考核數據"),
    ):
        t = Translator(locale, "Asia/Shanghai")
        book = load_workbook(io.BytesIO(report_views.as_xlsx(t, report, raw)))
        assert fees_title in book.sheetnames and staff_title in book.sheetnames
        assert len(book.sheetnames) == 11  # ten tables and the raw orders
        fees = list(book[fees_title].iter_rows(min_row=2, values_only=True))
        assert sum(row[3] for row in fees) == 200.0 and sum(row[2] for row in fees) == 2
        kinds = list(book[book.sheetnames[1]].iter_rows(min_row=2, values_only=True))
        assert sum(row[2] for row in kinds) == 5
        orders_sheet = book[book.sheetnames[-1]]
        assert orders_sheet.max_row == 1 + 5
        text = report_views.as_text(t, report)
        assert "20分钟" in text or "20分鐘" in text  # the median time to dispatch
        assert "33.3%" in text  # reopen rate: 1 of 3 completed
        csv_text = report_views.as_csv(t, report, raw)
        assert csv_text.count("BX-") == 5

    # A report without staff figures has no staff sheet.
    async with uows() as uow:
        bare = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=False)
    t = Translator("zh_Hans", "Asia/Shanghai")
    assert "员工考核数据" not in report_views.as_text(t, bare)


async def test_exports_are_recorded_and_only_for_those_who_may_read(
    uows: UnitOfWorkFactory,
) -> None:
    from core.errors import PermissionDenied
    from core.models import ReportExport

    story = await november(uows)
    period = reports.month("2026-11")
    async with uows() as uow:
        assert await reports.may_read(uow, story.supervisor, "BX")
        assert not await reports.may_read(uow, story.zhang, "BX")
        assert not await reports.may_read(uow, story.desk, "BX")  # dispatchers do not
        await reports.record_export(uow, "BX", period, "chat", person_id=story.supervisor)
        await reports.record_export(uow, "BX", period, "xlsx", asked_by="ops")
        with pytest.raises(PermissionDenied):
            await reports.record_export(uow, "BX", period, "chat", person_id=story.zhang)
        await uow.commit()
    async with uows() as uow:
        rows = list(await uow.session.scalars(select(ReportExport).order_by(ReportExport.id)))
        seen = [(r.person_id, r.asked_by, r.what, r.period, r.at) for r in rows]
    at = T0 + 120 * MIN  # the clock of the story's last step
    assert seen == [
        (story.supervisor, None, "chat", "2026-11", at),
        (None, "ops", "xlsx", "2026-11", at),
    ]


def test_cli_report_in_every_format(db_url: str, tmp_path: Path, monkeypatch) -> None:
    import asyncio

    from openpyxl import load_workbook
    from typer.testing import CliRunner

    from bot.cli.admin import admin_app
    from core.models import ReportExport

    key = new_key()

    async def prepare() -> None:
        engine = create_engine(db_url)
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        factory = UnitOfWorkFactory(session_factory(engine), FakeClock(T0), Cipher(key))
        async with factory() as uow:
            await importer.import_csv(uow, SAMPLE.read_bytes())
            await uow.commit()
        await november(factory)
        await engine.dispose()

    async def exports() -> list[str]:
        engine = create_engine(db_url)
        factory = UnitOfWorkFactory(session_factory(engine), FakeClock(T0), Cipher(key))
        async with factory() as uow:
            rows = list(await uow.session.scalars(select(ReportExport).order_by(ReportExport.id)))
            seen = [f"{r.what} {r.period} {bool(r.asked_by)}" for r in rows]
        await engine.dispose()
        return seen

    asyncio.run(prepare())
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", db_url)
    monkeypatch.setenv("DATA_KEY", key)
    runner = CliRunner()
    result = runner.invoke(admin_app, ["report", "--estate", "bx", "--month", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "碧溪花园统计报表（2026-11）" in result.stdout and "张师傅" in result.stdout
    out = tmp_path / "q4.xlsx"
    result = runner.invoke(
        admin_app,
        ["report", "--estate", "BX", "--quarter", "2026Q4", "--format", "xlsx", "--out", str(out),
         "--locale", "zh_Hant"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    book = load_workbook(out)
    assert book[book.sheetnames[-1]].max_row == 1 + 6  # both inquiries fall in the quarter
    pareto, folder = tmp_path / "pareto.png", tmp_path / "charts"
    result = runner.invoke(
        admin_app,
        ["report", "--estate", "BX", "--month", "2026-11", "--chart", str(pareto), "--charts",
         str(folder)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert pareto.read_bytes().startswith(b"\x89PNG")
    assert sorted(p.name for p in folder.iterdir()) == [
        "control-chart.png",
        "pareto-categories.png",
        "pareto-complaints.png",
    ]
    result = runner.invoke(
        admin_app,
        ["report", "--estate", "BX", "--from", "2026-11-01", "--to", "2026-11-01", "--format",
         "csv"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert result.stdout.count("BX-") == 1  # the inquiry of 1 November only
    assert "13800000" not in result.stdout
    result = runner.invoke(admin_app, ["report", "--estate", "BX", "--month", "2026-13"])
    assert result.exit_code != 0
    assert asyncio.run(exports()) == [
        "text 2026-11 True",
        "xlsx 2026Q4 True",
        "text 2026-11 True",
        "csv 2026-11-01–2026-11-01 True",
    ]


async def test_every_chart_renders_every_glyph_in_both_scripts(uows: UnitOfWorkFactory) -> None:
    """No missing-glyph box: the packaged font maps every character of every text drawn on the
    four charts, matplotlib warns of no missing glyph, and each image is a PNG; the Pareto
    bars are sorted most first."""
    import logging
    import warnings

    from matplotlib.ft2font import FT2Font
    from matplotlib.text import Text

    from bot.views import charts
    from core.i18n import Translator

    story = await callbacks_story(uows)
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=False)
    family, path = charts.cjk_font()
    assert "CJK" in family
    mapped = set(FT2Font(path).get_charmap())
    for locale in ("zh_Hans", "zh_Hant"):
        t = Translator(locale, "Asia/Shanghai")
        assert [count for _, count in charts.pareto_items(t, report)] == [3, 2, 1, 1]
        assert charts.complaint_items(t, report)[0][1] == 2
        drawn = charts.charts(t, report)
        names = ["pareto-categories", "pareto-complaints", "control-chart", "satisfaction"]
        assert [c.name for c in drawn] == names
        if locale == "zh_Hans":
            assert charts.complaint_items(t, report)[0][0] == story.noise[1]  # type: ignore[attr-defined]
        for chart in drawn:
            texts = "".join(x.get_text() for x in chart.figure.findobj(Text))
            assert "碧溪" in texts or "碧谿" in texts  # the title names the estate
            missing = {ch for ch in texts if not ch.isspace() and ord(ch) not in mapped}
            assert not missing, (chart.name, missing)
            records: list[logging.LogRecord] = []
            handler = logging.Handler()
            handler.emit = records.append  # type: ignore[method-assign]
            logging.getLogger("matplotlib").addHandler(handler)
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("error")  # "Glyph … missing from font(s)" is a warning
                    image = charts.png(chart.figure)
            finally:
                logging.getLogger("matplotlib").removeHandler(handler)
            assert not [r for r in records if "missing" in r.getMessage().lower()]
            assert image.startswith(b"\x89PNG") and len(image) > 10_000
    assert charts.pareto_png(t, report).startswith(b"\x89PNG")


async def test_the_control_chart_s_limits_follow_each_week_s_orders(
    uows: UnitOfWorkFactory,
) -> None:
    """Centre 97.5 minutes; σ of single times about 55.4 minutes; the week of one order has the
    wider limits (3σ/√1), the week of three the narrower (3σ/√3); nothing is outside."""
    from matplotlib.collections import PathCollection

    from bot.views import charts
    from core.i18n import Translator

    await callbacks_story(uows)
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=False)
    figure = charts.control_figure(Translator("zh_Hans", "Asia/Shanghai"), report, "控制图")
    lines = {line.get_label(): line for line in figure.axes[0].get_lines()}
    mean, sigma = (x.total_seconds() / 3600 for x in report.completion_limits())  # type: ignore[union-attr]
    assert list(lines["平均值"].get_ydata()) == [mean, mean]
    upper = list(lines["平均值±3σ"].get_ydata())
    assert upper == pytest.approx([mean + 3 * sigma, mean + 3 * sigma / 3**0.5])
    assert list(lines["每周平均值"].get_ydata()) == pytest.approx([0.5, 2.0])
    assert not figure.axes[0].findobj(PathCollection)  # no week marked as outside


def test_the_glyph_check_would_catch_a_box() -> None:
    """The same check fails with matplotlib's default font, which has no Chinese."""
    import warnings

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure()
    figure.add_subplot().set_title("派工", fontfamily="DejaVu Sans")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(__import__("io").BytesIO(), format="png")
    assert any("missing" in str(w.message).lower() for w in caught)


# --- the callbacks' figures, complaint subjects and the weekly completion times ----------------


async def callbacks_story(uows: UnitOfWorkFactory) -> Story:
    """E, F and G, repairs registered at T0 (Monday 23 November) and completed 60, 120 and 180
    minutes later; each confirmed and called back (the desk records the answers): E satisfied
    a day after its completion, F satisfied three days after, G not satisfied a day after (so
    reopened, not closed). P, registered a week earlier, completed in 30 minutes, never called
    back. Three complaints: two about noise, one about hygiene. An October order called back
    satisfied (the trend's October: a housekeeping job, marked completed)."""
    from core.models import Callback, Order
    from core.services import callbacks
    from core.services.callbacks import Question, Status

    story = Story(uows)
    await story.setup()
    async with uows() as uow:
        await callbacks.configure(uow, story.estate_id, delay_hours=0)
        subjects = {
            c.code: (c.id, c.name_hans)
            for c in await uow.session.scalars(
                select(Category).where(
                    Category.estate_id == story.estate_id,
                    Category.kind == str(OrderKind.COMPLAINT),
                )
            )
        }
        await uow.commit()
    story.noise, story.hygiene = subjects["noise"], subjects["hygiene"]  # type: ignore[attr-defined]
    e, f, g = [await story.register(T0, OrderKind.IN_HOME_REPAIR, story.x) for _ in range(3)]
    p = await story.register(T0 - timedelta(days=7), OrderKind.IN_HOME_REPAIR, story.y)
    for subject in (story.noise, story.noise, story.hygiene):  # type: ignore[attr-defined]
        await story.register(T0, OrderKind.COMPLAINT, subject)
    october = await story.register(datetime(2026, 10, 12, 2, 0, tzinfo=UTC), OrderKind.HOUSEKEEPING)
    week = 7 * 24 * 60
    await story.job(p, (-week + 5, -week + 10, -week + 20, -week + 30), None)
    await story.job(e, (1, 2, 3, 60), None)
    await story.job(f, (1, 2, 3, 120), None)
    await story.job(g, (1, 2, 3, 180), None)

    async def called_back(order_id: int, moment: datetime, satisfied: bool) -> None:
        async def confirm(uow) -> None:
            await orders.act(uow, order_id, Action.CONFIRM, Actor.system())
            await callbacks.schedule(uow, order_id)
            row = await uow.session.scalar(select(Callback).where(Callback.order_id == order_id))
            row.status, row.listed_at = Status.ASKED, uow.clock.now()

        async def answer(uow) -> None:
            [row] = await uow.session.scalars(
                select(Callback.id).where(Callback.order_id == order_id)
            )
            for question, value in (
                (Question.SATISFIED, int(satisfied)),
                (Question.SPEED, 5),
                (Question.ATTITUDE, 4),
                (Question.QUALITY, 3),
                (Question.COMMENT, None),
            ):
                await callbacks.answer(uow, row, story.desk, question, value)

        await story.at(moment - timedelta(hours=1), confirm)
        await story.at(moment, answer)

    await called_back(e, T0 + 60 * MIN + timedelta(days=1), True)
    await called_back(f, T0 + 120 * MIN + timedelta(days=3), True)
    await called_back(g, T0 + 180 * MIN + timedelta(days=1), False)

    async def october_done(uow) -> None:
        order = await uow.session.get_one(Order, october)
        order.status = OrderStatus.COMPLETED

    await story.at(datetime(2026, 10, 12, 3, 0, tzinfo=UTC), october_done)
    await called_back(october, datetime(2026, 10, 13, 3, 0, tzinfo=UTC), True)
    return story


async def test_callback_figures_match_the_hand_count(uows: UnitOfWorkFactory) -> None:
    story = await callbacks_story(uows)
    async with uows() as uow:
        report = await reports.build(uow, "BX", reports.month("2026-11"), staff_figures=True)

    # Closed with a callback: E and F (G reopened); only E called back within two days.
    assert (report.closed_called, report.called_in_time) == (2, 1)
    assert report.callback_coverage == pytest.approx(0.5)
    # Answered: E, F, G; satisfied: E and F.
    assert (report.answered, report.satisfied) == (3, 2)
    assert report.satisfaction_rate == pytest.approx(2 / 3)
    assert [(m.month, m.answered, m.satisfied) for m in report.trend] == [
        ("2026-06", 0, 0),
        ("2026-07", 0, 0),
        ("2026-08", 0, 0),
        ("2026-09", 0, 0),
        ("2026-10", 1, 1),
        ("2026-11", 3, 2),
    ]
    assert report.trend[-1].rate == pytest.approx(2 / 3) and report.trend[0].rate is None
    # The reopen rate: G of E, F, G, and P (completed in the week before, registered in November).
    assert (report.completed, report.reopened) == (4, 1)
    noise, hygiene = story.noise[1], story.hygiene[1]  # type: ignore[attr-defined]
    subjects = [
        (c.subject and c.subject[0], c.team, c.complaints) for c in report.complaint_subjects
    ]
    assert subjects == [(noise, None, 2), (hygiene, None, 1)]
    # Four orders completed in 30, 60, 120 and 180 minutes: the median is halfway between the
    # middle two (PostgreSQL's percentile_cont, the Python median on SQLite), the 90th
    # percentile the fourth (nearest rank); dispatched after 5, 1, 1 and 1 minutes.
    steps = {s.step: (s.orders, s.median, s.p90) for s in report.steps}
    assert steps[Action.COMPLETE] == (4, 90 * MIN, 180 * MIN)
    assert steps[Action.DISPATCH] == (4, 1 * MIN, 5 * MIN)
    # Weeks of registration: P alone on 16 November (30 min); E, F, G on the 23rd.
    weeks = [(w.week, w.orders, w.mean) for w in report.weeks]
    assert weeks == [(date(2026, 11, 16), 1, 30 * MIN), (date(2026, 11, 23), 3, 120 * MIN)]
    mean, sigma = report.completion_limits()  # type: ignore[misc]
    assert mean == pytest.approx(97.5 * MIN, abs=timedelta(seconds=1))
    # σ² = mean of squares − square of the mean = (30² + 60² + 120² + 180²)/4 − 97.5² (minutes)
    assert sigma.total_seconds() / 60 == pytest.approx(
        ((30**2 + 60**2 + 120**2 + 180**2) / 4 - 97.5**2) ** 0.5, abs=0.01
    )

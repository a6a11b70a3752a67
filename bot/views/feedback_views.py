"""The feedback library in chat (core/services/feedback.py): a page of comments, newest first,
with buttons for the period, for narrowing to one category, team or worker, for paging, and to
listen to a spoken comment again."""

from __future__ import annotations

from bot.conversation.replies import Button, Reply
from bot.views.buttons import FeedbackChoose, FeedbackListen, FeedbackPage, Narrow, Period
from core.i18n import N_, Translator, pick_name
from core.services.callbacks import clock_length
from core.services.feedback import PAGE, FeedbackLine, Option, Page, ReaderEstate, Source

PERIOD_DAYS = {Period.WEEK: 7, Period.MONTH: 30, Period.QUARTER: 90, Period.YEAR: 365}
OPTION_WITH_COUNT = N_("{name} ({count})")  # a button: a category, team or worker, how often
PERIOD_LABELS = {
    Period.WEEK: N_("7 days"),
    Period.MONTH: N_("30 days"),
    Period.QUARTER: N_("90 days"),
    Period.YEAR: N_("A year"),
}
SOURCE_LABELS = {
    Source.CALLBACK: N_("callback"),
    Source.SURVEY: N_("survey"),
    Source.DISPUTE: N_("dispute"),
    Source.PRAISE: N_("praise"),
}
NARROW_LABELS = {
    Narrow.CATEGORY: N_("By category"),
    Narrow.TEAM: N_("By team"),
    Narrow.WORKER: N_("By worker"),
}
CHOOSE_HEAD = {
    Narrow.CATEGORY: N_("Which category?"),
    Narrow.TEAM: N_("Which team?"),
    Narrow.WORKER: N_("Which worker?"),
}
HEAD = N_("Feedback of {estate}, last {period}: {total}, newest first.")
HEAD_NARROWED = N_("Feedback of {estate} on {what}, last {period}: {total}, newest first.")
SHOWING = N_("Showing {first} to {last}.")
EMPTY = N_("No feedback in this period.")
VOICE = N_("Voice comment ({length})")
LISTEN = N_("Listen to {index}")
NEWER = N_("Newer")
OLDER = N_("Older")
ALL = N_("All")
NOTHING_TO_CHOOSE = N_("No feedback in this period names one.")
RATING = N_("rating {rating}")
LISTENED = N_("Voice comment ({length}) from the feedback library.")
CHOICES_SHOWN = 20


def _line(t: Translator, index: int, line: FeedbackLine) -> str:
    parts = [t.short_datetime(line.at), t(SOURCE_LABELS[line.source])]
    if line.order_number:
        parts.append(line.order_number)
    if line.category:
        parts.append(pick_name(t.locale, *line.category))
    if line.team:
        parts.append(t.name(line.team))
    if line.worker:
        parts.append(t.name(line.worker))
    if line.rating is not None:
        parts.append(t(RATING, rating=line.rating))
    said = []
    if line.text:
        said.append(line.text)
    if line.voice_ref:
        said.append(t(VOICE, length=clock_length(line.voice_seconds or 0)))
    return f"{index}. " + " · ".join(parts) + "\n" + "\n".join(said)


def page_reply(
    t: Translator,
    estate: ReaderEstate,
    page: Page,
    at: FeedbackPage,
    narrowed_to: str | None,
    estates: list[ReaderEstate],
) -> Reply:
    """One page of the library with every button to move about it."""
    period = t(PERIOD_LABELS[at.period])
    if narrowed_to is not None:
        head = t(
            HEAD_NARROWED,
            estate=t.name(estate.name),
            what=narrowed_to,
            period=period,
            total=page.total,
        )
    else:
        head = t(HEAD, estate=t.name(estate.name), period=period, total=page.total)
    lines = [head]
    buttons: list[list[Button]] = []
    if not page.lines:
        lines.append(t(EMPTY))
    else:
        first = page.offset + 1
        lines.append(t(SHOWING, first=first, last=page.offset + len(page.lines)))
        listen = []
        for index, line in enumerate(page.lines, start=first):
            lines.append("")
            lines.append(_line(t, index, line))
            if line.voice_ref:
                listen.append(Button(t(LISTEN, index=index), FeedbackListen(line.id)))
        if listen:
            buttons.append(listen)
    moves = []
    if page.offset > 0:
        newer = FeedbackPage(at.estate_id, at.period, at.narrow, at.ref, max(page.offset - PAGE, 0))
        moves.append(Button(t(NEWER), newer))
    if page.offset + PAGE < page.total:
        older = FeedbackPage(at.estate_id, at.period, at.narrow, at.ref, page.offset + PAGE)
        moves.append(Button(t(OLDER), older))
    if moves:
        buttons.append(moves)
    buttons.append(
        [
            Button(
                ("• " if period_ is at.period else "") + t(PERIOD_LABELS[period_]),
                FeedbackPage(at.estate_id, period_, at.narrow, at.ref, 0),
            )
            for period_ in Period
        ]
    )
    narrowing = [
        Button(t(NARROW_LABELS[narrow]), FeedbackChoose(at.estate_id, at.period, narrow))
        for narrow in (Narrow.CATEGORY, Narrow.TEAM, Narrow.WORKER)
    ]
    if at.narrow is not Narrow.NONE:
        narrowing.append(Button(t(ALL), FeedbackPage(at.estate_id, at.period, Narrow.NONE, 0, 0)))
    buttons.append(narrowing)
    if len(estates) > 1:
        buttons.append(
            [
                Button(other.code, FeedbackPage(other.id, at.period, Narrow.NONE, 0, 0))
                for other in estates
                if other.id != estate.id
            ]
        )
    return Reply("\n".join(lines), buttons=buttons)


def option_name(t: Translator, option: Option) -> str:
    if isinstance(option.name, tuple):
        return pick_name(t.locale, *option.name)
    return t.name(option.name)


def choose_reply(t: Translator, at: FeedbackChoose, found: list[Option]) -> Reply:
    """The categories, teams or workers the period's feedback names, most named first."""
    if not found:
        back = FeedbackPage(at.estate_id, at.period, Narrow.NONE, 0, 0)
        return Reply(t(NOTHING_TO_CHOOSE), buttons=[[Button(t(ALL), back)]])
    buttons = [
        [
            Button(
                t(OPTION_WITH_COUNT, name=option_name(t, option), count=option.count),
                FeedbackPage(at.estate_id, at.period, at.narrow, option.id, 0),
            )
        ]
        for option in found[:CHOICES_SHOWN]
    ]
    return Reply(t(CHOOSE_HEAD[at.narrow]), buttons=buttons)

"""An estate's holiday greeting texts, per festival and script: estate data (the estate's
`settings`, key `greetings.texts`) over good defaults (core.services.greetings.DEFAULT_TEXTS).

Managers edit them from the command line (`guanjia greeting`) and in chat; a text is written in
one script and the other is made with OpenCC in the estate's region's phrasing, as for notices.
Going back to the default drops the estate's own text.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from core.errors import InvalidInput
from core.i18n import LOCALES, N_
from core.models import Estate
from core.services import greetings, notices
from core.uow import UnitOfWork

FESTIVALS = tuple(code for code, _ in greetings.FESTIVAL_PATTERNS)
MAX_TEXT = 1000  # a greeting is one message, and fits a photo's caption


@dataclass(frozen=True)
class GreetingText:
    festival: str
    text_hans: str
    text_hant: str
    own: bool  # the estate's own text (else the default)
    next_day: date | None  # the festival's next first day in the estate's region

    def text(self, locale: str) -> str:
        return self.text_hant if locale == "zh_Hant" else self.text_hans


def next_first_day(region: str, festival: str, since: date) -> date | None:
    """The next first day (from `since` on) of the festival in the region, by the `holidays`
    package's calendar of this year and the next; None if the region does not keep it."""
    for year in (since.year, since.year + 1):
        days = sorted(greetings.calendar_days(region, year))
        for day in days:
            if day >= since and greetings.first_day_of_festival(region, day) == festival:
                return day
    return None


def festivals_of(region: str, since: date) -> list[str]:
    """The festivals greeted in the region (in FESTIVALS' order)."""
    return [code for code in FESTIVALS if next_first_day(region, code, since) is not None]


def _check_festival(festival: str) -> None:
    if festival not in FESTIVALS:
        raise InvalidInput(N_("Unknown festival {festival}."), festival=festival)


def _today(uow: UnitOfWork, estate: Estate) -> date:
    return uow.clock.now().astimezone(ZoneInfo(estate.timezone)).date()


def _text_of(estate: Estate, festival: str, today: date) -> GreetingText:
    day = next_first_day(estate.region, festival, today)
    hans, hant = greetings.greeting_texts(estate, festival, day or today)
    own = greetings.greeting_settings(estate.settings).texts.get(festival) or {}
    return GreetingText(festival, hans, hant, bool(own.get("zh_Hans") or own.get("zh_Hant")), day)


async def text_of(uow: UnitOfWork, estate_id: int, festival: str) -> GreetingText:
    _check_festival(festival)
    estate = await uow.session.get_one(Estate, estate_id)
    return _text_of(estate, festival, _today(uow, estate))


async def texts_of(uow: UnitOfWork, estate_id: int) -> list[GreetingText]:
    """Every festival the estate's region greets, with the text each script reads."""
    estate = await uow.session.get_one(Estate, estate_id)
    today = _today(uow, estate)
    return [_text_of(estate, code, today) for code in festivals_of(estate.region, today)]


def _checked(text: str) -> str:
    text = text.strip()
    if not text:
        raise InvalidInput(N_("The greeting has no text."))
    if len(text) > MAX_TEXT:
        raise InvalidInput(
            N_("The greeting is too long: at most {limit} characters."), limit=MAX_TEXT
        )
    return text


def both_scripts(region: str, locale: str, text: str, other: str | None = None) -> tuple[str, str]:
    """(Simplified, Traditional) of a greeting written in `locale`'s script."""
    if locale not in LOCALES:
        raise InvalidInput()
    text = _checked(text)
    other = _checked(other) if other and other.strip() else None
    return notices.both_scripts(text, locale, region, other)


async def set_text(
    uow: UnitOfWork,
    estate_id: int,
    festival: str,
    locale: str,
    text: str,
    other_text: str | None = None,
    keep_other: bool = False,
) -> GreetingText:
    """The estate's own greeting for a festival, written in `locale`'s script. The other script
    is `other_text`, or with `keep_other` the one it reads now, else OpenCC's."""
    _check_festival(festival)
    estate = await uow.session.get_one(Estate, estate_id)
    if keep_other and other_text is None:
        current = _text_of(estate, festival, _today(uow, estate))
        other_text = current.text("zh_Hans" if locale == "zh_Hant" else "zh_Hant")
    hans, hant = both_scripts(estate.region, locale, text, other_text)
    _store(estate, festival, {"zh_Hans": hans, "zh_Hant": hant})
    await uow.flush()
    return _text_of(estate, festival, _today(uow, estate))


async def reset(uow: UnitOfWork, estate_id: int, festival: str) -> GreetingText:
    """Back to the default text."""
    _check_festival(festival)
    estate = await uow.session.get_one(Estate, estate_id)
    _store(estate, festival, None)
    await uow.flush()
    return _text_of(estate, festival, _today(uow, estate))


def _store(estate: Estate, festival: str, texts: dict[str, str] | None) -> None:
    settings = dict(estate.settings or {})
    own = dict(settings.get("greetings") or {})
    stored = dict(own.get("texts") or {})
    if texts is None:
        stored.pop(festival, None)
    else:
        stored[festival] = texts
    own["texts"] = stored
    settings["greetings"] = own
    estate.settings = settings  # a new dict, so the JSON column is seen as changed


async def set_by(
    uow: UnitOfWork,
    person_id: int | None,
    estate_id: int,
    festival: str,
    texts: tuple[str, str],
) -> GreetingText:
    """A manager's "Save" in chat: (Simplified, Traditional) as previewed, checked against the
    estate at the press."""
    await notices.require_sender(uow, person_id, estate_id)
    return await set_text(uow, estate_id, festival, "zh_Hans", texts[0], other_text=texts[1])

"""Holiday greetings (seed 001: greet customers on public holidays), once a day per chat.

The calendar is the `holidays` package's, per the estate's region, with the lunar festivals of
CN, HK, MO and TW; holiday names come from the package in the reader's script.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from core.i18n import N_, Translator, convert, in_script
from core.models import ChatIdentity, Estate, RoutineRun
from core.services import notices, residents
from core.services.identities import IdentityView
from core.uow import UnitOfWork, UnitOfWorkFactory

# The `language` the package offers for each region, per script: each region names its own
# festivals (HK's 農曆年初一, TW's 春節), and Simplified readers get the mainland spelling.
HOLIDAY_LANGUAGES = {
    ("CN", "zh_Hans"): "zh_CN",
    ("CN", "zh_Hant"): "zh_TW",
    ("HK", "zh_Hans"): "zh_CN",
    ("HK", "zh_Hant"): "zh_HK",
    ("MO", "zh_Hans"): "zh_CN",
    ("MO", "zh_Hant"): "zh_MO",
    ("TW", "zh_Hans"): "zh_CN",
    ("TW", "zh_Hant"): "zh_TW",
}
# "春节（补假）", "Spring Festival (observed)": the greeting names the festival itself.
_QUALIFIER = re.compile(r"\s*[（(][^（）()]*[）)]\s*$")


@cache
def _calendar(region: str, language: str, year: int) -> holidays.HolidayBase:
    return holidays.country_holidays(region, years=year, language=language)


def holiday_name(region: str, locale: str, day: date) -> str | None:
    """The public holiday on `day` in the region, named in the locale's script; None if none."""
    language = HOLIDAY_LANGUAGES.get((region, locale), "zh_CN")
    names = _calendar(region, language, day.year).get_list(day)
    if not names:
        return None
    return _QUALIFIER.sub("", names[0]) or names[0]


async def holiday_due(uow: UnitOfWork, identity: IdentityView, locale: str) -> str | None:
    """The holiday to greet this chat for now, the first time it writes on that day, else None.

    Free on every other update: the identity read at the start of the update carries the day of
    the last greeting, so no statement runs until the day changes.
    """
    today = notices.greeting_day(uow.clock.now())
    if identity.greeted_on == today:
        return None
    await uow.session.execute(
        update(ChatIdentity).where(ChatIdentity.id == identity.id).values(greeted_on=today)
    )
    homes = await residents.homes_of(uow, identity.person_id)
    home = residents.current_home(homes, identity.current_unit_id)
    if home is None:
        return None
    local_today = uow.clock.now().astimezone(ZoneInfo(home.timezone)).date()
    return holiday_name(home.region, locale, local_today)


# --- the greeting broadcast ------------------------------------------------------------------

GREETING_ROUTINE = "greeting"
DEFAULT_GREETING_TIME = time(9, 0)

# The festivals greeted, known by the names the `holidays` package gives them in English (the
# dates always come from the package). Eves, observed days and memorial days are not greeted.
FESTIVAL_PATTERNS = (
    ("spring_festival", re.compile(r"^Chinese New Year(?!'s Eve)")),
    ("new_year", re.compile(r"^(New Year's Day|Founding Day of the Republic of China)$")),
    ("qingming", re.compile(r"^Tomb-Sweeping Day$")),
    ("dragon_boat", re.compile(r"^Dragon Boat Festival$")),
    ("mid_autumn", re.compile(r"Mid-Autumn Festival$")),
    ("national_day", re.compile(r"^National Day")),
    ("region_day", re.compile(r"S\.A\.R\. Establishment Day$")),
)
# Good defaults per festival; an estate's own texts (settings) replace them.
DEFAULT_TEXTS = {
    "spring_festival": N_(
        "Happy Spring Festival! {estate} wishes you and your family a happy and prosperous new "
        "year."
    ),
    "new_year": N_("Happy New Year! {estate} wishes you and your family peace and good health."),
    "qingming": N_(
        "Qingming is here. {estate} wishes you a safe journey; please mind fire safety when "
        "paying your respects."
    ),
    "dragon_boat": N_("Happy Dragon Boat Festival! {estate} wishes you and your family health."),
    "mid_autumn": N_("Happy Mid-Autumn Festival! {estate} wishes your family a joyful reunion."),
    "national_day": N_("Happy National Day! {estate} wishes you a pleasant holiday."),
    "region_day": N_("{festival}: {estate} wishes you a pleasant holiday."),
}


def calendar_days(region: str, year: int) -> list[date]:
    """The public holidays of the region in a year (greeted or not)."""
    return list(_calendar(region, "en_US", year).keys())


def festival_code(region: str, day: date) -> str | None:
    """The greeted festival on `day` in the region, by the package's calendar; None if none."""
    for name in _calendar(region, "en_US", day.year).get_list(day):
        if "(observed)" in name:
            continue
        for code, pattern in FESTIVAL_PATTERNS:
            if pattern.search(name):
                return code
    return None


def first_day_of_festival(region: str, day: date) -> str | None:
    """The festival whose first day `day` is (Spring Festival's days after the first are not)."""
    code = festival_code(region, day)
    if code is None or festival_code(region, day - timedelta(days=1)) == code:
        return None
    return code


@dataclass(frozen=True)
class GreetingSettings:
    at: time
    texts: dict[str, dict[str, str]]  # festival → {"zh_Hans": …, "zh_Hant": …}


def greeting_settings(settings: dict[str, Any] | None) -> GreetingSettings:
    """An estate's setting `greetings`: {"time": "09:00", "texts": {"mid_autumn": {"zh_Hans":
    "…", "zh_Hant": "…"}}}; either script alone is enough (the other is made with OpenCC)."""
    own = (settings or {}).get("greetings") or {}
    at = time.fromisoformat(own["time"]) if own.get("time") else DEFAULT_GREETING_TIME
    return GreetingSettings(at, dict(own.get("texts") or {}))


def greeting_texts(estate: Estate, code: str, day: date) -> tuple[str, str]:
    """(Simplified, Traditional) greeting of an estate for a festival."""
    own = greeting_settings(estate.settings).texts.get(code) or {}
    hans, hant = own.get("zh_Hans"), own.get("zh_Hant")
    if hans or hant:
        return (
            hans or convert(hant or "", "zh_Hans", estate.region),
            hant or convert(hans or "", "zh_Hant", estate.region),
        )
    texts = []
    for locale in ("zh_Hans", "zh_Hant"):
        t = Translator(locale, estate.timezone)
        festival = holiday_name(estate.region, locale, day) or ""
        name = in_script(estate.name, locale)
        texts.append(t(DEFAULT_TEXTS[code], estate=name, festival=festival))
    return texts[0], texts[1]


async def _claim(uow: UnitOfWork, estate_id: int, day: date) -> bool:
    insert = pg_insert if uow.dialect == "postgresql" else sqlite_insert
    statement = (
        insert(RoutineRun)
        .values(estate_id=estate_id, routine=GREETING_ROUTINE, day=day, started_at=uow.clock.now())
        .on_conflict_do_nothing(index_elements=["estate_id", "routine", "day"])
        .returning(RoutineRun.id)
    )
    return (await uow.session.execute(statement)).scalar_one_or_none() is not None


async def start_greeting(uow: UnitOfWork, estate_id: int) -> int | None:
    """On the first day of a festival of the estate's region, once its greeting hour has come:
    the greeting notice to every bound resident who has not turned greetings off, claimed once
    per estate and day (RoutineRun), and set sending (core.services.notices writes it out).
    Returns the notice's id, or None when there is nothing to send."""
    estate = await uow.session.get_one(Estate, estate_id)
    local = uow.clock.now().astimezone(ZoneInfo(estate.timezone))
    if local.time() < greeting_settings(estate.settings).at:
        return None
    code = first_day_of_festival(estate.region, local.date())
    if code is None or not await _claim(uow, estate.id, local.date()):
        return None
    hans, hant = greeting_texts(estate, code, local.date())
    end_of_day = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    notice = await notices.create(
        uow,
        notices.NewNotice(
            estate_id=estate.id,
            kind=notices.NoticeKind.GREETING,
            text=hans,
            other_text=hant,
            audience=notices.Audience(notices.Who.RESIDENTS),
            valid_until=end_of_day,
        ),
    )
    await notices.schedule(uow, notice.id)
    return notice.id


async def start_greetings(uow_factory: UnitOfWorkFactory) -> list[int]:
    """`start_greeting` for every estate, each in its own unit of work."""
    async with uow_factory() as uow:
        estate_ids = list(await uow.session.scalars(select(Estate.id).order_by(Estate.id)))
    started = []
    for estate_id in estate_ids:
        async with uow_factory() as uow:
            notice_id = await start_greeting(uow, estate_id)
            await uow.commit()
        if notice_id is not None:
            started.append(notice_id)
    return started

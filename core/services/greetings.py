"""Holiday greetings (seed 001: greet customers on public holidays), once a day per chat.

The calendar is the `holidays` package's, per the estate's region, with the lunar festivals of
CN, HK, MO and TW; holiday names come from the package in the reader's script.
"""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import update

from core.models import ChatIdentity
from core.services import notices, residents
from core.services.identities import IdentityView
from core.uow import UnitOfWork

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

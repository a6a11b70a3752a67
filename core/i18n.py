"""Languages: the locale resolver that keeps the script, gettext catalogues, Babel formatting.

aiogram's SimpleI18nMiddleware reduces `zh-hant` to `zh`; Chinese needs the script, so the
resolver is ours. Catalogues are read from the `.po` files directly, so no compile step can be
forgotten.
"""

from __future__ import annotations

import io
import os
import re
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache, lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import opencc
from babel import dates, numbers
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations

LOCALES = ("zh_Hans", "zh_Hant")
DEFAULT_LOCALE = "zh_Hans"
LOCALES_DIR = Path(__file__).resolve().parent.parent / "locales"
DOMAIN = "messages"

# Tests set GUANJIA_STRICT_I18N=1: a message id missing from a catalogue then fails loudly instead
# of reaching a Chinese reader in English.
STRICT = os.environ.get("GUANJIA_STRICT_I18N") == "1"


class UntranslatedMessage(LookupError):
    """A message id that is not in the catalogue (strict mode only)."""


_HANS = {"zh-hans", "zh-cn", "zh-sg", "zh", "zh-my"}
_HANT = {"zh-hant", "zh-tw", "zh-hk", "zh-mo"}


def resolve_locale(language_code: str | None, default: str = DEFAULT_LOCALE) -> str:
    """zh-hans, zh-cn, zh-sg, zh → zh_Hans; zh-hant, zh-tw, zh-hk, zh-mo → zh_Hant; else default."""
    if not language_code:
        return default
    code = language_code.strip().lower().replace("_", "-")
    if code in _HANT or code.startswith("zh-hant"):
        return "zh_Hant"
    if code in _HANS or code.startswith("zh-hans"):
        return "zh_Hans"
    return default


def N_(message_id: str) -> str:
    """Marks a message id for extraction where it is defined; it is translated where it is shown."""
    return message_id


@cache
def translations(locale: str) -> Translations:
    po_path = LOCALES_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"
    with po_path.open("rb") as po_file:
        catalog = read_po(po_file, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


class Translator:
    """gettext for one locale, with Babel formatting in the same locale and a time zone."""

    def __init__(self, locale: str, timezone: str = "Asia/Shanghai") -> None:
        if locale not in LOCALES:
            locale = DEFAULT_LOCALE
        self.locale = locale
        self.tz = ZoneInfo(timezone)
        self._translations = translations(locale)

    def gettext(self, message_id: str, **params: object) -> str:
        if STRICT and message_id not in self._translations._catalog:
            raise UntranslatedMessage(f"{self.locale}: {message_id!r}")
        text = self._translations.gettext(message_id)
        return text.format(**params) if params else text

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int, **params: object) -> str:
        text = self._translations.ngettext(singular, plural, n)
        return text.format(n=n, **params)

    def datetime(self, moment: datetime, fmt: str = "medium") -> str:
        return dates.format_datetime(moment, fmt, tzinfo=self.tz, locale=self.locale)

    def short_datetime(self, moment: datetime) -> str:
        """Month, day and time in the estate's zone, e.g. 11月24日周二 09:00."""
        return f"{self.day(moment)} {self.time(moment)}"

    def day(self, moment: date | datetime) -> str:
        """Month, day and weekday, the way each script writes them."""
        if isinstance(moment, datetime):
            moment = moment.astimezone(self.tz).date()
        return _day_text(self.locale, moment)

    def date(self, day: date, fmt: str = "medium") -> str:
        return dates.format_date(day, fmt, locale=self.locale)

    def time(self, moment: datetime) -> str:
        local = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(self.tz)
        return _clock_text(self.locale, local.hour, local.minute)

    def name(self, text: str) -> str:
        """A name from the estate's data (estate, building, unit) in this reader's script."""
        return in_script(text, self.locale)

    def money(self, amount: Decimal, currency: str = "CNY") -> str:
        """An amount as the estate's region writes it (the glossary): `80.00 元` in mainland
        China, `HK$80.00`, `MOP 80.00`, `NT$80` (whole dollars unless there are cents)."""
        value = Decimal(amount)
        if currency == "TWD" and value == value.to_integral_value():
            digits = f"{value:,.0f}"
        else:
            digits = f"{value:,.2f}"
        form = MONEY_FORMS.get(currency)
        if form is None:
            return numbers.format_currency(value, currency, locale=self.locale)
        return form.format(digits)


@cache
def _to_traditional() -> opencc.OpenCC:
    return opencc.OpenCC("s2t")


@cache
def _to_simplified() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def in_simplified(text: str) -> str:
    """For matching what people type in either script against data in either."""
    return _to_simplified().convert(text)


# Babel resolves the skeleton and parses the locale on every call (about 50 µs): a workbook of
# 10,000 orders spent over a second on it. There are few days in a report and 1,440 minutes.
@lru_cache(maxsize=4096)
def _day_text(locale: str, day: date) -> str:
    return dates.format_skeleton("MMMEd", day, locale=locale)


@lru_cache(maxsize=4096)
def _clock_text(locale: str, hour: int, minute: int) -> str:
    return dates.format_skeleton("Hm", datetime(2000, 1, 1, hour, minute), tzinfo=UTC,
                                 locale=locale)  # fmt: skip


def in_script(text: str, locale: str) -> str:
    """Estate data typed in Simplified (estate, building names), shown in the reader's script."""
    return _to_traditional().convert(text) if locale == "zh_Hant" else text


# OpenCC's conversions per region: Hong Kong and Macau phrasing, Taiwan's, or plain Traditional.
_TO_HANT = {"HK": "s2hk", "MO": "s2hk", "TW": "s2tw"}
_TO_HANS = {"HK": "hk2s", "MO": "hk2s", "TW": "tw2s"}


@cache
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def convert(text: str, to_locale: str, region: str = "CN") -> str:
    """Text written in one script, in the other, with the region's phrasing where OpenCC has it
    (s2hk / s2tw; hk2s / tw2s back); the mainland's plain s2t / t2s otherwise."""
    if to_locale == "zh_Hant":
        return _converter(_TO_HANT.get(region, "s2t")).convert(text)
    return _converter(_TO_HANS.get(region, "t2s")).convert(text)


MONEY_FORMS = {"CNY": "{} 元", "HKD": "HK${}", "MOP": "MOP {}", "TWD": "NT${}"}

_WIDE = re.compile(r"[\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]")


def place(*parts: str | None) -> str:
    """A place's parts joined as Chinese writes them, `碧溪花园1栋101`: a space only between two
    Latin letters or digits (`Tower A 1001`), never beside a Chinese character."""
    joined = ""
    for part in (p.strip() for p in parts if p and p.strip()):
        if joined and not _WIDE.match(joined[-1]) and not _WIDE.match(part[0]):
            joined += " "
        joined += part
    return joined


def pick_name(locale: str, hans: str, hant: str) -> str:
    """Names stored as estate data carry both scripts."""
    return hant if locale == "zh_Hant" else hans

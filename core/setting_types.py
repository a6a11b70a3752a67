"""The types of estate settings (core/estate_settings.py): how each reads a value from what an
operator typed, checks it, keeps it (JSON, or an Estate column) and writes it back; `allowed`
says in English what it takes, for the operator's error message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from core.errors import InvalidInput
from core.services.directory import check_phone


class SettingType:
    """How a value is read from text, checked, kept (JSON or column) and written back."""

    allowed: str = ""  # English, for the operator's error message and the README

    def parse(self, text: str) -> Any:
        raise NotImplementedError

    def load(self, stored: Any) -> Any:
        """A stored value as the Python value readers get (stored values were checked)."""
        return stored

    def dump(self, value: Any) -> Any:
        return value

    def text(self, value: Any) -> str:
        return "" if value is None else str(value)


@dataclass(frozen=True)
class Choice(SettingType):
    values: tuple[str, ...]
    labels: Mapping[str, str] = field(default_factory=dict)  # value -> message id, for chat

    @property
    def allowed(self) -> str:  # type: ignore[override]
        return "one of " + ", ".join(self.values)

    def parse(self, text: str) -> str:
        wanted = text.strip()
        for value in self.values:
            if value.lower() == wanted.lower():
                return str(value)
        raise ValueError(text)


@dataclass(frozen=True)
class Number(SettingType):
    """A number from `low` to `high`; whole numbers only when `whole`."""

    low: float
    high: float
    whole: bool = False
    unit: str = ""
    share: bool = False  # a share of a whole (0.85): shown to people as a percentage

    @property
    def allowed(self) -> str:  # type: ignore[override]
        kind = "a whole number" if self.whole else "a number"
        unit = f" of {self.unit}" if self.unit else ""
        return f"{kind}{unit} from {_plain(self.low)} to {_plain(self.high)}"

    def parse(self, text: str) -> int | float:
        number = float(text.strip())  # ValueError for words, "nan" and "inf" fail the range
        if not self.low <= number <= self.high:
            raise ValueError(text)
        if self.whole:
            if number != int(number):
                raise ValueError(text)
            return int(number)
        return int(number) if number == int(number) else number

    def load(self, stored: Any) -> int | float:
        return int(stored) if self.whole else float(stored)

    def text(self, value: Any) -> str:
        return "" if value is None else _plain(value)


@dataclass(frozen=True)
class Money(SettingType):
    allowed: str = "an amount of at least 0, at most 2 decimals"  # type: ignore[assignment]

    def parse(self, text: str) -> Decimal:
        try:
            amount = Decimal(text.strip())
        except InvalidOperation:
            raise ValueError(text) from None
        if not amount.is_finite() or amount < 0 or amount != amount.quantize(Decimal("0.01")):
            raise ValueError(text)
        return amount

    def load(self, stored: Any) -> Decimal:
        return Decimal(stored)

    def text(self, value: Any) -> str:
        return "" if value is None else f"{Decimal(value):.2f}"


@dataclass(frozen=True)
class TimeOfDay(SettingType):
    allowed: str = "a time of day HH:MM, e.g. 08:30"  # type: ignore[assignment]

    def parse(self, text: str) -> time:
        if not re.fullmatch(r"\d{1,2}:\d{2}", text.strip()):
            raise ValueError(text)
        return time.fromisoformat(text.strip().zfill(5))

    def load(self, stored: Any) -> time:
        return time.fromisoformat(stored)

    def dump(self, value: time) -> str:
        return value.strftime("%H:%M")

    def text(self, value: Any) -> str:
        return "" if value is None else value.strftime("%H:%M")


@dataclass(frozen=True)
class Hours(SettingType):
    """Opening and closing time, e.g. 08:00-17:30; kept as ["08:00", "17:30"]."""

    allowed: str = "HH:MM-HH:MM, opening before closing, e.g. 08:00-17:30"  # type: ignore[assignment]

    def parse(self, text: str) -> tuple[time, time]:
        opens, sep, closes = text.strip().partition("-")
        if not sep:
            raise ValueError(text)
        pair = (TimeOfDay().parse(opens), TimeOfDay().parse(closes))
        if pair[0] >= pair[1]:
            raise ValueError(text)
        return pair

    def load(self, stored: Any) -> tuple[time, time]:
        return time.fromisoformat(stored[0]), time.fromisoformat(stored[1])

    def dump(self, value: tuple[time, time]) -> list[str]:
        return [value[0].strftime("%H:%M"), value[1].strftime("%H:%M")]

    def text(self, value: Any) -> str:
        return "" if value is None else "-".join(self.dump(value))


@dataclass(frozen=True)
class Zone(SettingType):
    allowed: str = "an IANA time zone, e.g. Asia/Shanghai"  # type: ignore[assignment]

    def parse(self, text: str) -> str:
        try:
            ZoneInfo(text.strip())
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(text) from None
        return text.strip()


@dataclass(frozen=True)
class Phone(SettingType):
    allowed: str = "a phone number of 8 to 15 digits, or none"  # type: ignore[assignment]

    def parse(self, text: str) -> str | None:
        if text.strip().lower() == "none":
            return None
        try:
            return check_phone(text)
        except InvalidInput:
            raise ValueError(text) from None


def _plain(number: float) -> str:
    return str(int(number)) if number == int(number) else f"{number:g}"

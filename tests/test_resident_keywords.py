"""Keyword lists and holiday names: pure functions, no database."""

from __future__ import annotations

import importlib.util
from datetime import date
from pathlib import Path

import pytest

from core.enums import OrderKind
from core.services.greetings import holiday_name
from core.services.keywords import guess

ROOT = Path(__file__).resolve().parent.parent


def test_traditional_list_is_derived_from_the_simplified_one() -> None:
    spec = importlib.util.spec_from_file_location("derive", ROOT / "scripts/derive_keywords.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    current = (ROOT / "core/data/keywords_zh_Hant.csv").read_text(encoding="utf-8")
    assert current == module.derive(), "run scripts/derive_keywords.py"


@pytest.mark.parametrize(
    ("text", "locale", "kind", "category"),
    [
        ("厨房水管漏水了", "zh_Hans", OrderKind.IN_HOME_REPAIR, "water"),
        ("廚房水管漏水了", "zh_Hant", OrderKind.IN_HOME_REPAIR, "water"),
        ("樓上好吵", "zh_Hant", OrderKind.COMPLAINT, "noise"),
        ("楼上好吵", "zh_Hant", OrderKind.COMPLAINT, "noise"),  # the other script still works
        ("冷氣壞咗", "zh_Hant", OrderKind.IN_HOME_REPAIR, "appliances"),
        ("想请人打扫卫生", "zh_Hans", OrderKind.HOUSEKEEPING, "cleaning"),
        ("谢谢张师傅", "zh_Hans", OrderKind.PRAISE, None),
    ],
)
def test_guesses(text: str, locale: str, kind: OrderKind, category: str | None) -> None:
    found = guess(text, locale)
    assert found is not None and (found.kind, found.category) == (kind, category)


def test_no_guess_for_a_greeting() -> None:
    assert guess("你好", "zh_Hans") is None


@pytest.mark.parametrize(
    ("region", "locale", "day", "name"),
    [
        ("CN", "zh_Hans", date(2027, 2, 6), "春节"),
        ("CN", "zh_Hant", date(2027, 2, 6), "春節"),
        ("CN", "zh_Hans", date(2027, 2, 9), "春节"),  # a day in lieu keeps the festival's name
        ("HK", "zh_Hant", date(2027, 2, 6), "農曆年初一"),
        ("TW", "zh_Hant", date(2027, 2, 6), "春節"),
        ("MO", "zh_Hant", date(2027, 2, 6), "農曆正月初一"),
        ("CN", "zh_Hans", date(2026, 11, 23), None),
    ],
)
def test_holiday_names(region: str, locale: str, day: date, name: str | None) -> None:
    assert holiday_name(region, locale, day) == name

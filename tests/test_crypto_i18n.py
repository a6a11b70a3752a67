"""Personal data encryption, the locale resolver and locale-aware formatting."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from core.crypto import Cipher, is_sealed, mask_phone, new_key, normalize_phone
from core.i18n import Translator, resolve_locale


def test_names_and_phones_are_encrypted_and_phone_lookup_matches_both_spellings() -> None:
    cipher = Cipher(new_key())
    token = cipher.encrypt("13900000001")
    assert token is not None and b"13900000001" not in token
    assert cipher.decrypt(token) == "13900000001"
    assert cipher.phone_hash("+86 139-0000-0001") == cipher.phone_hash("13900000001")
    assert Cipher(new_key()).phone_hash("13900000001") != cipher.phone_hash("13900000001")
    with pytest.raises(ValueError, match="another DATA_KEY"):
        Cipher(new_key()).decrypt(token)


def test_sealed_blobs_open_with_their_key_only() -> None:
    cipher = Cipher(new_key())
    blob = "住户电话：13900000001".encode()
    sealed = cipher.seal(blob)
    assert blob not in sealed and sealed != cipher.seal(blob)  # a fresh nonce each time
    assert is_sealed(sealed) and not is_sealed(b'{"text": "x"}')
    assert cipher.unseal(sealed) == blob
    with pytest.raises(ValueError, match="another DATA_KEY"):
        Cipher(new_key()).unseal(sealed)


def test_phone_helpers() -> None:
    assert normalize_phone("+86 (139) 0000-0001") == "13900000001"
    assert mask_phone("13900000001") == "139****0001"


@pytest.mark.parametrize(
    ("code", "locale"),
    [
        ("zh-hans", "zh_Hans"),
        ("zh-CN", "zh_Hans"),
        ("zh-sg", "zh_Hans"),
        ("zh", "zh_Hans"),
        ("zh-hant", "zh_Hant"),
        ("zh-TW", "zh_Hant"),
        ("zh-HK", "zh_Hant"),
        ("zh-mo", "zh_Hant"),
        ("zh-Hant-HK", "zh_Hant"),
        ("en", "zh_Hans"),
        (None, "zh_Hans"),
    ],
)
def test_the_resolver_keeps_the_script(code: str | None, locale: str) -> None:
    assert resolve_locale(code) == locale


def test_unknown_languages_get_the_estates_default() -> None:
    assert resolve_locale("en", default="zh_Hant") == "zh_Hant"


def test_dates_times_and_money_follow_the_locale_and_the_estates_zone() -> None:
    moment = datetime(2026, 11, 24, 1, 30, tzinfo=UTC)  # 09:30 in Shanghai
    hans, hant = Translator("zh_Hans"), Translator("zh_Hant", "Asia/Hong_Kong")
    # CLDR's spacing changes between Babel releases; what must hold is the estate's zone
    # (09:30, not 01:30) and each script's own weekday.
    assert hans.short_datetime(moment).startswith("11月24日")
    assert hans.short_datetime(moment).endswith(" 09:30")
    assert "周二" in hans.short_datetime(moment)
    assert hant.short_datetime(moment).startswith("11月24日")
    assert hant.short_datetime(moment).endswith(" 09:30")
    assert "週二" in hant.short_datetime(moment)
    assert hans.money(Decimal("120.5")) == "120.50 元"  # the glossary: no ¥
    assert hant.money(Decimal("120.5")) == "120.50 元"  # a mainland estate read in Traditional


@pytest.mark.parametrize(
    ("currency", "amount", "shown"),
    [
        ("CNY", "80", "80.00 元"),
        ("HKD", "80", "HK$80.00"),
        ("MOP", "1280.5", "MOP 1,280.50"),
        ("TWD", "80", "NT$80"),
        ("TWD", "80.5", "NT$80.50"),
    ],
)
def test_money_in_the_estates_currency(currency: str, amount: str, shown: str) -> None:
    assert Translator("zh_Hant").money(Decimal(amount), currency) == shown

"""What people type, cleaned at the door (core/text.py)."""

from __future__ import annotations

from core.text import clean


def test_control_invisible_and_bidi_characters_are_removed() -> None:
    assert clean("厨房\x00漏水\x1b[31m了\x1b[0m") == "厨房漏水了"
    assert clean("\u200b\u200c\u200d\u2060\ufeff") == ""
    assert clean("\u202e王\u202c 13900000003") == "王 13900000003"
    assert clean("\u2066张\u2069") == "张"


def test_what_a_reader_sees_is_kept() -> None:
    assert clean("第一行\n第二行\t🙂 ABC 123") == "第一行\n第二行\t🙂 ABC 123"
    assert clean(None) is None

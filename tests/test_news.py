"""The one road for news: every kind core can announce has one renderer, and every message a
renderer can use is in both catalogues (strict mode fails on a missing one)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from bot.views.tell import RENDERERS
from core import i18n, news


def _kinds(base: type) -> set[type]:
    found = set()
    for sub in base.__subclasses__():
        found.add(sub)
        found |= _kinds(sub)
    return found


def test_every_kind_of_news_has_one_renderer() -> None:
    assert _kinds(news.News) == set(RENDERERS)


def test_a_message_missing_from_a_catalogue_fails_in_strict_mode() -> None:
    for locale in i18n.LOCALES:
        t = i18n.Translator(locale)
        assert t("Accept") != "Accept"
        with pytest.raises(i18n.UntranslatedMessage):
            t("A message nobody translated")


def _extracted() -> list[tuple[str, set[str]]]:
    path = Path(__file__).resolve().parent.parent / "scripts" / "i18n.py"
    spec = importlib.util.spec_from_file_location("guanjia_i18n_script", path)
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    return [
        (m.id, {p.strip("{}").split("!")[0].split(":")[0] for p in script.placeholders(m.id)})
        for m in script.extract_catalog()
        if m.id and isinstance(m.id, str)
    ]


def test_every_extracted_message_renders_in_both_scripts() -> None:
    """Each id the extractor finds renders in zh_Hans and zh_Hant with its own placeholders,
    never left in English: what scripts/i18n.py checks statically, seen as a reader sees it."""
    extracted = _extracted()
    assert len(extracted) > 300
    for message_id, names in extracted:
        params = dict.fromkeys(names, "X")
        for locale in i18n.LOCALES:
            text = i18n.Translator(locale)(message_id, **params)
            assert text != message_id.format(**params), (locale, message_id)

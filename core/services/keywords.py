"""Guessing what a resident's free text is about, from keyword lists kept as data per locale.

`core/data/keywords_zh_Hans.csv` is kept by hand; `keywords_zh_Hant.csv` is derived from it with
OpenCC (Hong Kong and Taiwan spellings) plus the hand-kept regional words of
`keywords_zh_Hant_regional.csv`: run `scripts/derive_keywords.py` after editing either.
A person may write in either script whatever their language setting, so both lists are
consulted, their own first.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from functools import cache
from importlib import resources

from core.enums import OrderKind
from core.i18n import LOCALES


@dataclass(frozen=True)
class Keyword:
    kind: OrderKind
    category: str  # a category code of that kind, or "" when the word says only the kind
    word: str


@dataclass(frozen=True)
class Guess:
    kind: OrderKind
    category: str | None  # category code, None when no word named one


def _read(name: str) -> list[Keyword]:
    text = resources.files("core").joinpath(f"data/{name}").read_text("utf-8-sig")
    return [
        Keyword(OrderKind(row["kind"]), row["category"], row["keyword"])
        for row in csv.DictReader(io.StringIO(text))
        if row["keyword"]
    ]


@cache
def keywords(locale: str) -> tuple[Keyword, ...]:
    return tuple(_read(f"keywords_{locale}.csv"))


def guess(text: str, locale: str) -> Guess | None:
    """The likeliest kind and category; longer words weigh more. None when nothing matches."""
    own = [locale] + [other for other in LOCALES if other != locale]
    seen: set[str] = set()
    kind_score: dict[OrderKind, int] = defaultdict(int)
    category_score: dict[tuple[OrderKind, str], int] = defaultdict(int)
    for each in own:
        for keyword in keywords(each):
            if keyword.word in seen or keyword.word not in text:
                continue
            seen.add(keyword.word)
            weight = len(keyword.word)
            kind_score[keyword.kind] += weight
            if keyword.category:
                category_score[(keyword.kind, keyword.category)] += weight
    if not kind_score:
        return None
    best_kind = max(kind_score, key=lambda k: kind_score[k])  # first listed wins a tie
    in_kind = {cat: score for (kind, cat), score in category_score.items() if kind is best_kind}
    category = max(in_kind, key=lambda c: in_kind[c]) if in_kind else None
    return Guess(best_kind, category)

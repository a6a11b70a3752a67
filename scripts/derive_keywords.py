"""Derives core/data/keywords_zh_Hant.csv from the Simplified list with OpenCC.

Both Hong Kong and Taiwan spellings are kept (they differ in a few characters), then the
hand-kept regional words are added. Run after editing keywords_zh_Hans.csv or
keywords_zh_Hant_regional.csv; tests/test_resident_keywords.py checks the file is current.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

import opencc

DATA = Path(__file__).resolve().parent.parent / "core" / "data"
FIELDS = ["kind", "category", "keyword"]


def derive() -> str:
    converters = [opencc.OpenCC("s2hk"), opencc.OpenCC("s2tw")]
    rows: list[dict[str, str]] = []
    seen: set[tuple[str, str, str]] = set()

    def add(row: dict[str, str], word: str) -> None:
        key = (row["kind"], row["category"], word)
        if key not in seen:
            seen.add(key)
            rows.append({"kind": row["kind"], "category": row["category"], "keyword": word})

    with (DATA / "keywords_zh_Hans.csv").open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            for converter in converters:
                add(row, converter.convert(row["keyword"]))
    with (DATA / "keywords_zh_Hant_regional.csv").open(encoding="utf-8") as source:
        for row in csv.DictReader(source):
            add(row, row["keyword"])
    out = io.StringIO()
    writer = csv.DictWriter(out, FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def main() -> int:
    (DATA / "keywords_zh_Hant.csv").write_text(derive(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())

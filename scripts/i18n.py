"""Message catalogues: extract the ids from the code, update the catalogues, check them.

    .venv/bin/python scripts/i18n.py extract   # bot/ and core/ → locales/messages.pot
    .venv/bin/python scripts/i18n.py update    # messages.pot → locales/<locale>/LC_MESSAGES/messages.po
    .venv/bin/python scripts/i18n.py check     # exit 1 and list every problem

The workflow after changing messages in the code: `extract`, `update`, translate the new entries
(empty `msgstr ""`) in both catalogues, `check`. `check` extracts into memory and never writes.

Catalogues are written without line numbers (file names only) and sorted by message id, so a
diff shows what changed in the text and not that code moved. `update` never fuzzy-matches: a
changed id is a new, empty entry and the old one becomes obsolete (`#~`), which `check` reports
until someone deletes it or reuses its translation.

Only Babel's Python API is used (the same as `pybabel`, without a subprocess).
"""

from __future__ import annotations

import argparse
import io
import re
import string
import sys
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
MAPPING = "babel.cfg"
TEMPLATE = "locales/messages.pot"
DOMAIN = "messages"
LOCALES = ("zh_Hans", "zh_Hant")
PROJECT = "guanjia"
LANGUAGE_TEAMS = {
    "zh_Hans": "Chinese (Simplified) <zh_Hans>",
    "zh_Hant": "Chinese (Traditional: Hong Kong, Taiwan, Macau) <zh_Hant>",
}
# The same keywords as babel.cfg declares; passed explicitly so Babel's defaults (ugettext,
# dgettext, pgettext, …) do not widen what counts as a message.
KEYWORDS: dict[str, tuple[int, ...] | None] = {
    "_": None,
    "N_": None,
    "gettext": None,
    "ngettext": (1, 2),
}
COMMENT_TAGS = ("TRANSLATORS:",)
WRITE_OPTIONS = {"include_lineno": False, "sort_output": True, "width": 100}


def po_path(locale: str, root: Path = ROOT) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


# --- extract ---------------------------------------------------------------------------------


def extract_catalog(root: Path = ROOT) -> Catalog:
    """Every message id that bot/ and core/ use, as a template catalogue (nothing is written)."""
    with (root / MAPPING).open(encoding="utf-8") as mapping_file:
        method_map, options_map = parse_mapping_cfg(mapping_file, MAPPING)
    catalog = Catalog(
        project=PROJECT,
        version=VERSION,
        copyright_holder=COPYRIGHT,
        msgid_bugs_address=BUGS_ADDRESS,
        header_comment=TEMPLATE_HEADER,
        charset="utf-8",
        fuzzy=False,
    )
    for filename, lineno, message, comments, context in extract_from_dir(
        str(root),
        method_map,
        options_map,
        keywords=KEYWORDS,
        comment_tags=COMMENT_TAGS,
        strip_comment_tags=True,
    ):
        catalog.add(
            message,
            None,
            [(filename.replace("\\", "/"), lineno)],
            auto_comments=comments,
            context=context,
        )
    return catalog


def render(catalog: Catalog, *, ignore_obsolete: bool = False) -> bytes:
    buffer = io.BytesIO()
    write_po(buffer, catalog, ignore_obsolete=ignore_obsolete, **WRITE_OPTIONS)
    return buffer.getvalue()


_CREATION_LINE = re.compile(rb'^"POT-Creation-Date: .*\\n"\n', re.MULTILINE)


def write_template(catalog: Catalog, path: Path) -> bool:
    """Writes the template unless only its creation date would change; True when written."""
    new = render(catalog)
    if path.exists() and _CREATION_LINE.sub(b"", path.read_bytes()) == _CREATION_LINE.sub(b"", new):
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(new)
    return True


def cmd_extract(_: argparse.Namespace) -> int:
    catalog = extract_catalog()
    written = write_template(catalog, ROOT / TEMPLATE)
    state = "written" if written else "unchanged"
    print(f"{TEMPLATE}: {len(catalog)} messages ({state})")
    return 0


# --- update ----------------------------------------------------------------------------------


def read_catalog(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as po_file:
        return read_po(po_file, locale=locale)


def set_headers(catalog: Catalog, locale: str) -> None:
    catalog.project = PROJECT
    catalog.version = ""
    catalog.charset = "utf-8"
    catalog.language_team = LANGUAGE_TEAMS[locale]
    catalog.fuzzy = False
    # nplurals=1; plural=0 comes from the locale (Chinese has one plural form).


def update_catalogue(template: Catalog, locale: str) -> tuple[Catalog, bool]:
    """The locale's catalogue brought in line with the template; True when its file changed."""
    path = po_path(locale)
    if path.exists():
        catalog = read_catalog(path, locale)
    else:
        catalog = Catalog(locale=locale, project=PROJECT, charset="utf-8", fuzzy=False)
        catalog.revision_date = datetime.now().astimezone()
    before = render(catalog) if path.exists() else b""
    catalog.update(template, no_fuzzy_matching=True, update_creation_date=False)
    set_headers(catalog, locale)
    after = render(catalog)
    if after == before:
        return catalog, False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(after)
    return catalog, True


def cmd_update(args: argparse.Namespace) -> int:
    if not TEMPLATE.exists():
        print(f"{TEMPLATE.relative_to(ROOT)} is missing: run `extract` first", file=sys.stderr)
        return 1
    template = read_catalog(TEMPLATE)
    for locale in LOCALES:
        catalog, changed = update_catalogue(template, locale)
        if args.drop_obsolete and catalog.obsolete:
            catalog.obsolete.clear()
            po_path(locale).write_bytes(render(catalog))
            changed = True
        untranslated = sum(1 for m in _messages(catalog) if not _translated(m))
        print(
            f"{po_path(locale).relative_to(ROOT)}: {len(catalog)} messages, "
            f"{untranslated} to translate, {len(catalog.obsolete)} obsolete"
            f" ({'written' if changed else 'unchanged'})"
        )
    return 0


# --- check -----------------------------------------------------------------------------------


def _messages(catalog: Catalog) -> Iterator[Message]:
    return (message for message in catalog if message.id)


def _key(message: Message) -> object:
    key = message.id if isinstance(message.id, str) else tuple(message.id)
    return (message.context, key)


def _forms(value: str | Iterable[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _translated(message: Message) -> bool:
    forms = _forms(message.string)
    return bool(forms) and all(form.strip() for form in forms)


def _show(message_id: str | Iterable[str]) -> str:
    text = message_id if isinstance(message_id, str) else " | ".join(message_id)
    text = text.replace("\n", "\\n")
    return repr(text if len(text) <= 70 else text[:67] + "...")


_FORMATTER = string.Formatter()


def placeholders(text: str) -> set[str]:
    """The `{name!conversion:spec}` fields of a str.format string; ValueError if malformed."""
    fields = set()
    for _, name, spec, conversion in _FORMATTER.parse(text):
        if name is None:
            continue
        field = name
        if conversion:
            field += "!" + conversion
        if spec:
            field += ":" + spec
        fields.add("{" + field + "}")
    return fields


_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


def _english_left(message_id: str, translation: str) -> bool:
    """The translation is the English id (or keeps most of its words)."""
    words = {w.lower() for w in _LATIN_WORD.findall(re.sub(r"\{[^{}]*\}", "", message_id))}
    if not words:
        return False
    kept = {w.lower() for w in _LATIN_WORD.findall(re.sub(r"\{[^{}]*\}", "", translation))}
    return translation == message_id or len(kept & words) >= max(2, len(words) // 2)


# Characters that OpenCC converts from Simplified (without enough context) but that are correct
# Traditional characters in their own right: 干擾, 皇后, 公里, 台灣, 只有, 系統, 周到, 其余→其餘?
# (余 is also a surname), 批准, 松樹, 征, 製/制, 游泳, 划船, 山谷, 丑時, 范 (surname), 面 …
SHARED_HANZI = set("干后里台只系周余准松征制游划谷丑范面斗卜千舍借克困蒙表布才着")


def _converter(config: str):
    from opencc import OpenCC

    cache = _CONVERTERS.get(config)
    if cache is None:
        cache = _CONVERTERS[config] = OpenCC(config)
    return cache


_CONVERTERS: dict[str, object] = {}


def simplified_only(text: str) -> list[str]:
    """Characters of a Traditional text that every Traditional standard would convert."""
    found: list[str] = []
    conversions = [_converter(c).convert(text) for c in ("s2t", "s2tw", "s2hk")]
    if any(len(c) != len(text) for c in conversions):  # a phrase changed length: compare as sets
        changed = set(text) - set().union(*(set(c) for c in conversions))
        return sorted(ch for ch in changed if ch not in SHARED_HANZI)
    for index, char in enumerate(text):
        if char in SHARED_HANZI:
            continue
        if all(c[index] != char for c in conversions) and char not in found:
            found.append(char)
    return found


def traditional_only(text: str) -> list[str]:
    """Characters of a Simplified text that OpenCC's t2s turns into Simplified ones."""
    converted = _converter("t2s").convert(text)
    if len(converted) != len(text):
        return sorted(set(text) - set(converted))
    found: list[str] = []
    for char, simple in zip(text, converted, strict=True):
        if char != simple and char not in found:
            found.append(char)
    return found


def _check_translation(locale: str, message: Message) -> list[str]:
    problems: list[str] = []
    ids = _forms(message.id)
    forms = _forms(message.string)
    where = f"{locale}: {_show(message.id)}"
    try:
        # With one plural form (Chinese), the form must carry what the plural id carries.
        expected = placeholders(ids[-1]) | (placeholders(ids[0]) if len(ids) == 1 else set())
    except ValueError as exc:
        return [f"{where}: the message id is not a valid format string ({exc})"]
    for form in forms:
        try:
            found = placeholders(form)
        except ValueError as exc:
            problems.append(f"{where}: translation is not a valid format string ({exc})")
            continue
        if found != expected:
            missing = ", ".join(sorted(expected - found)) or "-"
            extra = ", ".join(sorted(found - expected)) or "-"
            problems.append(f"{where}: placeholders differ (missing {missing}; unknown {extra})")
        if form.count("\n") != ids[-1].count("\n"):
            problems.append(f"{where}: line breaks differ from the message id")
        if _english_left(ids[-1], form):
            problems.append(f"{where}: translation is still English: {form!r}")
        if locale == "zh_Hant" and (chars := simplified_only(form)):
            problems.append(f"{where}: Simplified characters in Traditional: {''.join(chars)}")
        if locale == "zh_Hans" and (chars := traditional_only(form)):
            problems.append(f"{where}: Traditional characters in Simplified: {''.join(chars)}")
    return problems


def check(root: Path = ROOT) -> list[str]:
    """Every problem with the template and the catalogues, as readable lines (empty: all good)."""
    problems: list[str] = []
    code = extract_catalog(root)
    code_keys = {_key(m): m for m in _messages(code)}

    for message in code_keys.values():
        for form in _forms(message.id):
            try:
                placeholders(form)
            except ValueError as exc:
                where = ", ".join(sorted({f for f, _ in message.locations}))
                problems.append(
                    f"code ({where}): {_show(form)} is not a valid format string: {exc}"
                )

    if not TEMPLATE.exists():
        problems.append(f"{TEMPLATE.relative_to(ROOT)} is missing (run extract)")
    else:
        template = read_catalog(TEMPLATE)
        if {_key(m) for m in _messages(template)} != set(code_keys):
            problems.append(f"{TEMPLATE.relative_to(ROOT)} is out of date (run extract, update)")

    for locale in LOCALES:
        path = po_path(locale)
        if not path.exists():
            problems.append(f"{path.relative_to(ROOT)} is missing (run extract, update)")
            continue
        catalog = read_catalog(path, locale)
        rel = path.relative_to(ROOT)
        if str(catalog.locale) != locale:
            problems.append(f"{rel}: header Language is {catalog.locale}, expected {locale}")
        if catalog.charset.lower() not in {"utf-8", "utf8"}:
            problems.append(f"{rel}: charset is {catalog.charset}, expected UTF-8")
        if catalog.plural_forms.replace(" ", "") != "nplurals=1;plural=0;":
            problems.append(f"{rel}: Plural-Forms is {catalog.plural_forms!r}")
        if catalog.fuzzy:
            problems.append(f"{rel}: the header is marked fuzzy")
        entries = {_key(m): m for m in _messages(catalog)}
        for key, message in code_keys.items():
            if key not in entries:
                problems.append(f"{locale}: missing {_show(message.id)} (run extract, update)")
        for key, message in entries.items():
            if key not in code_keys:
                problems.append(
                    f"{locale}: {_show(message.id)} is no longer in the code (run update)"
                )
                continue
            if _forms(message.id) != _forms(code_keys[key].id):
                problems.append(f"{locale}: {_show(message.id)} has another plural id in the code")
            if not _translated(message):
                problems.append(f"{locale}: not translated {_show(message.id)}")
                continue
            if message.fuzzy:
                problems.append(f"{locale}: fuzzy {_show(message.id)}")
            problems.extend(_check_translation(locale, message))
        for message in catalog.obsolete.values():
            problems.append(f"{locale}: obsolete #~ {_show(message.id)} (delete it or reuse it)")
    return problems


def cmd_check(_: argparse.Namespace) -> int:
    problems = check()
    count = len(list(_messages(extract_catalog())))
    for problem in problems:
        print(problem)
    if problems:
        print(f"{len(problems)} problem(s); {count} messages in the code", file=sys.stderr)
        return 1
    print(f"catalogues OK: {count} messages in the code, translated in {', '.join(LOCALES)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("extract", help="bot/ and core/ → locales/messages.pot").set_defaults(
        run=cmd_extract
    )
    update = commands.add_parser("update", help="messages.pot → both catalogues")
    update.add_argument(
        "--drop-obsolete", action="store_true", help="delete obsolete #~ entries as well"
    )
    update.set_defaults(run=cmd_update)
    commands.add_parser("check", help="list every problem; exit 1 if any").set_defaults(
        run=cmd_check
    )
    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())

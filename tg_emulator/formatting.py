"""Message text as Telegram stores it: plain text plus entities, lengths in UTF-16 units."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

from .errors import bad_request

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
# MarkdownV2 and legacy Markdown markers; escaped characters keep their literal value.
_MARKDOWN_MARKERS = re.compile(r"\\(.)|```|\*\*|__|\|\||[*_~`]")
_MARKDOWN_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")


def utf16_len(text: str) -> int:
    """Length in UTF-16 code units: how Telegram counts text and entity offsets."""
    return len(text.encode("utf-16-le")) // 2


class _TelegramHtml(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.length = 0
        self.entities: list[dict[str, Any]] = []
        self.open: list[tuple[str, int, dict[str, Any]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "span" and ("class", "tg-spoiler") in attrs:
            tag = "tg-spoiler"
        if tag not in _HTML_TAGS:
            raise bad_request(f'can\'t parse entities: unsupported start tag "{tag}"')
        entity: dict[str, Any] = {"type": _HTML_TAGS[tag]}
        attributes = dict(attrs)
        if tag == "a":
            entity["url"] = attributes.get("href") or ""
        if tag == "tg-emoji":
            entity["custom_emoji_id"] = attributes.get("emoji-id") or ""
        self.open.append((tag, self.length, entity))

    def handle_endtag(self, tag: str) -> None:
        if tag == "span":
            tag = "tg-spoiler"
        if not self.open or self.open[-1][0] != tag:
            raise bad_request(f'can\'t parse entities: unmatched end tag "{tag}"')
        _, start, entity = self.open.pop()
        if self.length > start:
            self.entities.append({**entity, "offset": start, "length": self.length - start})

    def handle_data(self, data: str) -> None:
        self.parts.append(data)
        self.length += utf16_len(data)


def parse_text(text: str, parse_mode: str | None) -> tuple[str, list[dict[str, Any]]]:
    """Return the text a user sees and the entities the parse mode produced."""
    if not parse_mode:
        return text, []
    mode = parse_mode.lower()
    if mode == "html":
        parser = _TelegramHtml()
        parser.feed(text)
        parser.close()
        if parser.open:
            raise bad_request(
                f"can't parse entities: can't find end tag corresponding to start tag \""
                f'{parser.open[-1][0]}"'
            )
        entities = sorted(parser.entities, key=lambda e: (e["offset"], -e["length"]))
        return "".join(parser.parts), entities
    if mode in ("markdown", "markdownv2"):
        # Entities for Markdown are not reproduced; the visible text is what matters.
        plain = _MARKDOWN_LINK.sub(r"\1", text)
        plain = _MARKDOWN_MARKERS.sub(lambda m: m.group(1) or "", plain)
        return plain, []
    raise bad_request(f"unsupported parse_mode {parse_mode}")

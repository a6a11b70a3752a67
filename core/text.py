"""What people type, made safe to keep and to show to others: no control characters (a NUL, an
ANSI escape), no invisible characters (zero-width spaces and joiners, a byte-order mark) and no
bidirectional overrides (a right-to-left override in a Telegram name would reverse the phone
number and the unit shown after it on a desk's card). Line breaks and tabs stay; what is left
is what a reader sees."""

from __future__ import annotations

import re
import unicodedata

# ESC [ ... final byte: the terminal escapes a desk clerk's log viewer would obey.
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[@-_]")
_KEEP = {"\n", "\t"}
# Zero-width and invisible formatting characters, bidi embeddings, overrides and isolates.
_INVISIBLE = {
    "\u200b", "\u200c", "\u200d", "\u200e", "\u200f", "\u2060", "\u2061", "\u2062", "\u2063",
    "\u2064", "\ufeff", "\u180e", "\u00ad",
    "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069",
}  # fmt: skip


def clean(text: str | None) -> str | None:
    """The text without control, invisible or bidi-control characters (None stays None)."""
    if text is None:
        return None
    text = _ANSI.sub("", text)
    return "".join(
        ch
        for ch in text
        if ch in _KEEP
        or (ch not in _INVISIBLE and unicodedata.category(ch) not in ("Cc", "Cs", "Co"))
    )

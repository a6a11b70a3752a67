"""How an estate's greeting texts read to the manager who edits them: the festivals by name,
the text in both scripts, whether it is the estate's own or the default."""

from __future__ import annotations

from core.i18n import N_, Translator
from core.services.greeting_texts import GreetingText

FESTIVAL_LABELS = {
    "spring_festival": N_("Spring Festival"),
    "new_year": N_("New Year's Day"),
    "qingming": N_("Qingming Festival"),
    "dragon_boat": N_("Dragon Boat Festival"),
    "mid_autumn": N_("Mid-Autumn Festival"),
    "national_day": N_("National Day"),
    "region_day": N_("Establishment Day of the region"),
}
OWN = N_("the estate's own text")
DEFAULT = N_("the default text")
NEXT_DAY = N_("Next: {day}")
SIMPLIFIED = N_("Simplified:")
TRADITIONAL = N_("Traditional:")


def festival_label(t: Translator, festival: str) -> str:
    return t(FESTIVAL_LABELS[festival])


def greeting_card(t: Translator, text: GreetingText) -> str:
    """The festival, when it next comes, and its greeting in both scripts."""
    head = f"{festival_label(t, text.festival)}（{t(OWN if text.own else DEFAULT)}）"
    lines = [head]
    if text.next_day is not None:
        lines.append(t(NEXT_DAY, day=t.date(text.next_day)))
    lines += ["", t(SIMPLIFIED), text.text_hans, "", t(TRADITIONAL), text.text_hant]
    return "\n".join(lines)

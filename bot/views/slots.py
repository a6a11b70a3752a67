"""Preferred time windows: today / tomorrow / a later day, morning / afternoon / evening.

The earliest window offered keeps the seeds' 30-minute margin: a slot starts no sooner than half
an hour from now, and a slot with less than half an hour left is not offered.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from bot.conversation.replies import Button
from core.i18n import N_, Translator
from core.timelimits import APPOINTMENT_MARGIN


class Slot(StrEnum):
    MORNING = "am"
    AFTERNOON = "pm"
    EVENING = "ev"


SLOT_HOURS = {
    Slot.MORNING: (time(9, 0), time(12, 0)),
    Slot.AFTERNOON: (time(14, 0), time(17, 30)),
    Slot.EVENING: (time(18, 0), time(20, 0)),
}
SLOT_LABELS = {
    Slot.MORNING: N_("Morning (9:00-12:00)"),
    Slot.AFTERNOON: N_("Afternoon (14:00-17:30)"),
    Slot.EVENING: N_("Evening (18:00-20:00)"),
}
DAYS_AHEAD = 7


def window(day: date, slot: Slot, now: datetime, timezone: str) -> tuple[datetime, datetime] | None:
    """The window in UTC, or None when it is past or too close to keep the margin."""
    tz = ZoneInfo(timezone)
    start_time, end_time = SLOT_HOURS[slot]
    start = datetime.combine(day, start_time, tz)
    end = datetime.combine(day, end_time, tz)
    earliest = now + APPOINTMENT_MARGIN
    start = max(start, earliest)
    if end - start < APPOINTMENT_MARGIN:
        return None
    return start.astimezone(ZoneInfo("UTC")), end.astimezone(ZoneInfo("UTC"))


def open_slots(day: date, now: datetime, timezone: str) -> list[Slot]:
    return [slot for slot in Slot if window(day, slot, now, timezone) is not None]


def local_today(now: datetime, timezone: str) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def days_offered(now: datetime, timezone: str) -> list[date]:
    """Today only while a slot is still open today; then the coming week."""
    today = local_today(now, timezone)
    days = [today + timedelta(days=offset) for offset in range(DAYS_AHEAD + 1)]
    return [d for d in days if open_slots(d, now, timezone)]


# --- the one picker: a day, then a part of it ----------------------------------------------------


def day_rows(
    t: Translator, now: datetime, timezone: str, button: Callable[[str, date], Button]
) -> list[list[Button]]:
    """The days still open, two to a row, "Today" and "Tomorrow" by name."""
    today = local_today(now, timezone)
    buttons = []
    for day in days_offered(now, timezone):
        named = {0: t("Today"), 1: t("Tomorrow")}.get((day - today).days)
        buttons.append(button(named or t.day(day), day))
    return [buttons[i : i + 2] for i in range(0, len(buttons), 2)]


def slot_rows(
    t: Translator, day: date, now: datetime, timezone: str, button: Callable[[str, Slot], Button]
) -> list[list[Button]]:
    return [[button(t(SLOT_LABELS[slot]), slot)] for slot in open_slots(day, now, timezone)]

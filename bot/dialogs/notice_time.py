"""When a manager wants a notice to go out, as typed: "明天 9:00", "12-24 18:00",
"2026-12-24 18:00" (also 今天, 后天/後天, 12月24日, 2026/12/24, a time alone, full-width
digits), read in the estate's time zone."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta, tzinfo

RELATIVE_DAYS = {"今天": 0, "今日": 0, "明天": 1, "明日": 1, "后天": 2, "後天": 2}
_DAY = (
    r"(?:(?P<rel>今天|今日|明天|明日|后天|後天)"
    r"|(?:(?P<year>\d{4})\s*[-/.年]\s*)?(?P<month>\d{1,2})\s*[-/.月]\s*(?P<day>\d{1,2})\s*[日号號]?)"
)
_TIME = (
    r"(?P<hour>\d{1,2})\s*"
    r"(?::\s*(?P<minute>\d{2})|[点點時时]\s*(?:(?P<minute2>\d{1,2})\s*分?|半(?P<half>))?)"
)
WHEN = re.compile(rf"^\s*(?:{_DAY})?\s*(?:上午|早上)?\s*{_TIME}\s*$")


def parse_send_time(text: str, now: datetime, zone: tzinfo) -> datetime | None:
    """The moment meant, in `zone`; None if it cannot be read. A day without a year is the next
    one to come; a time alone is today's, or tomorrow's once it has passed. A moment already
    past is returned as it is (the caller says so)."""
    found = WHEN.match(unicodedata.normalize("NFKC", text))
    if found is None:
        return None
    parts = found.groupdict()
    hour = int(parts["hour"])
    minute = int(parts["minute"] or parts["minute2"] or (30 if parts["half"] is not None else 0))
    local_now = now.astimezone(zone)
    today = local_now.date()
    try:
        if parts["rel"]:
            day = today + timedelta(days=RELATIVE_DAYS[parts["rel"]])
        elif parts["month"]:
            year = int(parts["year"]) if parts["year"] else today.year
            day = date(year, int(parts["month"]), int(parts["day"]))
        else:
            day = today
        moment = datetime(day.year, day.month, day.day, hour, minute, tzinfo=zone)
    except ValueError:
        return None
    if moment <= now and not parts["year"] and not parts["rel"]:
        if parts["month"]:
            try:
                moment = moment.replace(year=moment.year + 1)
            except ValueError:
                return None
        else:
            moment += timedelta(days=1)
    return moment

"""Time limits per priority (estate settings override the defaults)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from core.enums import OrderStatus, Priority

# Minutes allowed in each status before the next step is due.
DEFAULT_LIMITS: dict[str, dict[str, int]] = {
    OrderStatus.REGISTERED: {Priority.NORMAL: 30, Priority.URGENT: 15, Priority.EMERGENCY: 5},
    OrderStatus.DISPATCHED: {Priority.NORMAL: 30, Priority.URGENT: 15, Priority.EMERGENCY: 5},
    OrderStatus.ACCEPTED: {Priority.NORMAL: 240, Priority.URGENT: 60, Priority.EMERGENCY: 30},
    OrderStatus.ON_SITE: {Priority.NORMAL: 480, Priority.URGENT: 240, Priority.EMERGENCY: 120},
    # The resident's confirmation: no answer in 48 hours counts as confirmed.
    OrderStatus.COMPLETED: {Priority.NORMAL: 2880, Priority.URGENT: 2880, Priority.EMERGENCY: 2880},
}
# Limits that run on the calendar whatever the priority (the resident's 48 hours).
CALENDAR_STATUSES = frozenset({OrderStatus.COMPLETED})
# A normal order's clock runs in working hours only, and not on the region's public holidays.
WORKING_HOURS = (time(8, 0), time(17, 30))

APPOINTMENT_MARGIN = timedelta(minutes=30)  # seed 002: an appointment keeps 30 minutes of margin


def limit_for(
    status: str, priority: str, estate_settings: dict[str, Any] | None = None
) -> timedelta | None:
    overrides = (estate_settings or {}).get("limits", {})
    minutes = overrides.get(status, {}).get(priority)
    if minutes is None:
        minutes = DEFAULT_LIMITS.get(status, {}).get(priority)
    return None if minutes is None else timedelta(minutes=int(minutes))


def answer_within(priority: str, estate_settings: dict[str, Any] | None = None) -> timedelta:
    """What the resident is promised at registration: dispatched and accepted by then."""
    dispatch = limit_for(OrderStatus.REGISTERED, priority, estate_settings) or timedelta()
    accept = limit_for(OrderStatus.DISPATCHED, priority, estate_settings) or timedelta()
    return dispatch + accept


@cache
def _holidays(region: str, year: int) -> frozenset[date]:
    try:
        return frozenset(holidays.country_holidays(region, years=year))
    except NotImplementedError:  # a region the package does not know: no holidays
        return frozenset()


def is_working_day(day: date, region: str) -> bool:
    return day not in _holidays(region, day.year)


def working_hours(estate_settings: dict[str, Any] | None) -> tuple[time, time]:
    hours = (estate_settings or {}).get("working_hours")
    if not hours:
        return WORKING_HOURS
    return time.fromisoformat(hours[0]), time.fromisoformat(hours[1])


def deadline(
    start: datetime,
    limit: timedelta,
    *,
    working_time: bool,
    timezone: str,
    region: str,
    estate_settings: dict[str, Any] | None = None,
) -> datetime:
    """`start + limit`, counting only working hours on working days when `working_time`."""
    if not working_time:
        return start + limit
    tz = ZoneInfo(timezone)
    opens, closes = working_hours(estate_settings)
    moment = start.astimezone(tz)
    remaining = limit
    for _ in range(400):  # a year of closed days at most; the limit is never that long
        day = moment.date()
        day_open = datetime.combine(day, opens, tz)
        day_close = datetime.combine(day, closes, tz)
        if is_working_day(day, region) and moment < day_close:
            moment = max(moment, day_open)
            available = day_close - moment
            if remaining <= available:
                return (moment + remaining).astimezone(start.tzinfo)
            remaining -= available
        moment = datetime.combine(day + timedelta(days=1), opens, tz)
    return start + limit


def due_after(
    start: datetime,
    status: str,
    priority: str,
    *,
    timezone: str,
    region: str,
    estate_settings: dict[str, Any] | None = None,
) -> datetime | None:
    """When the limit of `status` entered at `start` runs out, or None when it has none."""
    limit = limit_for(status, priority, estate_settings)
    if limit is None:
        return None
    working_time = priority == Priority.NORMAL and status not in CALENDAR_STATUSES
    return deadline(
        start,
        limit,
        working_time=working_time,
        timezone=timezone,
        region=region,
        estate_settings=estate_settings,
    )

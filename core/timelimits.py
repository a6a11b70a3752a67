"""Time limits per priority (estate settings override the defaults)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from core.enums import OrderStatus, Priority

# Minutes allowed in each status before the next step is due.
DEFAULT_LIMITS: dict[str, dict[str, int]] = {
    OrderStatus.REGISTERED: {Priority.NORMAL: 30, Priority.URGENT: 15, Priority.EMERGENCY: 5},
    OrderStatus.DISPATCHED: {Priority.NORMAL: 30, Priority.URGENT: 15, Priority.EMERGENCY: 5},
    OrderStatus.ACCEPTED: {Priority.NORMAL: 240, Priority.URGENT: 60, Priority.EMERGENCY: 30},
    OrderStatus.ON_SITE: {Priority.NORMAL: 480, Priority.URGENT: 240, Priority.EMERGENCY: 120},
}

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

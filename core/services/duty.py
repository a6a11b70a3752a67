"""Duty: workers switch themselves on and off; a roster (weekday and hours) can be imported."""

from __future__ import annotations

import csv
import io
from datetime import time

from sqlalchemy import delete, select, update

from core.enums import WORKER_ROLES
from core.errors import ImportFailed, PermissionDenied
from core.models import DutyShift, StaffRole
from core.services import people
from core.uow import UnitOfWork

WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


async def set_on_duty(uow: UnitOfWork, person_id: int | None, on_duty: bool) -> None:
    """Switches every worker post of the person; anyone else has nothing to switch."""
    if person_id is None:
        raise PermissionDenied()
    result = await uow.session.execute(
        update(StaffRole)
        .where(
            StaffRole.person_id == person_id,
            StaffRole.role.in_([str(r) for r in WORKER_ROLES]),
            StaffRole.active.is_(True),
        )
        .values(on_duty=on_duty)
    )
    if not result.rowcount:  # type: ignore[attr-defined]
        raise PermissionDenied()


async def is_on_duty(uow: UnitOfWork, person_id: int | None) -> bool:
    rows = await uow.session.scalars(
        select(StaffRole.on_duty).where(
            StaffRole.person_id == person_id,
            StaffRole.role.in_([str(r) for r in WORKER_ROLES]),
            StaffRole.active.is_(True),
        )
    )
    return any(rows)


def _minutes(text: str) -> int:
    moment = time.fromisoformat(text.strip())
    return moment.hour * 60 + moment.minute


async def import_roster(uow: UnitOfWork, estate_id: int, data: bytes) -> int:
    """CSV `phone,weekday,start,end` (weekday mon..sun or 0..6, times HH:MM); replaces the
    roster of everyone named in it. All or nothing: any bad row and nothing is written."""
    text = data.decode("utf-8-sig")
    errors: list[tuple[int, str]] = []
    shifts: list[DutyShift] = []
    for number, row in enumerate(csv.DictReader(io.StringIO(text)), start=2):
        try:
            person_id = await people.find_by_phone(uow, row["phone"])
            if person_id is None:
                raise ValueError(f"unknown phone {row['phone']!r}")
            day = row["weekday"].strip().lower()[:3]
            weekday = WEEKDAYS[day] if day in WEEKDAYS else int(day)
            start, end = _minutes(row["start"]), _minutes(row["end"])
            if not 0 <= weekday <= 6 or start >= end:
                raise ValueError("weekday 0-6 and start before end")
        except (KeyError, ValueError) as exc:
            errors.append((number, str(exc)))
            continue
        shifts.append(
            DutyShift(
                estate_id=estate_id,
                person_id=person_id,
                weekday=weekday,
                start_minute=start,
                end_minute=end,
            )
        )
    if errors:
        raise ImportFailed(errors)
    named = {s.person_id for s in shifts}
    if named:
        await uow.session.execute(
            delete(DutyShift).where(
                DutyShift.estate_id == estate_id, DutyShift.person_id.in_(named)
            )
        )
    for shift in shifts:
        uow.add(shift)
    await uow.flush()
    return len(shifts)

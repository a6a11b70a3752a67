"""How a satisfaction survey scales with the estate: fixing the audience, writing every
household's questionnaire to the outbox in batches, and reading the three rates (per campaign,
building and question) and the alert's analysis as SQL aggregates.

    python -m bench.survey_campaign [--households 5000] [--database URL]

(on PostgreSQL it works in a schema of its own and drops it afterwards)

An estate of `--households` units in buildings of 200, three in five with a bound chat; half of
the households have returned the questionnaire (written straight into the tables: answering is
not what is measured). Prints one line per step with its wall time.
"""

from __future__ import annotations

import argparse
import asyncio
import secrets
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import insert, update
from sqlalchemy.engine import make_url

from core.clock import FakeClock
from core.crypto import Cipher, new_key
from core.db import create_engine, session_factory
from core.enums import BindingStatus, OutboxStatus
from core.models import (
    Base,
    Building,
    ChatIdentity,
    Estate,
    OutboxMessage,
    Person,
    SurveyAnswer,
    SurveyHousehold,
    Unit,
    UnitBinding,
)
from core.services import questionnaires, survey_rates, survey_sending, surveys
from core.uow import UnitOfWorkFactory

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "survey_2026H2.csv"
PER_BUILDING = 200


def render(prompt: survey_sending.Prompt, locale: str) -> dict:
    question = prompt.campaign.questions[prompt.index]
    return {"text": question.text_in(locale), "buttons": [[{"text": "1", "data": "x"}]]}


async def _estate(uows: UnitOfWorkFactory, households: int) -> int:
    now = uows.clock.now()
    async with uows() as uow:
        estate = Estate(code="BM", name="Bench", settings={})
        uow.add(estate)
        await uow.flush()
        for first in range(0, households, PER_BUILDING):
            building = Building(estate_id=estate.id, name=f"{first // PER_BUILDING + 1}栋")
            uow.add(building)
            await uow.flush()
            count = min(PER_BUILDING, households - first)
            units = [{"building_id": building.id, "number": str(n + 1)} for n in range(count)]
            await uow.session.execute(insert(Unit), units)
        unit_ids = sorted(
            (await uow.session.scalars(Unit.__table__.select().with_only_columns(Unit.id))).all()
        )
        people = [{"created_at": now} for _ in unit_ids if _ % 5 < 3]
        await uow.session.execute(insert(Person), people)
        person_ids = sorted(
            (
                await uow.session.scalars(Person.__table__.select().with_only_columns(Person.id))
            ).all()
        )
        chat_units = [u for u in unit_ids if u % 5 < 3]
        await uow.session.execute(
            insert(UnitBinding),
            [
                {
                    "person_id": p,
                    "unit_id": u,
                    "relation": "owner",
                    "status": BindingStatus.VERIFIED,
                    "created_at": now,
                }
                for p, u in zip(person_ids, chat_units, strict=False)
            ],
        )
        await uow.session.execute(
            insert(ChatIdentity),
            [
                {
                    "user_id": 10**6 + p,
                    "chat_id": 10**6 + p,
                    "person_id": p,
                    "platform": "telegram",
                    "blocked": False,
                    "greetings_off": False,
                    "created_at": now,
                    "last_seen_at": now,
                }
                for p in person_ids
            ],
        )
        await uow.commit()
        return estate.id


async def _returns(uows: UnitOfWorkFactory, campaign_id: int) -> None:
    """Every other household with a chat returned: satisfied unless its unit id ends in 6."""
    now = uows.clock.now()
    async with uows() as uow:
        await uow.session.execute(
            update(OutboxMessage).values(status=OutboxStatus.SENT, sent_at=now)
        )
        units = (
            await uow.session.scalars(
                SurveyHousehold.__table__.select()
                .with_only_columns(SurveyHousehold.unit_id)
                .where(SurveyHousehold.campaign_id == campaign_id)
            )
        ).all()
        returned = [u for u in units if u % 2 == 0 and u % 5 < 3]
        rows = []
        for unit in returned:
            happy = unit % 10 != 6
            rows += [
                {"campaign_id": campaign_id, "unit_id": unit, "question": "overall",
                 "choice": 0 if happy else 3, "satisfied": happy, "answered_at": now},
                {"campaign_id": campaign_id, "unit_id": unit, "question": "repair",
                 "score": 5 if happy else 2, "satisfied": happy, "answered_at": now},
                {"campaign_id": campaign_id, "unit_id": unit, "question": "comment",
                 "text": None if happy else "维修太慢", "answered_at": now},
            ]  # fmt: skip
        await uow.session.execute(insert(SurveyAnswer), rows)
        await uow.session.execute(
            update(SurveyHousehold)
            .where(
                SurveyHousehold.campaign_id == campaign_id,
                SurveyHousehold.unit_id.in_(returned),
            )
            .values(completed_at=now, next_question=5, satisfied=SurveyHousehold.unit_id % 10 != 6)
        )
        await uow.commit()


async def run(database: str, households: int) -> list[tuple[str, float]]:
    """On PostgreSQL, in a schema of its own, dropped afterwards."""
    if database.startswith("postgresql"):
        schema = "bench_" + secrets.token_hex(6)
        admin = create_engine(database)
        async with admin.begin() as connection:
            await connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        try:
            url = make_url(database).update_query_dict({"schema": schema})
            return await _run(url.render_as_string(hide_password=False), households)
        finally:
            async with admin.begin() as connection:
                await connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
            await admin.dispose()
    return await _run(database, households)


async def _run(database: str, households: int) -> list[tuple[str, float]]:
    engine = create_engine(database)
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    clock = FakeClock(datetime(2026, 11, 23, 1, 0, tzinfo=UTC))
    uows = UnitOfWorkFactory(session_factory(engine), clock, Cipher(new_key()))
    estate_id = await _estate(uows, households)
    questionnaire = questionnaires.parse(EXAMPLE.read_bytes(), EXAMPLE.name)
    timings: list[tuple[str, float]] = []

    started = time.perf_counter()
    async with uows() as uow:
        campaign = await surveys.create(
            uow, estate_id, questionnaire, clock.now() + timedelta(days=14)
        )
        await surveys.start(uow, campaign.id)
        await uow.commit()
    timings.append(("start (the audience fixed)", time.perf_counter() - started))

    started = time.perf_counter()
    await survey_sending.advance(uows, render)
    timings.append(("every questionnaire written, batches of 500", time.perf_counter() - started))

    await _returns(uows, campaign.id)
    started = time.perf_counter()
    async with uows() as uow:
        status = await surveys.status(uow, campaign.id)
        await uow.commit()
    timings.append(
        ("status: reached marked, three rates per building/question", time.perf_counter() - started)
    )

    started = time.perf_counter()
    async with uows() as uow:
        await survey_rates.analysis(uow, campaign.id, status.campaign.questions, 0.85)
    timings.append(("the alert's analysis", time.perf_counter() - started))
    rates = status.rates
    print(
        f"{households} households: reached {rates.reached}, returned {rates.returned}, "
        f"satisfied {rates.satisfied} ({rates.satisfaction:.1%})"
    )
    await engine.dispose()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--households", type=int, default=5000)
    parser.add_argument("--database", help="a database URL (default: a new SQLite file)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database = args.database or f"sqlite+aiosqlite:///{tmp}/bench.db"
        for step, seconds in asyncio.run(run(database, args.households)):
            print(f"{seconds * 1000:9.0f} ms  {step}")


if __name__ == "__main__":
    main()

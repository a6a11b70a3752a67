"""Shared steps of the survey tests: a test estate of ten households, some with chats, and a
small questionnaire whose rates are worked out by hand in the tests."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select, update

from core.enums import OutboxStatus, Relation
from core.models import OutboxMessage, SurveyDelivery
from core.services import directory, identities, people, questionnaires
from core.uow import UnitOfWork

QUESTIONNAIRE = """\
script: zh_Hans
title: 2026年住户满意度调查
questions:
  - key: overall
    kind: choice
    satisfied: true
    text: 您对管理处的服务满意吗？
    options:
      - {text: 非常满意, satisfied: true}
      - {text: 满意, satisfied: true}
      - 不满意
  - key: repair
    kind: rating
    text:
      zh_Hans: 请为维修服务打分（1 最差，5 最好）：
      zh_Hant: 請為維修服務評分（1 最差，5 最好）：
  - {key: comment, kind: text, text: 您还有什么意见或建议？}
"""

# The ten households: the sample estate's 1栋 101, 102, 201 and 2栋 101, and six more.
EXTRA_UNITS = {"1栋": ["202", "301"], "2栋": ["102", "201", "202", "301"]}


def questionnaire() -> questionnaires.Questionnaire:
    return questionnaires.parse(QUESTIONNAIRE, "survey.yaml")


@dataclass
class TestEstate:
    estate_id: int
    units: dict[str, int] = field(default_factory=dict)  # "1栋101" → unit id
    buildings: dict[str, int] = field(default_factory=dict)


async def ten_households(uow: UnitOfWork) -> TestEstate:
    estate = await directory.require_estate(uow, "BX")
    found = TestEstate(estate.id)
    for building in await directory.list_buildings(uow, estate.id):
        found.buildings[building.name] = building.id
        for number in EXTRA_UNITS.get(building.name, []):
            await directory.create_unit(uow, building.id, number)
        for unit in await directory.list_units(uow, building.id):
            found.units[f"{building.name}{unit.number}"] = unit.id
    return found


async def member_with_chat(
    uow: UnitOfWork, unit_id: int, user_id: int, language_code: str = "zh-hans"
) -> int:
    """A new resident of the unit (verified) with a chat with the bot; returns the person."""
    person_id = await people.create_person(uow, None, None)
    await directory.verify_binding(uow, person_id, unit_id, Relation.OWNER)
    identity = await identities.touch(uow, "telegram", user_id, user_id, language_code)
    await identities.link_person(uow, identity.id, person_id)
    await uow.flush()
    return person_id


async def hand_over(
    uow: UnitOfWork, campaign_id: int, failed_units: frozenset[int] = frozenset()
) -> None:
    """The sender's part: every questionnaire handed to Telegram, except to `failed_units`."""
    rows = await uow.session.execute(
        select(SurveyDelivery.unit_id, SurveyDelivery.outbox_id).where(
            SurveyDelivery.campaign_id == campaign_id
        )
    )
    for unit_id, outbox_id in rows.all():
        failed = unit_id in failed_units
        await uow.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == outbox_id)
            .values(
                status=OutboxStatus.FAILED if failed else OutboxStatus.SENT,
                sent_at=None if failed else uow.clock.now(),
            )
        )


async def start_campaign(world, spec=None, remind_after=None, closes_after=None) -> int:
    """The small questionnaire to the sample estate (or `spec`), started and written out by the
    scheduler, as the running bot does; returns the campaign."""
    from datetime import timedelta

    from core.services import surveys

    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        now = uow.clock.now()
        campaign = await surveys.create(
            uow,
            estate.id,
            questionnaire(),
            now + (closes_after or timedelta(days=14)),
            spec or surveys.AudienceSpec(),
            remind_at=now + remind_after if remind_after else None,
        )
        await surveys.start(uow, campaign.id)
        await uow.commit()
    assert world.core.scheduler is not None
    await world.core.scheduler.run_surveys()
    return campaign.id


async def reached(world, campaign_id: int, households: int) -> None:
    """Until the sender has recorded the questionnaires it handed to Telegram (it records them
    just after sending) and the survey counts `households` reached."""
    import asyncio

    from core.services import surveys

    for _ in range(100):
        async with world.uow as uow:
            status = await surveys.status(uow, campaign_id)
            await uow.commit()
        if status.rates.reached == households:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"{status.rates.reached} reached, not {households}")

"""A works notice to one building, end to end on both front ends: written in Simplified, its
Traditional made by OpenCC and shown for approval, sent by the scheduler's batches through the
outbox and the real sender, received by that building's residents in their own script and by
nobody else; the notice list and the progress after delivery."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from resident_steps import drain, tap

from core.services import directory, notices
from core.services.notices import Audience, NewNotice, NoticeKind, NoticeStatus
from sandbox.world import World


async def test_a_works_notice_to_one_building(world: World) -> None:
    hans = await world.resident("赵", "zh-hans", "1栋", "101")
    hant = await world.resident("钱", "zh-hant", "1栋", "101")
    elsewhere = await world.resident("孙", "zh-hans", "2栋", "101")
    now = world.clock.now()
    async with world.uow as uow:
        estate = await directory.require_estate(uow, "BX")
        building = await directory.get_building(uow, estate.id, "1栋")
        assert building is not None
        draft = await notices.create(
            uow,
            NewNotice(
                estate.id,
                NoticeKind.WORKS,
                "明天更换1栋电梯钢丝绳，施工期间请走楼梯。",
                audience=Audience(buildings=(building.id,)),
                place="1栋电梯",
                starts_at=now + timedelta(days=1),
                ends_at=now + timedelta(days=1, hours=8),
            ),
        )
        # The writer sees the Traditional OpenCC made, approves it, and sends.
        assert draft.text_hant == "明天更換1棟電梯鋼絲繩，施工期間請走樓梯。"
        await notices.schedule(uow, draft.id)
        await uow.commit()
    assert world.core.scheduler is not None
    assert await world.core.scheduler.send_notices() == 2

    got = await hans.next_message()
    assert got.body.splitlines()[:3] == [
        "【施工通知】",
        "明天更换1栋电梯钢丝绳，施工期间请走楼梯。",
        "地点：1栋电梯",
    ]
    got = await hant.next_message()
    assert got.body.splitlines()[:3] == [
        "【施工通知】",
        "明天更換1棟電梯鋼絲繩，施工期間請走樓梯。",
        "地點：1棟電梯",
    ]
    assert await drain(elsewhere) == []

    async with world.uow as uow:
        for _ in range(100):  # the sender records what it delivered just after delivering it
            progress = await notices.progress(uow, draft.id)
            if progress.sent == 2:
                break
            await uow.session.rollback()
            await asyncio.sleep(0.05)
        assert (progress.recipients, progress.sent, progress.pending) == (2, 2, 0)
        assert (await notices.get(uow, draft.id)).status is NoticeStatus.SENT

    await hant.send_command("menu")
    listed = await tap(hant, await hant.next_message(), "公告")
    assert "更換1棟電梯鋼絲繩" in listed.body

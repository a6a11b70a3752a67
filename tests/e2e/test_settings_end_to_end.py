"""Estate settings end to end on both front ends: the office gives the engineering team its own
afternoon digest time (what `guanjia estate set BX --team 工程组 digest_pm=14:00` does); at the
estate's 13:30 the team hears nothing, at 14:00 its members get the job list through the real
sender; the supervisor then reads the settings in chat, in their script, and a worker is
refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from staff_helpers import report_leak

from core.services import estate_settings
from sandbox.world import World

EXPECT = {
    "zh-hans": {
        "digest": "工程组：14:01 工单清单",
        "team": "· 工程组：下午工单清单 14:00",
        "refused": "抱歉，您没有权限进行此操作。",
    },
    "zh-hant": {
        "digest": "工程組：14:01 工單清單",
        "team": "· 工程組：下午工單清單 14:00",
        "refused": "抱歉，您沒有權限進行此操作。",
    },
}


@pytest.mark.parametrize("lang", list(EXPECT))
async def test_a_team_s_own_digest_time_and_the_settings_in_chat(world: World, lang: str) -> None:
    expect = EXPECT[lang]
    technician = await world.staff_member("13800000001", lang)
    supervisor = await world.staff_member("13800000004", lang)
    async with world.uow as uow:
        await estate_settings.change(uow, "BX", ["digest_pm=14:00"], "ops", team_name="工程组")
        await uow.commit()
    resident = await world.resident("赵", lang)
    await report_leak(resident)  # waits for dispatch: in the engineering team's job list
    assert world.core.scheduler is not None

    world.clock.set(datetime(2026, 11, 23, 5, 31, tzinfo=UTC))  # 13:31: the estate's time
    await world.core.scheduler.tick()
    world.clock.set(datetime(2026, 11, 23, 6, 1, tzinfo=UTC))  # 14:01: the team's own
    await world.core.scheduler.tick()
    digest = await technician.next_message()  # the first: nothing came at 13:31
    assert digest.body.startswith(expect["digest"]), digest.body
    assert (await supervisor.next_message()).body == digest.body  # in the same team

    await supervisor.send_command("settings")
    shown = await supervisor.next_message()
    assert expect["team"] in shown.body.splitlines()
    await technician.send_command("settings")
    assert (await technician.next_message()).body == expect["refused"]

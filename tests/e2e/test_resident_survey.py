"""A sampled satisfaction survey end to end, on both front ends: half of ten households drawn
with seed 7, the questionnaire sent by the scheduler through the outbox and the real sender,
answered in chat one question at a time, one household answered by the office from paper, the
survey closed by itself at the end of its window; the three rates equal the numbers worked out
by hand, and the manager gets the corrective-action alert (satisfaction 50 % < 85 %)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from resident_steps import drain, tap
from survey_steps import questionnaire, reached, ten_households

from core.services import survey_answers, surveys
from core.services.surveys import AudienceSpec, Scope
from sandbox.world import World

ALERT = {
    "zh-hans": [
        "【纠正措施】调查1（2026年住户满意度调查）的满意率为50.0%，低于标准（85.0%）。",
        "发放率：共5户，已送达5户，100.0%（目标90.0%）",
        "回收率：已送达5户，已回收4户，80.0%（目标85.0%）",
        "满意率：回收4份，满意2份，50.0%",
        "满意率最低的问题：",
        "请为维修服务打分（1 最差，5 最好）：满意1/4（25.0%）",
        "意见：维修太慢",
        "意见：门禁坏了",
        "您对管理处的服务满意吗？：满意2/4（50.0%）",
        "意见：维修太慢",
        "意见：门禁坏了",
        "满意率最低的楼栋：",
        "1栋：满意1/3（33.3%）",
        "意见：维修太慢",
        "意见：门禁坏了",
        "2栋：满意1/1（100.0%）",
    ],
    "zh-hant": [
        "【糾正措施】調查1（2026年住戶滿意度調查）的滿意率為50.0%，低於標準（85.0%）。",
        "發放率：共5戶，已送達5戶，100.0%（目標90.0%）",
        "回收率：已送達5戶，已回收4戶，80.0%（目標85.0%）",
        "滿意率：回收4份，滿意2份，50.0%",
        "滿意率最低的問題：",
        "請為維修服務評分（1 最差，5 最好）：滿意1/4（25.0%）",
        "意見：维修太慢",
        "意見：门禁坏了",
        "您對管理處的服務滿意嗎？：滿意2/4（50.0%）",
        "意見：维修太慢",
        "意見：门禁坏了",
        "滿意率最低的樓棟：",
        "1棟：滿意1/3（33.3%）",
        "意見：维修太慢",
        "意見：门禁坏了",
        "2棟：滿意1/1（100.0%）",
    ],
}


async def _answer(user, choice: str, score: str, comment: str | None) -> None:
    rating = await tap(user, await user.next_message(), choice)
    text = await tap(user, rating, score)
    if comment is None:
        await tap(user, text, "跳过", "略过")
        return
    await tap(user, text, "写下回答")
    await user.send_text(comment)
    await user.next_message()  # thanks


@pytest.mark.parametrize("lang", ["zh-hans", "zh-hant"])
async def test_a_sampled_survey_with_rates_by_hand_and_the_alert(world: World, lang: str) -> None:
    """Seed 7 draws 1栋101, 1栋201, 1栋301, 2栋102 and 2栋301 of the ten households.

    1栋101 very satisfied, 5, no comment; 1栋201 not satisfied, 2, 维修太慢; 2栋102 satisfied,
    3, no comment; 1栋301 has no chat: the office enters not satisfied, 1, 门禁坏了 from paper;
    2栋301 never answers. 1栋102, outside the sample, hears nothing.

    distribution 5/5 = 100 %, return 4/5 = 80 %, satisfaction 2/4 = 50 % (under 85 %: the
    alert). repair: scores 5, 2, 3, 1 → 1/4 = 25 %; overall 2/4 = 50 %; 1栋 1/3 = 33.3 %,
    2栋 1/1 = 100 %.
    """
    async with world.uow as uow:
        estate = await ten_households(uow)
        await uow.commit()
    manager = await world.staff_member("13800000005", lang)
    very = await world.resident("赵", lang, "1栋", "101")
    unhappy = await world.resident("钱", lang, "1栋", "201")
    content = await world.resident("孙", lang, "2栋", "102")
    silent = await world.resident("李", lang, "2栋", "301")
    outside = await world.resident("周", lang, "1栋", "102")

    async with world.uow as uow:
        now = uow.clock.now()
        campaign = await surveys.create(
            uow,
            estate.estate_id,
            questionnaire(),
            now + timedelta(days=7),
            AudienceSpec(Scope.SAMPLE, share=0.5, seed=7),
        )
        assert await surveys.start(uow, campaign.id) == 5
        await uow.commit()
    assert world.core.scheduler is not None
    await world.core.scheduler.tick()

    await _answer(very, "非常满意", "5", None)
    await _answer(unhappy, "不满意", "2", "维修太慢")
    await _answer(content, "满意", "3", None)
    assert "第1" in (await silent.next_message()).body
    assert await drain(outside, quiet=0.3) == []
    async with world.uow as uow:
        await survey_answers.answer_by_office(
            uow,
            campaign.id,
            estate.units["1栋301"],
            {"overall": "不满意", "repair": "1", "comment": "门禁坏了"},
        )
        await uow.commit()
    await reached(world, campaign.id, 5)

    world.clock.advance(timedelta(days=7))
    await world.core.scheduler.tick()
    alert = await manager.next_message()
    assert alert.body.splitlines()[: len(ALERT[lang])] == ALERT[lang]

    async with world.uow as uow:
        status = await surveys.status(uow, campaign.id)
    rates = status.rates
    assert (rates.audience, rates.reached, rates.returned, rates.satisfied) == (5, 5, 4, 2)
    assert (rates.distribution, rates.return_rate, rates.satisfaction) == (1.0, 0.8, 0.5)
    assert status.campaign.status is surveys.CampaignStatus.CLOSED

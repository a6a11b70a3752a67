"""Satisfaction survey campaigns in core: the three rates on ten households worked out by hand
(households with no chat, a questionnaire that never reached Telegram, answers the office
entered from paper), the household's one answer set, the sample, the alert under 85 %."""

from __future__ import annotations

from datetime import timedelta

import pytest
from survey_steps import hand_over, member_with_chat, questionnaire, ten_households

from core.errors import ForbiddenTransition, InvalidInput, PermissionDenied
from core.news import SurveyAlert
from core.services import survey_answers, survey_rates, survey_sending, surveys
from core.services.surveys import AudienceSpec, Scope
from core.uow import UnitOfWorkFactory


def render(prompt: survey_sending.Prompt, locale: str) -> dict:
    return {"text": f"{prompt.campaign.id}/{prompt.unit_id}/{prompt.index} {locale}"}


async def test_rates_by_hand(uows: UnitOfWorkFactory) -> None:
    """Ten households: 1栋 101 102 201 202 301, 2栋 101 102 201 202 301.

    - With a chat: 1栋101 (two members), 1栋102, 1栋201, 1栋202, 2栋101, 2栋102, 2栋201.
      No chat: 1栋301, 2栋202, 2栋301 (listed for the office).
    - Handed to Telegram: all but 2栋201's (its send failed) → 6 reached in chat.
    - The office enters 1栋301's answers from paper → reached 7.
    - Finished: 1栋101, 1栋102, 1栋201, 2栋101 in chat and 1栋301 by the office → returned 5;
      2栋102 answered one question only; 1栋202 never answered.
    - Satisfied (overall: 非常满意 or 满意): 1栋101, 1栋102, 2栋101 → 3.

    distribution 7/10 = 70.0 %, return 5/7 = 71.4 %, satisfaction 3/5 = 60.0 %.
    1栋: reached 5/5, returned 4, satisfied 2 (50 %); 2栋: reached 2/5, returned 1, satisfied 1.
    overall: 3 of 5 satisfied, options (2, 1, 2); repair: scores 5, 3, 2, 4, 1 → 2 of 5
    satisfied (40 %), mean 3.0.
    """
    async with uows() as uow:
        estate = await ten_households(uow)
        u = estate.units
        members = {}
        for user_id, name in enumerate(
            ["1栋101", "1栋102", "1栋201", "1栋202", "2栋101", "2栋102", "2栋201"], start=1
        ):
            members[name] = await member_with_chat(uow, u[name], 1000 + user_id)
        second_of_101 = await member_with_chat(uow, u["1栋101"], 2000, "zh-hant")
        campaign = await surveys.create(
            uow, estate.estate_id, questionnaire(), uow.clock.now() + timedelta(days=14)
        )
        assert await surveys.start(uow, campaign.id) == 10
        assert await survey_sending.write_batch(uow, campaign.id, render, size=4) == 4
        assert await survey_sending.write_batch(uow, campaign.id, render, size=4) == 4
        assert await survey_sending.write_batch(uow, campaign.id, render, size=4) == 2
        assert await survey_sending.write_batch(uow, campaign.id, render, size=4) == 0
        assert await surveys.households_without_chat(uow, campaign.id) == [
            ("1栋", "301"),
            ("2栋", "202"),
            ("2栋", "301"),
        ]
        await hand_over(uow, campaign.id, failed_units={u["2栋201"]})
        await uow.commit()

    answers = {
        "1栋101": (0, 5, None),
        "1栋102": (1, 3, "电梯太慢"),
        "1栋201": (2, 2, "维修不及时"),
        "2栋101": (0, 4, None),
    }
    async with uows() as uow:
        for name, values in answers.items():
            for index, value in enumerate(values):
                await survey_answers.answer(uow, campaign.id, u[name], members[name], index, value)
        await survey_answers.answer(uow, campaign.id, u["2栋102"], members["2栋102"], 0, 0)
        office = await survey_answers.answer_by_office(
            uow, campaign.id, u["1栋301"], {"overall": "3", "repair": "1", "comment": "门禁坏了"}
        )
        assert office.by_office and office.next_question is None and office.satisfied is False
        await uow.commit()

    async with uows() as uow:
        status = await surveys.status(uow, campaign.id)
        rates = status.rates
        assert (rates.audience, rates.reached, rates.returned, rates.satisfied) == (10, 7, 5, 3)
        assert rates.distribution == pytest.approx(0.7)
        assert rates.return_rate == pytest.approx(5 / 7)
        assert rates.satisfaction == pytest.approx(0.6)
        by_building = {b.building: b.rates for b in status.buildings}
        assert by_building["1栋"] == survey_rates.Rates(5, 5, 4, 2)
        assert by_building["2栋"] == survey_rates.Rates(5, 2, 1, 1)
        by_question = {q.key: q for q in status.questions}
        assert (by_question["overall"].answered, by_question["overall"].satisfied) == (5, 3)
        assert by_question["overall"].options == (2, 1, 2)
        assert (by_question["repair"].answered, by_question["repair"].satisfied) == (5, 2)
        assert by_question["repair"].mean_score == pytest.approx(3.0)
        assert by_question["comment"].answered == 3
        # 1栋301 was answered by the office: only 2栋's two are left for paper or the phone.
        assert status.no_chat == [("2栋", "202"), ("2栋", "301")]

        # The household's one answer set: the other member of 1栋101 is told it was answered.
        with pytest.raises(survey_answers.HouseholdAnswered):
            await survey_answers.answer(uow, campaign.id, u["1栋101"], second_of_101, 0, 1)
        with pytest.raises(survey_answers.AlreadyAnswered):
            await survey_answers.answer(uow, campaign.id, u["1栋101"], members["1栋101"], 0, 1)
        # A press for a question already answered (a double tap, an old message).
        with pytest.raises(survey_answers.AnswerRecorded):
            await survey_answers.answer(uow, campaign.id, u["2栋102"], members["2栋102"], 0, 1)
        # Someone of another household cannot answer for this one.
        with pytest.raises(PermissionDenied):
            await survey_answers.answer(uow, campaign.id, u["1栋202"], members["2栋102"], 0, 1)
        # The office does not answer twice for a household that finished.
        with pytest.raises(survey_answers.AlreadyAnswered):
            await survey_answers.answer_by_office(
                uow, campaign.id, u["1栋101"], {"overall": "1", "repair": "5"}
            )

        closed = await surveys.close(uow, campaign.id)
        assert closed.satisfaction == pytest.approx(0.6)
        assert uow.take_news() == [SurveyAlert(campaign.id)]
        analysis = await survey_rates.analysis(uow, campaign.id, status.campaign.questions, 0.85)
        assert [(w.label, w.satisfied, w.answered) for w in analysis.questions] == [
            ("repair", 2, 5),
            ("overall", 3, 5),
        ]
        assert analysis.questions[0].comments == ("电梯太慢", "维修不及时", "门禁坏了")
        assert analysis.questions[1].comments == ("维修不及时", "门禁坏了")
        assert [(w.label, w.satisfied, w.answered) for w in analysis.buildings] == [
            ("1栋", 2, 4),
            ("2栋", 1, 1),
        ]
        assert analysis.buildings[0].comments == ("维修不及时", "门禁坏了")
        await uow.commit()

    async with uows() as uow:
        with pytest.raises(survey_answers.SurveyClosed):
            await survey_answers.answer(uow, campaign.id, u["1栋202"], members["1栋202"], 0, 0)


async def test_a_satisfied_estate_is_not_alerted_and_the_threshold_is_the_estates(
    uows: UnitOfWorkFactory,
) -> None:
    async with uows() as uow:
        estate = await ten_households(uow)
        person = await member_with_chat(uow, estate.units["1栋202"], 3000)
        campaign = await surveys.create(
            uow,
            estate.estate_id,
            questionnaire(),
            uow.clock.now() + timedelta(days=1),
            AudienceSpec(Scope.BUILDINGS, (estate.buildings["1栋"],)),
        )
        assert await surveys.start(uow, campaign.id) == 5
        for index, value in enumerate((0, 5, None)):
            await survey_answers.answer(
                uow, campaign.id, estate.units["1栋202"], person, index, value
            )
        rates = await surveys.close(uow, campaign.id)
        assert (rates.returned, rates.satisfied) == (1, 1)
        assert uow.take_news() == []
    assert survey_rates.threshold_of({"survey_alert_threshold": 90}) == pytest.approx(0.9)
    assert survey_rates.threshold_of({}) == survey_rates.DEFAULT_THRESHOLD


async def test_the_sample_is_a_seeded_share(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        estate = await ten_households(uow)
        spec = AudienceSpec(Scope.SAMPLE, share=0.3, seed=2026)
        first = await surveys.create(
            uow, estate.estate_id, questionnaire(), uow.clock.now() + timedelta(days=1), spec
        )
        again = await surveys.create(
            uow, estate.estate_id, questionnaire(), uow.clock.now() + timedelta(days=1), spec
        )
        assert await surveys.start(uow, first.id) == 3  # 30 % of 10, rounded up
        assert await surveys.start(uow, again.id) == 3
        drawn = surveys.draw_sample(sorted(estate.units.values()), 0.3, 2026)
        assert len(drawn) == 3
        assert drawn == surveys.draw_sample(sorted(estate.units.values()), 0.3, 2026)
        # 5 % of ten households is still one household.
        assert len(surveys.draw_sample(sorted(estate.units.values()), 0.05, 1)) == 1
        with pytest.raises(InvalidInput):
            await surveys.create(
                uow,
                estate.estate_id,
                questionnaire(),
                uow.clock.now() + timedelta(days=1),
                AudienceSpec(Scope.SAMPLE, share=1.5),
            )
        with pytest.raises(ForbiddenTransition):
            await surveys.start(uow, first.id)


async def test_the_reminder_goes_to_households_not_finished(uows: UnitOfWorkFactory) -> None:
    async with uows() as uow:
        estate = await ten_households(uow)
        u = estate.units
        done = await member_with_chat(uow, u["1栋102"], 4001)
        started = await member_with_chat(uow, u["1栋201"], 4002)
        await member_with_chat(uow, u["1栋202"], 4003)
        await member_with_chat(uow, u["1栋202"], 4004)
        now = uow.clock.now()
        campaign = await surveys.create(
            uow,
            estate.estate_id,
            questionnaire(),
            now + timedelta(days=7),
            remind_at=now + timedelta(days=3),
        )
        await surveys.start(uow, campaign.id)
        await survey_sending.write_batch(uow, campaign.id, render)
        for index, value in enumerate((0, 5, None)):
            await survey_answers.answer(uow, campaign.id, u["1栋102"], done, index, value)
        await survey_answers.answer(uow, campaign.id, u["1栋201"], started, 0, 2)
        await uow.commit()
    async with uows() as uow:
        assert await survey_sending.due(uow) == ([], [])
    uows.clock.advance(timedelta(days=3))  # type: ignore[attr-defined]
    async with uows() as uow:
        assert await survey_sending.due(uow) == ([], [campaign.id])
    written: list[dict] = []

    def remember(prompt: survey_sending.Prompt, locale: str) -> dict:
        written.append({"unit": prompt.unit_id, "index": prompt.index, "again": prompt.reminder})
        return render(prompt, locale)

    assert await survey_sending.advance(uows, remember) == 2
    # 1栋201's answerer gets its second question again; both members of 1栋202 the first.
    assert written == [
        {"unit": u["1栋201"], "index": 1, "again": True},
        {"unit": u["1栋202"], "index": 0, "again": True},
        {"unit": u["1栋202"], "index": 0, "again": True},
    ]
    assert await survey_sending.advance(uows, remember) == 0  # once

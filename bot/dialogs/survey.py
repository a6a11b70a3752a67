"""A household member answers a satisfaction survey: one question at a time with buttons, a
text answer written (or skipped). Every answer is kept in core at once, so the next question
can come days later; core checks on every press that the presser is a member of the household,
that the survey is still open and that nobody else of the household is answering."""

from __future__ import annotations

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.routing import Router
from bot.views.buttons import SurveyReply
from bot.views.survey_views import THANKS, WRITE_IT, question_reply
from core.errors import DomainError
from core.services import survey_answers, surveys
from core.services.questionnaires import QuestionKind
from core.services.survey_answers import HouseholdView
from core.services.survey_sending import Prompt

router = Router("survey")

DIALOG = "survey"


@router.button(SurveyReply)
async def on_reply(ctx: Context, payload: SurveyReply) -> None:
    campaign = await surveys.get(ctx.uow, payload.campaign_id)
    if not 0 <= payload.question < len(campaign.questions):
        raise survey_answers.AnswerRecorded()
    question = campaign.questions[payload.question]
    if question.kind is QuestionKind.TEXT and payload.value == 1:
        await _ask_text(ctx, payload)
        return
    value: int | None = payload.value
    if question.kind is QuestionKind.TEXT:
        value = None  # skipped
    if ctx.in_dialog(DIALOG):
        ctx.end_dialog()
    household = await survey_answers.answer(
        ctx.uow, payload.campaign_id, payload.unit_id, ctx.person_id, payload.question, value
    )
    await _next(ctx, household)


async def _ask_text(ctx: Context, payload: SurveyReply) -> None:
    """The answer is the member's next text: a dialog holds which question it answers."""
    campaign, household = await survey_answers.require_answerer(
        ctx.uow, payload.campaign_id, payload.unit_id, ctx.person_id
    )
    if household.next_question != payload.question:
        raise survey_answers.AnswerRecorded()
    ctx.start_dialog(
        DIALOG,
        "text",
        {"campaign": campaign.id, "unit": payload.unit_id, "question": payload.question},
    )
    prompt = Prompt(campaign, payload.unit_id, payload.question)
    await ctx.reply(question_reply(ctx.t, prompt, writing=True))


async def _next(ctx: Context, household: HouseholdView) -> None:
    if household.next_question is None:
        await ctx.reply(ctx.t(THANKS))
        return
    campaign = await surveys.get(ctx.uow, household.campaign_id)
    prompt = Prompt(campaign, household.unit_id, household.next_question)
    await ctx.reply(question_reply(ctx.t, prompt))


@router.message(dialog=DIALOG)
async def on_text(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text:
        await ctx.reply(ctx.t(WRITE_IT))
        return
    data = ctx.state.data
    ctx.end_dialog()
    try:
        household = await survey_answers.answer(
            ctx.uow,
            int(data["campaign"]),
            int(data["unit"]),
            ctx.person_id,
            int(data["question"]),
            text,
        )
    except DomainError as refused:  # closed meanwhile, or answered by another member:
        await ctx.reply(ctx.t(refused.message_id, **refused.params))  # the dialog ends all the same
        return
    await _next(ctx, household)

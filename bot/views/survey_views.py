"""A satisfaction survey as people read it: each question to a household member, in their
script, one at a time with buttons; a campaign's status for its managers (the three rates,
per building, per question); the corrective-action alert when the satisfaction rate is under
the estate's threshold (seed 004 4.4)."""

from __future__ import annotations

from typing import Any

from bot.conversation.replies import Button, Reply
from bot.views.audience import Audience
from bot.views.buttons import SurveyReply, SurveyStatus
from bot.views.report_views import share
from core.enums import Role
from core.i18n import N_, Translator
from core.news import SurveyAlert
from core.services import people, survey_rates, surveys
from core.services.questionnaires import QuestionKind
from core.services.survey_rates import Analysis, BuildingRates, QuestionRates, Rates
from core.services.survey_sending import Prompt
from core.services.surveys import CampaignStatus, CampaignView

HEAD = N_("[Satisfaction survey] {title}")
REMINDER_HEAD = N_(
    "[Satisfaction survey] A reminder: we would still like to hear from your household. {title}"
)
STEP = N_("Question {number} of {total}:")
WRITE = N_("Write an answer")
SKIP = N_("Skip")
WRITE_IT = N_("Please write your answer in words, or tap Skip.")
THANKS = N_(
    "Thank you! Your household's answers to the survey are recorded; they help us serve you better."
)
STATES = {
    CampaignStatus.DRAFT: N_("not started yet"),
    CampaignStatus.RUNNING: N_("open for answers"),
    CampaignStatus.CLOSED: N_("ended"),
}
STATUS_HEAD = N_("Survey {id}: {title} ({state})")
WINDOW = N_("From {start} to {end}")
DISTRIBUTION = N_(
    "Distribution: {reached} of {audience} households reached, {rate} (target {target})"
)
RETURNED = N_(
    "Return: {returned} of {reached} reached households answered, {rate} (target {target})"
)
SATISFACTION = N_("Satisfaction: {satisfied} of {returned} answers satisfied, {rate}")
BY_BUILDING = N_("By building:")
BUILDING_LINE = N_(
    "{building}: reached {reached}/{audience}, answered {returned}/{reached}, satisfied "
    "{satisfied}/{returned} ({rate})"
)
BY_QUESTION = N_("By question:")
QUESTION_LINE = N_("{question}: satisfied {satisfied}/{answered} ({rate})")
RATING_LINE = N_("{question}: satisfied {satisfied}/{answered} ({rate}), average score {mean}")
# TRANSLATORS: what stands between the households of a list (、 in Chinese).
LIST_SEPARATOR = N_(", ")
NO_CHAT = N_("Households with no chat with us ({count}), for paper or the phone: {units}")
NO_SURVEYS = N_("There is no survey running, and none closed yet.")
REFRESH = N_("Refresh")
ALERT_HEAD = N_(
    "[Corrective action] The satisfaction rate of survey {id} ({title}) is {rate}, under "
    "{threshold}."
)
WEAK_QUESTIONS = N_("Weakest questions:")
WEAK_BUILDINGS = N_("Weakest buildings:")
WEAK_LINE = N_("{label}: satisfied {satisfied}/{answered} ({rate})")
COMMENT = N_("Comment: {text}")
ALERT_ASK = N_(
    "Please find out why with the teams concerned, take corrective action and tell the "
    "residents what was done."
)
MAX_NO_CHAT_LISTED = 30


def _short(question: str) -> str:
    """A question as a line's label: without its closing colon."""
    return question.rstrip("：: ")


def percent(value: float | None) -> str:
    return share(value)


def question_reply(t: Translator, prompt: Prompt, writing: bool = False) -> Reply:
    """The household's question `prompt.index`, with its buttons. `writing`: the next text is
    the answer (a dialog holds it), so only Skip is offered."""
    campaign = prompt.campaign
    question = campaign.questions[prompt.index]
    head = t(REMINDER_HEAD if prompt.reminder else HEAD, title=campaign.title(t.locale))
    step = t(STEP, number=prompt.index + 1, total=len(campaign.questions))
    text = f"{head}\n{step}\n{question.text_in(t.locale)}"

    def answer(value: int) -> SurveyReply:
        return SurveyReply(campaign.id, prompt.unit_id, prompt.index, value)

    if question.kind is QuestionKind.CHOICE:
        buttons = [
            [Button(question.option_in(index, t.locale), answer(index))]
            for index in range(len(question.options))
        ]
    elif question.kind is QuestionKind.RATING:
        buttons = [[Button(str(n), answer(n)) for n in range(1, 6)]]
    else:
        row = [Button(t(SKIP), answer(0))]
        if not writing:
            row.insert(0, Button(t(WRITE), answer(1)))
        buttons = [row]
    if writing:
        text = f"{text}\n{t(WRITE_IT)}"
    return Reply(text, buttons=buttons)


def render(prompt: Prompt, locale: str) -> dict[str, Any]:
    """What core's batches write for one reader (core.services.survey_sending.Render)."""
    return question_reply(Translator(locale, prompt.campaign.timezone), prompt).to_payload()


# --- the status, for managers ----------------------------------------------------------------


def rates_lines(t: Translator, rates: Rates) -> list[str]:
    return [
        t(
            DISTRIBUTION,
            reached=rates.reached,
            audience=rates.audience,
            rate=percent(rates.distribution),
            target=percent(survey_rates.DISTRIBUTION_TARGET),
        ),
        t(
            RETURNED,
            returned=rates.returned,
            reached=rates.reached,
            rate=percent(rates.return_rate),
            target=percent(survey_rates.RETURN_TARGET),
        ),
        t(
            SATISFACTION,
            satisfied=rates.satisfied,
            returned=rates.returned,
            rate=percent(rates.satisfaction),
        ),
    ]


def status_text(
    t: Translator,
    campaign: CampaignView,
    rates: Rates,
    buildings: list[BuildingRates],
    questions: list[QuestionRates],
    no_chat: list[tuple[str, str]],
) -> str:
    lines = [
        t(
            STATUS_HEAD,
            id=campaign.id,
            title=campaign.title(t.locale),
            state=t(STATES[campaign.status]),
        )
    ]
    if campaign.opens_at is not None:
        lines.append(
            t(
                WINDOW,
                start=t.short_datetime(campaign.opens_at),
                end=t.short_datetime(campaign.closes_at),
            )
        )
    lines += rates_lines(t, rates)
    if buildings:
        lines.append(t(BY_BUILDING))
        for item in buildings:
            r = item.rates
            lines.append(
                t(
                    BUILDING_LINE,
                    building=t.name(item.building),
                    reached=r.reached,
                    audience=r.audience,
                    returned=r.returned,
                    satisfied=r.satisfied,
                    rate=percent(r.satisfaction),
                )
            )
    judged = [q for q in questions if campaign.question(q.key).kind is not QuestionKind.TEXT]
    if judged:
        lines.append(t(BY_QUESTION))
        for item in judged:
            mean = None if item.mean_score is None else f"{item.mean_score:.1f}"
            lines.append(
                t(
                    QUESTION_LINE if mean is None else RATING_LINE,
                    question=_short(campaign.question(item.key).text_in(t.locale)),
                    satisfied=item.satisfied,
                    answered=item.answered,
                    rate=percent(item.satisfaction),
                    mean=mean,
                )
            )
    if no_chat:
        units = t(LIST_SEPARATOR).join(t.name(f"{b}{u}") for b, u in no_chat[:MAX_NO_CHAT_LISTED])
        if len(no_chat) > MAX_NO_CHAT_LISTED:
            units += "…"
        lines.append(t(NO_CHAT, count=len(no_chat), units=units))
    return "\n".join(lines)


def status_reply(t: Translator, campaign: CampaignView, text: str) -> Reply:
    buttons = []
    if campaign.status is CampaignStatus.RUNNING:
        buttons = [[Button(t(REFRESH), SurveyStatus(campaign.id))]]
    return Reply(text, buttons=buttons)


# --- the corrective-action alert ----------------------------------------------------------------


def alert_text(t: Translator, campaign: CampaignView, analysis: Analysis) -> str:
    rates = analysis.rates
    lines = [
        t(
            ALERT_HEAD,
            id=campaign.id,
            title=campaign.title(t.locale),
            rate=percent(rates.satisfaction),
            threshold=percent(analysis.threshold),
        )
    ]
    lines += rates_lines(t, rates)
    for head, weak, is_question in (
        (WEAK_QUESTIONS, analysis.questions, True),
        (WEAK_BUILDINGS, analysis.buildings, False),
    ):
        if not weak:
            continue
        lines.append(t(head))
        for item in weak:
            label = t.name(item.label)
            if is_question:
                label = _short(campaign.question(item.label).text_in(t.locale))
            lines.append(
                t(
                    WEAK_LINE,
                    label=label,
                    satisfied=item.satisfied,
                    answered=item.answered,
                    rate=percent(item.satisfaction),
                )
            )
            lines += [t(COMMENT, text=comment) for comment in item.comments]
    lines.append(t(ALERT_ASK))
    return "\n".join(lines)


async def survey_alert(audience: Audience, news: SurveyAlert) -> None:
    """The estate's managers (else its admins) get the analysis, each in their script."""
    uow = audience.uow
    campaign = await surveys.get(uow, news.campaign_id)
    estate_settings = await surveys.estate_settings(uow, campaign.estate_id)
    analysis = await survey_rates.analysis(
        uow, campaign.id, campaign.questions, survey_rates.threshold_of(estate_settings)
    )
    readers = await people.holders(uow, campaign.estate_id, {Role.MANAGER})
    readers = readers or await people.holders(uow, campaign.estate_id, {Role.ADMIN})
    await audience.people(readers, lambda t: Reply(alert_text(t, campaign, analysis)))

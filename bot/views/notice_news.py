"""The progress of a notice sent from chat, in its sender's message, edited in place."""

from __future__ import annotations

from bot.conversation.context import translator_for
from bot.conversation.replies import Reply
from bot.views.audience import Audience
from core.enums import OutboxKind
from core.i18n import N_
from core.news import NoticeProgress
from core.services import identities, outbox

PROGRESS = N_(
    "Notice {id} is being sent: {sent} sent, {pending} waiting, {failed} failed, {blocked} "
    "blocked the bot ({recipients} so far)."
)
FINAL = N_(
    "Notice {id} is done: {sent} sent, {failed} failed, {blocked} blocked the bot, of {recipients}."
)


async def notice_progress(audience: Audience, news: NoticeProgress) -> None:
    if news.identity_id is None:
        return
    identity = await identities.get(audience.uow, news.identity_id)
    if identity.blocked:
        return
    t = translator_for(identity, audience.config)
    text = t(
        FINAL if news.final else PROGRESS,
        id=news.notice_id,
        sent=news.sent,
        pending=news.pending,
        failed=news.failed,
        blocked=news.blocked,
        recipients=news.recipients,
    )
    await outbox.enqueue(
        audience.uow,
        news.chat_id,
        Reply(text).to_payload(),
        kind=OutboxKind.EDIT,
        identity_id=identity.id,
        target_message_id=news.message_id,
    )

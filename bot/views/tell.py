"""The one road for news: what core announced on a unit of work (core/news.py) becomes messages
in the outbox, for whoever it concerns, each in their own script. Handlers (through the
pipeline) and routines (through the scheduler) call `tell` just before they commit.

Adding a kind of news means a class in core/news.py and a renderer here, nothing else; a test
checks that every kind has one.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from bot.conversation.context import BotConfig
from bot.views import (
    binding_news,
    callback_news,
    notice_news,
    order_news,
    report_news,
    routine_news,
    special_event_news,
    survey_views,
)
from bot.views.audience import Audience
from core import news
from core.uow import UnitOfWork

RENDERERS: dict[type[news.News], Callable[[Audience, Any], Awaitable[None]]] = {
    news.OrderActed: order_news.order_acted,
    news.NeedsDispatch: order_news.needs_dispatch,
    news.ReportMerged: order_news.report_merged,
    news.Withdrawn: order_news.withdrawn,
    news.Relayed: order_news.relayed,
    news.TimeAgreed: order_news.time_agreed,
    news.FeeWaiting: order_news.fee_waiting,
    news.Reminded: routine_news.reminded,
    news.FollowUp: routine_news.follow_up,
    news.Escalated: routine_news.escalated,
    news.Delayed: routine_news.delayed,
    news.EndOfDayAsked: routine_news.end_of_day_asked,
    news.DigestReady: routine_news.digest_ready,
    news.EndOfDayReport: routine_news.end_of_day_report,
    news.BindingRequested: binding_news.binding_requested,
    news.BindingDecided: binding_news.binding_decided,
    news.CallbackAsked: callback_news.callback_asked,
    news.CallbackAnswered: callback_news.callback_answered,
    news.PhoneList: callback_news.phone_list,
    news.NoticeProgress: notice_news.notice_progress,
    news.SpecialEventMarked: special_event_news.marked,
    news.SpecialEventReported: special_event_news.reported,
    news.SpecialEventOverdue: special_event_news.overdue,
    news.SurveyAlert: survey_views.survey_alert,
    news.PeriodReportReady: report_news.period_report,
}


async def tell(uow: UnitOfWork, config: BotConfig) -> None:
    """Renders every piece of news announced on `uow` so far, in the order it happened."""
    audience = Audience(uow, config)
    while uow.news:
        for item in uow.take_news():
            await RENDERERS[type(item)](audience, item)

"""From a neutral inbound event to handled and committed, the same for every front end.

begin: de-duplicate by update id, open the unit of work, know the person, their roles, language
and dialog. route: the routers in their fixed order. finish: save the dialog, commit, hand the
answers to the sender. fail: roll back and give a polite answer; domain errors say why, bugs are
logged. A database connection lost under the handling is not the person's problem: the update is
handled once more on a fresh connection.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.conversation.context import BotConfig, Context, translator_for
from bot.conversation.events import Inbound, Kind
from bot.conversation.payloads import STALE_BUTTON, InvalidPayload, Payload
from bot.conversation.routing import Router
from bot.runtime.flood import FloodGuard, Verdict
from bot.views import notices as notice_views
from bot.views.labels import STATUS_LABELS
from bot.views.tell import tell
from core import logcontext
from core.clock import Clock
from core.db import is_disconnect
from core.enums import OrderStatus, Role
from core.errors import DomainError
from core.i18n import N_
from core.services import (
    arrival,
    conversations,
    greetings,
    identities,
    notices,
    outbox,
    updates,
)
from core.uow import UnitOfWork, UnitOfWorkFactory

if TYPE_CHECKING:
    from bot.runtime.sender import OutboxSender

log = logging.getLogger(__name__)

LATE_AFTER = timedelta(minutes=2)

SOMETHING_WRONG = N_(
    "Sorry, something went wrong on our side. Nothing you sent is lost; please try again in a "
    "moment, or call the service centre."
)
LATE_APOLOGY = N_("Sorry for the late reply.")
TOO_FAST = N_(
    "You are sending messages faster than we can read them. Please wait a few seconds; we will "
    "read your next message as usual."
)
HOLIDAY_GREETING = N_("Happy {holiday}! The property service centre sends you its best wishes.")


@dataclass
class Handled:
    """What the adapter needs after handling: the answer for a pressed button."""

    toast: str | None = None
    duplicate: bool = False
    alert: bool = False  # the toast as an alert the presser must close (a refusal in a group)


class Pipeline:
    def __init__(
        self,
        uow_factory: UnitOfWorkFactory,
        routers: Sequence[Router],
        config: BotConfig,
        wall_clock: Clock | None = None,
    ) -> None:
        self.uow_factory = uow_factory
        self.routers = list(routers)
        self.config = config
        # Set when a front end starts sending: the answers are handed to it after each commit.
        self.sender: OutboxSender | None = None
        # Queueing happens in real time: how late an answer is never depends on the domain clock,
        # which tests (and a replay) move at will.
        self.wall_clock = wall_clock or Clock()
        self.flood = FloodGuard()

    async def process(self, inbound: Inbound) -> Handled:
        """The whole pipeline in one call (what a front end without middleware uses)."""
        return await self.handle(inbound, self.route)

    async def handle(self, inbound: Inbound, run: Callable[[Context], Awaitable[Any]]) -> Handled:
        """begin, `run` (the routers, however the front end calls them), finish; or fail."""
        marks = (
            logcontext.update_id.set(inbound.update_id),
            logcontext.chat_id.set(inbound.chat_id),
            logcontext.order_number.set(None),
        )
        try:
            return await self._handle(inbound, run)
        finally:
            logcontext.order_number.reset(marks[2])
            logcontext.chat_id.reset(marks[1])
            logcontext.update_id.reset(marks[0])

    async def _handle(self, inbound: Inbound, run: Callable[[Context], Awaitable[Any]]) -> Handled:
        for attempt in (1, 2):
            try:
                async with self.uow_factory() as uow:
                    ctx = await self.begin(uow, inbound)
                    if ctx is None:
                        return Handled(duplicate=True)
                    verdict = self.flood.check(inbound.chat_id, time.monotonic())
                    if verdict is Verdict.HANDLE:
                        await run(ctx)
                    elif verdict is Verdict.NOTICE:
                        await ctx.reply(ctx.t(TOO_FAST))
                    await self.finish(ctx)  # a dropped update is recorded, never handled
                    return Handled(ctx.toast)
            except Exception as exc:
                # Lost under the statement: nothing was committed (or, lost under COMMIT, it
                # was, and the update is then a duplicate that the second try sees).
                if attempt == 1 and is_disconnect(exc):
                    log.warning("database connection lost; handling update %s again", exc)
                    continue
                return await self.fail(inbound, exc)
        raise AssertionError("unreachable")

    async def begin(self, uow: UnitOfWork, inbound: Inbound) -> Context | None:
        """None when this update was handled before (Telegram delivers at least once)."""
        arrived = await arrival.arrive(
            uow,
            inbound.platform,
            inbound.bot_id,
            inbound.update_id,
            inbound.user_id,
            inbound.chat_id,
            inbound.language_code,
        )
        if arrived is None:
            return None
        self._lease_answers(uow)
        identity, roles = arrived.identity, arrived.roles
        ctx = Context(
            uow=uow,
            inbound=inbound,
            identity=identity,
            roles=roles,
            t=translator_for(identity, self.config),
            config=self.config,
            state=arrived.state,
        )
        if self.wall_clock.now() - inbound.sent_at > LATE_AFTER:
            ctx.prefaces.append(ctx.t(LATE_APOLOGY))
        if Role.RESIDENT in roles:
            holiday = await greetings.holiday_due(uow, identity, ctx.t.locale)
            if holiday is not None:
                ctx.prefaces.append(ctx.t(HOLIDAY_GREETING, holiday=holiday))
            await self._urgent_notices(ctx, arrived.urgent_holds)
        return ctx

    async def _urgent_notices(self, ctx: Context, any_holds: bool | None) -> None:
        """An urgent notice this resident's chat has not had yet comes before the answer, once
        (seed 001 一.12: important notices when they get in touch)."""
        unseen = await notices.unseen_urgent(ctx.uow, ctx.identity.id, ctx.person_id, any_holds)
        for notice in unseen:
            await notices.mark_seen(ctx.uow, notice.id, ctx.identity.id)
            await outbox.enqueue(
                ctx.uow,
                ctx.inbound.chat_id,
                notice_views.render(notice, ctx.t.locale),
                identity_id=ctx.identity.id,
            )

    def decode_payload(self, ctx: Context) -> Payload | None:
        if ctx.inbound.kind is not Kind.BUTTON:
            return None
        return Payload.unpack(ctx.inbound.payload)

    async def route(self, ctx: Context, routers: Sequence[Router] | None = None) -> bool:
        payload = self.decode_payload(ctx)
        for router in routers or self.routers:
            if await router.dispatch(ctx, payload):
                return True
        return False

    async def finish(self, ctx: Context) -> None:
        await tell(ctx.uow, self.config)  # the news of what the handler did, for the others
        if ctx.state_unsaved:
            if ctx.state is None:
                await conversations.clear(ctx.uow, ctx.identity.id)
            else:
                await conversations.save(ctx.uow, ctx.identity.id, ctx.state)
        await self._commit(ctx.uow)

    def _lease_answers(self, uow: UnitOfWork) -> None:
        lease = self.sender.writer_lease() if self.sender is not None else None
        if lease is not None:
            outbox.lease_to_writer(uow, lease)

    async def _commit(self, uow: UnitOfWork) -> None:
        lease = outbox.writer_lease(uow)
        left_to_claims = outbox.written(uow)
        await uow.commit()
        if self.sender is not None:  # at once: the answer leaves as soon as it is committed
            if lease is not None:
                self.sender.hand_over(lease, left_to_claims)
            elif left_to_claims:
                self.sender.wake()

    async def fail(self, inbound: Inbound, exc: Exception) -> Handled:
        """Rolls back what the handler did; records the update and answers politely instead."""
        if isinstance(exc, InvalidPayload):
            log.info("stale or forged button from %s: %s", inbound.user_id, exc)
        elif not isinstance(exc, DomainError):
            log.exception("error while handling update %s", inbound.update_id, exc_info=exc)
        async with self.uow_factory() as uow:
            await updates.claim(uow, inbound.platform, inbound.bot_id, inbound.update_id)
            identity = await identities.touch(
                uow, inbound.platform, inbound.user_id, inbound.chat_id, inbound.language_code
            )
            self._lease_answers(uow)
            t = translator_for(identity, self.config)
            if isinstance(exc, InvalidPayload):
                text = t(STALE_BUTTON)
            elif isinstance(exc, DomainError):
                params = {
                    key: t(STATUS_LABELS[value]) if isinstance(value, OrderStatus) else value
                    for key, value in exc.params.items()
                }
                text = t(exc.message_id, **params)
            else:
                text = t(SOMETHING_WRONG)
            # A refused press in a group is answered on the presser's screen only (the press's
            # own answer), not in front of the whole group.
            if inbound.kind is not Kind.BUTTON or inbound.is_private:
                ctx = Context(uow, inbound, identity, frozenset(), t, self.config)
                await ctx.reply(text)
            await self._commit(uow)
        pressed = inbound.kind is Kind.BUTTON
        return Handled(
            toast=text[:200] if pressed else None, alert=pressed and not inbound.is_private
        )

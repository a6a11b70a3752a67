"""Update queues per bot: long polling with Telegram's offset rules, and webhook delivery."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from .errors import conflict
from .state import BotState, Notifier, now_ts

# Telegram leaves these out unless a bot asks for them explicitly.
NOT_DELIVERED_BY_DEFAULT = frozenset({"chat_member", "message_reaction", "message_reaction_count"})
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"


class UpdateQueue:
    def __init__(self) -> None:
        self.pending: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.changes = Notifier()
        self._poll_generation = 0

    def accepts(self, kind: str) -> bool:
        if not self.allowed_updates:
            return kind not in NOT_DELIVERED_BY_DEFAULT
        return kind in self.allowed_updates

    def push(self, kind: str, payload: dict[str, Any]) -> dict[str, Any] | None:
        """Queue an update; None when the bot's allowed_updates filter drops it."""
        if not self.accepts(kind):
            return None
        update = {"update_id": self.next_update_id, kind: payload}
        self.next_update_id += 1
        self.pending.append(update)
        self.changes.notify()
        return update

    def drop_all(self) -> None:
        self.pending.clear()

    def confirm(self, offset: int) -> None:
        if offset < 0:
            # A negative offset keeps only the last -offset updates; older ones are forgotten.
            keep = -offset
            self.pending = self.pending[-keep:] if keep else []
        else:
            self.pending = [u for u in self.pending if u["update_id"] >= offset]

    async def get_updates(
        self,
        offset: int | None,
        limit: int,
        wait_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[dict[str, Any]]:
        if allowed_updates is not None:
            self.allowed_updates = allowed_updates
        if offset is not None:
            self.confirm(offset)
        # A newer getUpdates call ends a waiting one with 409, as Telegram does when two
        # bot instances poll at once.
        self._poll_generation += 1
        generation = self._poll_generation
        self.changes.notify()

        def ready() -> bool | None:
            if generation != self._poll_generation:
                return True
            return True if self.pending else None

        if wait_seconds > 0:
            await self.changes.wait_for(ready, wait_seconds)
        if generation != self._poll_generation:
            raise conflict(
                "terminated by other getUpdates request; make sure that only one bot "
                "instance is running"
            )
        return self.pending[:limit]


class WebhookDeliverer:
    """POSTs queued updates to a bot's webhook in order, retrying failures with backoff."""

    def __init__(
        self,
        bot: BotState,
        queue: UpdateQueue,
        session: aiohttp.ClientSession,
        *,
        retry_initial: float,
        retry_max: float,
        request_timeout: float,
        on_reply: Callable[[BotState, dict[str, Any]], Awaitable[None]] | None = None,
    ) -> None:
        self.bot = bot
        self.queue = queue
        self.session = session
        self.retry_initial = retry_initial
        self.retry_max = retry_max
        self.request_timeout = request_timeout
        self.on_reply = on_reply
        self.delivered = 0
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"webhook-{self.bot.id}")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    async def _run(self) -> None:
        delay = self.retry_initial
        while True:
            await self.queue.changes.wait_for(lambda: True if self.queue.pending else None, 3600)
            webhook = self.bot.webhook
            if webhook is None or not self.queue.pending:
                continue
            update = self.queue.pending[0]
            error = await self._post(webhook.url, webhook.secret_token, update)
            if error is None:
                if self.queue.pending and self.queue.pending[0] is update:
                    self.queue.pending.pop(0)
                self.delivered += 1
                delay = self.retry_initial
                continue
            webhook.last_error_date = now_ts()
            webhook.last_error_message = error
            await asyncio.sleep(delay)
            delay = min(self.retry_max, delay * 2)

    async def _post(self, url: str, secret: str | None, update: dict[str, Any]) -> str | None:
        headers = {"Content-Type": "application/json"}
        if secret:
            headers[SECRET_HEADER] = secret
        try:
            async with self.session.post(
                url,
                data=json.dumps(update, ensure_ascii=False).encode(),
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=self.request_timeout),
            ) as response:
                body = await response.read()
                if not 200 <= response.status < 300:
                    return f"Wrong response from the webhook: {response.status} {response.reason}"
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            return f"Connection failed: {exc.__class__.__name__}"
        if self.on_reply is not None and body:
            # A webhook may answer with a method call, which Telegram then executes.
            with contextlib.suppress(ValueError):
                reply = json.loads(body)
                if isinstance(reply, dict) and "method" in reply:
                    await self.on_reply(self.bot, reply)
        return None

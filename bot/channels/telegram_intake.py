"""Telegram's updates in, each acknowledged only once it is durably recorded: for both front ends.

Telegram delivers an update again until it is acknowledged: by the next getUpdates offset when
polling, by a 2xx answer to its POST on a webhook. Both client libraries acknowledge an update
as soon as they hold it (aiogram's and python-telegram-bot's polling ask for the next offset at
once, PTB's webhook answers before handling), so an update in hand when the process died was
lost. Here, instead:

1. the intake records the updates it receives (core.services.updates.record: the update as
   Telegram sent it, encrypted, in processed_updates; one statement per batch) and commits;
2. only then does it acknowledge them: the next getUpdates asks for the next offset, the
   webhook answers 200 (and 503 if the recording failed, so that Telegram delivers again);
3. the front end handles each update (`handle`, one task each, in the order of their ids),
   and the handling's claim clears the record in the transaction that handles the update.

An update recorded and not handled (the process died; the database failed both the handling
and its apology) is handled from its record: at start, before anything new, and by a sweep of
those left for longer than STALE_AFTER. Its claim makes sure it is handled once, whoever
handles it. An update received again (the offset was not acknowledged yet) is not handed on
twice. Stopping lets the handlings under way finish (STOP_GRACE_SECONDS); one still running
then is cancelled: it rolls back and the next start handles it.

Per-chat order: the tasks are created in the order of the updates' ids, and each front end
takes the chat's turn before its first await (bot.channels.chat_order).

Receiving starts before the front end exists: `guanjia run` polls (and so records and
acknowledges) within a second or two of starting, while the front end's library, whose import
takes seconds, is still loading; the front end `attach`es its handler when it is ready, and the
updates received meanwhile are handled then, in the order they came.

Only the kinds the bot handles are asked for and recorded (telegram_update.HANDLED_KINDS).

Several processes on one PostgreSQL: behind a webhook each receives what is POSTed to it, and
the claims make sure an update is handled once. Polling, one process asks (Telegram answers a
second getUpdates with 409): the holder of the polling lock (core.leadership); the others stand
by, asking for the lock every STANDBY_SECONDS, and the first to get it after the poller died
handles what the poller recorded and had not handled, then polls.

What this guarantees, with the outbox (bot.runtime.sender):
- an update Telegram delivered is handled, and its effects committed, exactly once, whenever
  the process dies (a press handled from its record after a restart may be too old for its
  button to be answered; a reply more than two minutes late apologises);
- an answer is delivered at least once. It goes out twice only if the process dies hard
  (SIGKILL, out of memory, power loss; SIGTERM and Ctrl-C stop cleanly, bot.runtime.loop) after
  Telegram took it and before it was recorded as sent: an update's own answers are recorded
  within RECORD_GATHER_SECONDS (50 ms) and one commit of their delivery, a claimed batch
  (routines' notices, retries) once the whole batch is sent (at most batch_size messages, a
  few seconds). Such a message is sent again by the next process once its lease (30 s) ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
import itertools
import logging
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from typing import Any

import aiohttp
import orjson
from aiohttp import web
from yarl import URL

from bot.channels.telegram_update import HANDLED_KINDS, PLATFORM
from core.db import json_dumps
from core.leadership import POLLING_LOCK, Leadership
from core.services import updates
from core.uow import UnitOfWorkFactory

log = logging.getLogger(__name__)

Update = dict[str, Any]
Handle = Callable[[Update], Awaitable[object]]

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
# An update recorded this long ago and not handled, and not in this process's hands: its
# handler died (another worker's, behind the same webhook) or failed without a trace.
STALE_AFTER = timedelta(minutes=1)
SWEEP_SECONDS = 30.0
STOP_GRACE_SECONDS = 10.0
RETRY_PAUSES = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # seconds; the last one repeats
STANDBY_SECONDS = 5.0  # a process standing by asks for the polling lock this often


class BotApiRefused(Exception):
    def __init__(self, body: dict[str, Any]) -> None:
        super().__init__(f"{body.get('error_code')} {body.get('description')}")
        self.retry_after: float | None = (body.get("parameters") or {}).get("retry_after")


class Intake:
    def __init__(
        self, uow_factory: UnitOfWorkFactory, bot_id: int, handle: Handle | None = None
    ) -> None:
        self.uow_factory = uow_factory
        self.bot_id = bot_id
        self._in_flight: dict[int, asyncio.Task[None]] = {}
        self._attached = asyncio.Event()
        self.handle: Handle = self._not_attached
        if handle is not None:
            self.attach(handle)

    def attach(self, handle: Handle) -> None:
        """The front end is ready: the updates waiting for it are handled, in their order."""
        self.handle = handle
        self._attached.set()

    @property
    def attached(self) -> bool:
        return self._attached.is_set()

    @staticmethod
    async def _not_attached(update: Update) -> None:
        raise AssertionError("an update was handled before the front end was attached")

    # --- recording and handing on ----------------------------------------------------------

    async def record(self, received: list[Update]) -> list[Update]:
        """Records (and commits) what the bot handles; the updates not received before."""
        wanted = [u for u in received if any(kind in u for kind in HANDLED_KINDS)]
        if not wanted:
            return []
        async with self.uow_factory() as uow:
            fresh = await updates.record(
                uow, PLATFORM, self.bot_id, [(u["update_id"], u) for u in wanted]
            )
            await uow.commit()
        return [u for u in wanted if u["update_id"] in fresh]

    def hand_on(self, received: Iterable[Update]) -> None:
        """Each update to the front end as a task of its own, in the order given."""
        for update in received:
            update_id = update["update_id"]
            if update_id in self._in_flight:
                continue
            task = asyncio.create_task(self._handle(update), name=f"update-{update_id}")
            self._in_flight[update_id] = task
            task.add_done_callback(lambda _, key=update_id: self._in_flight.pop(key, None))

    async def _handle(self, update: Update) -> None:
        # The waiting tasks wake in the order they began to wait: the order of the updates.
        if not self._attached.is_set():
            await self._attached.wait()
        try:
            await self.handle(update)
        except Exception:
            log.exception("error while handling update %s", update["update_id"])

    async def recover(self, older_than: timedelta | None = None) -> int:
        """Hands on the updates recorded and not handled; how many."""
        async with self.uow_factory() as uow:
            left = await updates.pending(uow, PLATFORM, self.bot_id, older_than)
        left = [u for u in left if u["update_id"] not in self._in_flight]
        if left:
            log.warning("handling %d updates received earlier and not handled", len(left))
            self.hand_on(left)
        return len(left)

    async def sweep(self) -> None:
        """Now and then, what was left behind (see STALE_AFTER)."""
        while True:
            await asyncio.sleep(SWEEP_SECONDS)
            try:
                await self.recover(STALE_AFTER)
            except Exception:
                log.exception("looking for updates left unhandled failed")

    async def stop(self) -> None:
        """The handlings under way finish; one still running after STOP_GRACE_SECONDS ends
        without committing, and the next start handles it. (Cancelled at once, a handling in
        the middle of a statement held SQLite's write lock for the sender's last records.)"""
        tasks = list(self._in_flight.values())
        if not tasks:
            return
        waiting = asyncio.gather(*tasks, return_exceptions=True)
        with contextlib.suppress(asyncio.CancelledError, TimeoutError):
            await asyncio.wait_for(asyncio.shield(waiting), STOP_GRACE_SECONDS)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    async def _record_patiently(self, received: list[Update]) -> list[Update]:
        """Records a batch, trying again until the database takes it (nothing is acknowledged
        meanwhile: Telegram keeps the updates)."""
        for attempt in itertools.count():
            try:
                return await self.record(received)
            except Exception as exc:
                pause = RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)]
                log.warning(
                    "recording %d updates failed (%r); again in %.1fs", len(received), exc, pause
                )
                await asyncio.sleep(pause)
        raise AssertionError("unreachable")

    # --- polling ---------------------------------------------------------------------------

    async def poll(self, api_base: str, token: str, poll_seconds: int) -> None:
        """Long polling: a batch is recorded before the next getUpdates acknowledges it."""
        url = f"{api_base.rstrip('/')}/bot{token}/getUpdates"
        offset: int | None = None
        poller = Leadership(self.uow_factory.engine, POLLING_LOCK, role="polling")
        try:
            await self._until_polling(poller)
            await self.recover()
            async with aiohttp.ClientSession(json_serialize=json_dumps) as http:
                await _delete_webhook(http, api_base, token)
                failures = 0
                checked = asyncio.get_running_loop().time()
                while True:
                    if asyncio.get_running_loop().time() - checked > STANDBY_SECONDS:
                        checked = asyncio.get_running_loop().time()
                        if not await _holds(poller):  # the lock's connection died
                            await self._until_polling(poller)
                            await self.recover()
                    try:
                        received = await _get_updates(http, url, offset, poll_seconds)
                    except (aiohttp.ClientError, TimeoutError, ValueError, BotApiRefused) as exc:
                        pause = RETRY_PAUSES[min(failures, len(RETRY_PAUSES) - 1)]
                        if isinstance(exc, BotApiRefused) and exc.retry_after:
                            pause = float(exc.retry_after)
                        failures += 1
                        log.warning("getUpdates failed (%r); again in %.1fs", exc, pause)
                        await asyncio.sleep(pause)
                        continue
                    failures = 0
                    if received:
                        fresh = await self._record_patiently(received)
                        offset = received[-1]["update_id"] + 1
                        self.hand_on(fresh)
        except asyncio.CancelledError:
            await self.stop()
            raise
        finally:
            await asyncio.shield(poller.release())

    @staticmethod
    async def _until_polling(poller: Leadership) -> None:
        """Returns once this process holds the polling lock (at once where it is alone)."""
        standing_by = False
        while not await _holds(poller):
            if not standing_by:
                log.info("another process polls for updates; this one stands by")
                standing_by = True
            await asyncio.sleep(STANDBY_SECONDS)

    # --- webhook ---------------------------------------------------------------------------

    async def serve_webhook(
        self, settings: Any, register: Callable[[str, str], Awaitable[object]]
    ) -> None:
        """Telegram POSTs updates to WEBHOOK_URL; the secret token header proves it is Telegram.
        Each is answered once it is recorded. `register(url, secret)` sets the webhook."""
        if not settings.webhook_url or settings.webhook_secret is None:
            raise ValueError("--webhook needs WEBHOOK_URL and WEBHOOK_SECRET")
        secret = settings.webhook_secret.get_secret_value().encode()
        path = URL(settings.webhook_url).path

        async def receive(request: web.Request) -> web.Response:
            given = request.headers.get(SECRET_HEADER, "").encode()
            if not hmac.compare_digest(given, secret):
                return web.Response(status=401)
            try:
                update = orjson.loads(await request.read())
                update_id = update["update_id"]
            except (ValueError, TypeError, KeyError):
                return web.Response(status=400)
            try:
                fresh = await self.record([update])
            except Exception:
                log.exception("could not record update %s; Telegram will send it again", update_id)
                return web.Response(status=503)
            self.hand_on(fresh)
            return web.Response()

        app = web.Application()
        app.router.add_post(path if path not in ("", "/") else "/webhook", receive)
        runner = web.AppRunner(app, access_log=None)
        stopped = False
        try:
            await self.recover()  # before anything new, so that a chat's updates keep their order
            await runner.setup()
            site = web.TCPSite(runner, settings.webhook_host, settings.webhook_port)
            await site.start()
            await register(settings.webhook_url, secret.decode())
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            stopped = True
            raise
        finally:
            await runner.cleanup()  # first: nothing new is handed on after the stop
            if stopped:
                await self.stop()


async def _holds(poller: Leadership) -> bool:
    try:
        return await poller.is_leader()
    except Exception as exc:  # the database is away: ask again later
        log.warning("asking for the polling lock failed: %r", exc)
        return False


async def _delete_webhook(http: aiohttp.ClientSession, api_base: str, token: str) -> None:
    """Polling and a webhook exclude each other: a webhook left by an earlier run goes (the
    updates Telegram holds for it stay, and the next getUpdates gets them)."""
    url = f"{api_base.rstrip('/')}/bot{token}/deleteWebhook"
    for attempt in itertools.count():
        try:
            async with http.post(url, timeout=aiohttp.ClientTimeout(total=15)) as response:
                body = orjson.loads(await response.read())
            if body.get("ok"):
                return
            raise BotApiRefused(body)
        except (aiohttp.ClientError, TimeoutError, ValueError, BotApiRefused) as exc:
            pause = RETRY_PAUSES[min(attempt, len(RETRY_PAUSES) - 1)]
            log.warning("deleteWebhook failed (%r); again in %.1fs", exc, pause)
            await asyncio.sleep(pause)


async def _get_updates(
    http: aiohttp.ClientSession, url: str, offset: int | None, poll_seconds: int
) -> list[Update]:
    """One getUpdates call: the updates as Telegram sent them (they are recorded as they came)."""
    request: dict[str, Any] = {"timeout": poll_seconds, "allowed_updates": list(HANDLED_KINDS)}
    if offset is not None:
        request["offset"] = offset
    timeout = aiohttp.ClientTimeout(total=poll_seconds + 15)
    async with http.post(url, json=request, timeout=timeout) as response:
        body = orjson.loads(await response.read())
    if not body.get("ok"):
        raise BotApiRefused(body)
    return list(body["result"])


def intake_loops(
    intake: Intake,
    settings: Any,
    token: str,
    api_base: str,
    webhook: bool,
    set_webhook: Callable[[str, str], Awaitable[object]],
    already_polling: bool = False,
) -> dict[str, Callable[[], Awaitable[None]]]:
    """The front end's loops for updates in: polling or the webhook (unless polling began
    before the front end, `guanjia run`), and the sweep."""
    if already_polling:
        return {"intake-sweep": intake.sweep}
    if webhook:
        receive = lambda: intake.serve_webhook(settings, set_webhook)  # noqa: E731
    else:
        receive = lambda: intake.poll(api_base, token, settings.polling_timeout)  # noqa: E731
    return {"webhook" if webhook else "polling": receive, "intake-sweep": intake.sweep}

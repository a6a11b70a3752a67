"""The emulator: registered bots, simulated people, chats, limits, faults and the server."""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import Counter
from dataclasses import dataclass
from typing import Any

import aiohttp
from aiohttp import web

from .errors import ApiError, bad_request, forbidden
from .faults import FaultInjector, FaultKind, FaultRule
from .files import FileStore
from .limits import RateLimiter, RateLimits
from .people import CallbackAnswer, SimGroup, SimUser, new_query_id
from .spec import Spec, Upload, load_spec
from .state import BotState, Conversation, StoredMessage, now_ts
from .transcript import TranscriptMessage, to_transcript
from .updates import UpdateQueue, WebhookDeliverer


@dataclass
class PendingCallback:
    query_id: str
    bot_id: int
    created: float
    future: asyncio.Future[CallbackAnswer]
    answered: bool = False


class Emulator:
    """A local Telegram: the Bot API server plus the people and chats behind it."""

    def __init__(
        self,
        *,
        rate_limits: RateLimits | bool = True,
        seed: int | None = None,
        callback_answer_window: float = 60.0,
        webhook_retry_initial: float = 0.2,
        webhook_retry_max: float = 5.0,
        webhook_timeout: float = 10.0,
        require_start: bool = True,
        spec: Spec | None = None,
    ) -> None:
        """
        rate_limits: True (Telegram's limits), False (none) or a RateLimits to tune them.
        seed: seeds the fault-injection RNG so flaky-network tests are reproducible.
        callback_answer_window: seconds a callback query may still be answered.
        require_start: a bot may only write to users who wrote to it first, like Telegram.
        """
        if isinstance(rate_limits, bool):
            rate_limits = RateLimits(enabled=rate_limits)
        self.rate_limits = rate_limits
        self.limiter = RateLimiter(rate_limits)
        self.faults = FaultInjector(seed)
        self.spec = spec or load_spec()
        self.files = FileStore()
        self.callback_answer_window = callback_answer_window
        self.webhook_retry_initial = webhook_retry_initial
        self.webhook_retry_max = webhook_retry_max
        self.webhook_timeout = webhook_timeout
        self.require_start = require_start

        self._bots: dict[str, BotState] = {}
        self._bots_by_id: dict[int, BotState] = {}
        self._queues: dict[int, UpdateQueue] = {}
        self._deliverers: dict[int, WebhookDeliverer] = {}
        self._users: dict[int, SimUser] = {}
        self._groups: dict[int, SimGroup] = {}
        self._private: dict[tuple[int, int], Conversation] = {}
        self._blocked: set[tuple[int, int]] = set()
        self._callbacks: dict[str, PendingCallback] = {}
        self._user_ids = itertools.count(700_000_001)
        self._group_ids = itertools.count(1)

        self.calls: Counter[str] = Counter()
        self.too_many_requests = 0
        self.errors = 0
        self.violations: list[dict[str, Any]] = []

        self._runner: web.AppRunner | None = None
        self._site: web.TCPSite | None = None
        self._session: aiohttp.ClientSession | None = None
        self.host = "127.0.0.1"
        self.port: int | None = None

    # ------------------------------------------------------------------- bots

    def add_bot(
        self,
        token: str = "123456:TEST-token",
        username: str | None = None,
        first_name: str = "Test Bot",
    ) -> BotState:
        bot_id, _, secret = token.partition(":")
        if not bot_id.isdigit() or not secret:
            raise ValueError(f"a bot token looks like 123456:ABC..., not {token!r}")
        if token in self._bots:
            raise ValueError(f"bot {token!r} is already registered")
        bot = BotState(token=token, username=username or f"bot{bot_id}_bot", first_name=first_name)
        self._bots[token] = bot
        self._bots_by_id[bot.id] = bot
        self._queues[bot.id] = UpdateQueue()
        return bot

    @property
    def bots(self) -> list[BotState]:
        return list(self._bots.values())

    @property
    def default_bot(self) -> BotState:
        if not self._bots:
            raise LookupError("no bot registered; call emulator.add_bot(token) first")
        return next(iter(self._bots.values()))

    def bot_by_token(self, token: str) -> BotState | None:
        return self._bots.get(token)

    def bot_by_id(self, bot_id: int) -> BotState | None:
        return self._bots_by_id.get(bot_id)

    def queue(self, bot: BotState) -> UpdateQueue:
        return self._queues[bot.id]

    # ----------------------------------------------------------------- people

    def create_user(
        self,
        first_name: str = "Test",
        last_name: str | None = None,
        language_code: str | None = "en",
        id: int | None = None,
        username: str | None = None,
        is_premium: bool | None = None,
    ) -> SimUser:
        user_id = id if id is not None else next(self._user_ids)
        if user_id <= 0:
            raise ValueError("user ids are positive")
        if user_id in self._users:
            raise ValueError(f"user {user_id} already exists")
        user = SimUser(self, user_id, first_name, last_name, language_code, username, is_premium)
        self._users[user_id] = user
        return user

    def user(self, user_id: int) -> SimUser:
        try:
            return self._users[user_id]
        except KeyError:
            raise LookupError(f"no simulated user {user_id}") from None

    @property
    def users(self) -> list[SimUser]:
        return list(self._users.values())

    @property
    def groups(self) -> list[SimGroup]:
        return list(self._groups.values())

    def create_group(
        self,
        title: str,
        members: list[SimUser] | None = None,
        *,
        supergroup: bool = False,
        bots: list[BotState] | None = None,
        id: int | None = None,
        username: str | None = None,
    ) -> SimGroup:
        number = next(self._group_ids)
        if id is None:
            id = -(1_001_000_000_000 + number) if supergroup else -(4_000_000_000 + number)
        if id >= 0:
            raise ValueError("group chat ids are negative")
        chat: dict[str, Any] = {
            "id": id,
            "type": "supergroup" if supergroup else "group",
            "title": title,
        }
        if username:
            chat["username"] = username
        group = SimGroup(
            id=id,
            title=title,
            type=chat["type"],
            members=list(members or []),
            bots=list(bots if bots is not None else self._bots.values()),
            conversation=Conversation(chat=chat),
            username=username,
        )
        self._groups[id] = group
        return group

    def group(self, chat_id: int) -> SimGroup:
        try:
            return self._groups[chat_id]
        except KeyError:
            raise LookupError(f"no simulated group {chat_id}") from None

    def block(self, user: SimUser, bot: BotState | None = None) -> None:
        """The user blocks the bot: sends answer 403, and the bot gets my_chat_member."""
        for target in [bot] if bot else self.bots:
            if (target.id, user.id) not in self._blocked:
                self._blocked.add((target.id, user.id))
                self._chat_member_update(target, user, "member", "kicked")

    def unblock(self, user: SimUser, bot: BotState | None = None) -> None:
        for target in [bot] if bot else self.bots:
            if (target.id, user.id) in self._blocked:
                self._blocked.discard((target.id, user.id))
                self._chat_member_update(target, user, "kicked", "member")

    def is_blocked(self, bot: BotState, user_id: int) -> bool:
        return (bot.id, user_id) in self._blocked

    def _chat_member_update(self, bot: BotState, user: SimUser, old: str, new: str) -> None:
        if (bot.id, user.id) not in self._private:
            return
        member = {"user": bot.user()}
        new_member = {**member, "status": new}
        if new == "kicked":
            new_member["until_date"] = 0
        self._push_update(
            bot,
            "my_chat_member",
            {
                "chat": user.private_chat_api(),
                "from": user.as_api(),
                "date": now_ts(),
                "old_chat_member": {**member, "status": old},
                "new_chat_member": new_member,
            },
        )

    # ------------------------------------------------------------- chats

    def private_conversation(self, bot: BotState, user: SimUser) -> Conversation:
        key = (bot.id, user.id)
        conversation = self._private.get(key)
        if conversation is None:
            conversation = Conversation(chat=user.private_chat_api())
            self._private[key] = conversation
        return conversation

    def _resolve_user_chat(self, chat: SimGroup | int | None) -> SimGroup | None:
        if chat is None or isinstance(chat, SimGroup):
            return chat
        if chat < 0:
            return self.group(chat)
        return None

    def _user_conversation(
        self, user: SimUser, chat: SimGroup | int | None, bot: BotState | None
    ) -> tuple[Conversation, list[BotState]]:
        group = self._resolve_user_chat(chat)
        if group is None:
            target = bot or self.default_bot
            return self.private_conversation(target, user), [target]
        return group.conversation, [bot] if bot else list(group.bots)

    def conversation_for(self, bot: BotState, chat_ref: Any) -> Conversation:
        """The chat a bot addresses by chat_id, with Telegram's errors when it can't."""
        if isinstance(chat_ref, str):
            if chat_ref.startswith("@"):
                for group in self._groups.values():
                    if group.username and group.username.lower() == chat_ref[1:].lower():
                        return self._group_for_bot(bot, group)
                raise bad_request("chat not found")
            try:
                chat_ref = int(chat_ref)
            except ValueError:
                raise bad_request("chat not found") from None
        if chat_ref > 0:
            conversation = self._private.get((bot.id, chat_ref))
            if conversation is not None:
                return conversation
            if chat_ref in self._users:
                if self.require_start:
                    raise forbidden("bot can't initiate conversation with a user")
                return self.private_conversation(bot, self._users[chat_ref])
            raise bad_request("chat not found")
        group = self._groups.get(chat_ref)
        if group is None:
            raise bad_request("chat not found")
        return self._group_for_bot(bot, group)

    @staticmethod
    def _group_for_bot(bot: BotState, group: SimGroup) -> Conversation:
        if all(member.id != bot.id for member in group.bots):
            raise forbidden("bot is not a member of the group chat")
        return group.conversation

    def group_of(self, conversation: Conversation) -> SimGroup | None:
        return self._groups.get(conversation.chat_id)

    def transcript(self, chat_id: int, bot: BotState | None = None) -> list[TranscriptMessage]:
        """Any chat's transcript: a group's, or a user's private chat with a bot."""
        if chat_id < 0:
            return [to_transcript(m) for m in self.group(chat_id).conversation.messages]
        conversation = self._private.get(((bot or self.default_bot).id, chat_id))
        return [to_transcript(m) for m in conversation.messages] if conversation else []

    # ----------------------------------------------------------- updates

    def _push_update(self, bot: BotState, kind: str, payload: dict[str, Any]) -> None:
        self._queues[bot.id].push(kind, payload)

    async def _press(
        self,
        user: SimUser,
        bot: BotState,
        message: StoredMessage,
        callback_data: str,
        wait_seconds: float,
    ) -> CallbackAnswer | None:
        loop = asyncio.get_running_loop()
        pending = PendingCallback(new_query_id(), bot.id, time.monotonic(), loop.create_future())
        self._callbacks[pending.query_id] = pending
        self._push_update(
            bot,
            "callback_query",
            {
                "id": pending.query_id,
                "from": user.as_api(),
                "message": message.to_api(),
                "chat_instance": str(abs(hash((bot.id, message.chat["id"]))) % 10**19),
                "data": callback_data,
            },
        )
        try:
            # asyncio.timeout, not wait_for, which loses a cancellation on Python 3.11.
            async with asyncio.timeout(wait_seconds):
                return await asyncio.shield(pending.future)
        except TimeoutError:
            return None

    def answer_callback(self, bot: BotState, query_id: str, answer: CallbackAnswer) -> None:
        pending = self._callbacks.get(query_id)
        expired = (
            pending is None
            or pending.bot_id != bot.id
            or pending.answered
            or time.monotonic() - pending.created > self.callback_answer_window
        )
        if expired:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        assert pending is not None
        pending.answered = True
        if not pending.future.done():
            pending.future.set_result(answer)

    # ------------------------------------------------------------ webhooks

    def webhook_changed(self, bot: BotState) -> None:
        deliverer = self._deliverers.get(bot.id)
        if bot.webhook is None:
            if deliverer is not None:
                self._deliverers.pop(bot.id)
                asyncio.get_running_loop().create_task(deliverer.stop())
            return
        if deliverer is None and self._session is not None:
            from .methods import execute_webhook_reply

            deliverer = WebhookDeliverer(
                bot,
                self._queues[bot.id],
                self._session,
                retry_initial=self.webhook_retry_initial,
                retry_max=self.webhook_retry_max,
                request_timeout=self.webhook_timeout,
                on_reply=lambda b, reply: execute_webhook_reply(self, b, reply),
            )
            self._deliverers[bot.id] = deliverer
            deliverer.start()

    # ------------------------------------------------------------- faults

    def add_fault(
        self,
        kind: FaultKind,
        *,
        share: float = 1.0,
        seconds: float | None = None,
        methods: list[str] | None = None,
        delay: float = 1.0,
        delay_max: float | None = None,
        status: int = 502,
        retry_after: int = 1,
        after: int = 0,
        times: int | None = None,
    ) -> FaultRule:
        """Inject a fault into a share of Bot API calls, for `seconds` or until cleared; after
        `after` matching calls, `times` times at most (tg_emulator/faults.py)."""
        return self.faults.add(
            kind,
            share=share,
            seconds=seconds,
            methods=methods,
            delay=delay,
            delay_max=delay_max,
            status=status,
            retry_after=retry_after,
            after=after,
            times=times,
        )

    def set_faults(self, kind: FaultKind | None = None, **options: Any) -> FaultRule | None:
        """Replace all faults by this one (kind=None just clears them); the options are those
        of add_fault."""
        self.faults.clear()
        return None if kind is None else self.add_fault(kind, **options)

    def clear_faults(self) -> None:
        self.faults.clear()

    # -------------------------------------------------------------- stats

    def record_violation(self, method: str, params: dict[str, Any], description: str) -> None:
        self.violations.append(
            {"method": method, "params": _printable(params), "description": description}
        )

    def stats(self) -> dict[str, Any]:
        return {
            "calls": dict(self.calls),
            "too_many_requests": self.too_many_requests,
            "violations": list(self.violations),
            "errors": self.errors,
            "faults": dict(self.faults.injected),
        }

    def reset_stats(self) -> None:
        self.calls.clear()
        self.too_many_requests = 0
        self.errors = 0
        self.violations.clear()
        self.faults.injected.clear()

    def assert_no_violations(self) -> None:
        if self.violations:
            lines = "\n".join(f"  {v['method']}: {v['description']}" for v in self.violations)
            raise AssertionError(f"the bot broke the Bot API rules:\n{lines}")

    # -------------------------------------------------------------- server

    async def start(self, port: int = 0, host: str = "127.0.0.1") -> None:
        from .server import build_app

        if self._runner is not None:
            raise RuntimeError("the emulator is already running")
        self._session = aiohttp.ClientSession()
        self._runner = web.AppRunner(build_app(self), access_log=None, handle_signals=False)
        await self._runner.setup()
        self._site = web.TCPSite(self._runner, host, port)
        await self._site.start()
        self.host = host
        self.port = int(self._runner.addresses[0][1])
        for bot in self.bots:
            if bot.webhook is not None:
                self.webhook_changed(bot)

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the emulator is not running; await emulator.start() first")
        return f"http://{self.host}:{self.port}"

    def bot_api_url(self, bot: BotState | None = None) -> str:
        return f"{self.base_url}/bot{(bot or self.default_bot).token}/"

    async def stop(self) -> None:
        for deliverer in list(self._deliverers.values()):
            await deliverer.stop()
        self._deliverers.clear()
        for queue in self._queues.values():
            queue.changes.notify()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
            self._site = None
        if self._session is not None:
            await self._session.close()
            self._session = None
        self.port = None

    async def __aenter__(self) -> Emulator:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()


def _printable(value: Any) -> Any:
    if isinstance(value, Upload):
        return f"<upload {value.filename!r}, {len(value.data)} bytes>"
    if isinstance(value, dict):
        return {key: _printable(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_printable(item) for item in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return value


__all__ = ["ApiError", "Emulator"]

"""What a handler receives: the event, the person, their language, the unit of work, replies."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

import orjson

from bot.conversation.events import Inbound
from bot.conversation.replies import Reply
from core.enums import OutboxKind, Role
from core.i18n import Translator, resolve_locale
from core.lifecycle import Actor
from core.services import outbox
from core.services.conversations import DialogState, StateWrite
from core.services.identities import IdentityView
from core.uow import UnitOfWork


@dataclass(frozen=True)
class BotConfig:
    """The few settings the conversation layer needs."""

    bot_username: str = "guanjia_bot"
    default_locale: str = "zh_Hans"
    default_timezone: str = "Asia/Shanghai"
    paid_broadcast: bool = False  # notices to many as Telegram's paid broadcasts


def translator_for(identity: IdentityView, config: BotConfig) -> Translator:
    locale = identity.locale or resolve_locale(identity.language_code, config.default_locale)
    return Translator(locale, config.default_timezone)


NOT_WRITTEN = object()


def _as_written(state: DialogState | None) -> tuple[str, str, bytes] | None:
    """What a state is, for telling whether it changed: its data as its JSON (a copy would do
    as well; this is cheaper)."""
    return None if state is None else (state.dialog, state.step, orjson.dumps(state.data))


@dataclass
class Context:
    uow: UnitOfWork
    inbound: Inbound
    identity: IdentityView
    roles: frozenset[Role]
    t: Translator
    config: BotConfig
    state: DialogState | None = None
    state_dirty: bool = False
    toast: str | None = None
    prefaces: list[str] = field(default_factory=list)  # apologies and greetings for the 1st reply
    # The dialog's state as a reply's statement wrote it (see `_state_along`); NOT_WRITTEN
    # while no reply has.
    state_written: Any = field(default=NOT_WRITTEN, repr=False)

    @property
    def person_id(self) -> int | None:
        return self.identity.person_id

    @property
    def actor(self) -> Actor:
        return Actor(self.identity.person_id, self.roles)

    async def reply(self, reply: Reply | str) -> int:
        if isinstance(reply, str):
            reply = Reply(reply)
        if self.prefaces:
            reply.text = "\n\n".join([*self.prefaces, reply.text])
            self.prefaces.clear()
        return await outbox.enqueue(
            self.uow,
            self.inbound.chat_id,
            reply.to_payload(),
            identity_id=self.identity.id,
            files=reply.files,
            dialog=self._state_along(),
        )

    async def edit(self, reply: Reply | str, message_id: int | None = None) -> None:
        """Replaces the message whose button was pressed (or `message_id`)."""
        if isinstance(reply, str):
            reply = Reply(reply)
        target = message_id or self.inbound.message_id
        if target is None:
            await self.reply(reply)
            return
        await outbox.enqueue(
            self.uow,
            self.inbound.chat_id,
            reply.to_payload(),
            kind=OutboxKind.EDIT,
            identity_id=self.identity.id,
            target_message_id=target,
            dialog=self._state_along(),
        )

    # Dialog state: kept in the database, saved when the update has been handled; on
    # PostgreSQL by the reply's own statement where the state changed before the reply (most
    # steps: set the step, ask), and at the end only if it changed after that.
    def _state_along(self) -> StateWrite | None:
        if not self.state_dirty or self.uow.dialect != "postgresql":
            return None
        self.state_dirty = False
        self.state_written = _as_written(self.state)
        return StateWrite(self.identity.id, self.state)

    @property
    def state_unsaved(self) -> bool:
        """Whether the dialog's state must still be written: changed by the methods below since
        the last write, or in place (a handler's own `ctx.state.data`) after a reply wrote it."""
        if self.state_dirty:
            return True
        written = self.state_written
        return written is not NOT_WRITTEN and written != _as_written(self.state)

    def start_dialog(self, dialog: str, step: str, data: dict[str, Any] | None = None) -> None:
        payload = dict(data or {})
        payload["nonce"] = secrets.randbelow(10**6)
        self.state = DialogState(dialog, step, payload)
        self.state_dirty = True

    def set_step(self, step: str) -> None:
        if self.state is None:
            raise RuntimeError("no dialog in progress")
        self.state.step = step
        self.state_dirty = True

    def remember(self, **values: Any) -> None:
        if self.state is None:
            raise RuntimeError("no dialog in progress")
        self.state.data.update(values)
        self.state_dirty = True

    def end_dialog(self) -> None:
        self.state = None
        self.state_dirty = True

    def in_dialog(self, dialog: str) -> bool:
        return self.state is not None and self.state.dialog == dialog

    @property
    def nonce(self) -> int:
        return int(self.state.data.get("nonce", 0)) if self.state else 0

"""Neutral routers: one per role, composed in a fixed order, the fallback last.

Each adapter feeds them the same Context: the aiogram adapter wraps each one in an aiogram Router,
the python-telegram-bot adapter lets Pipeline.route run them; role filters and order are the same
on both front ends.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import Payload
from core.enums import Role

Handler = Callable[..., Awaitable[Any]]


@dataclass(frozen=True)
class _Route:
    handler: Handler
    kinds: frozenset[Kind]
    dialog: str | None = None
    step: str | None = None


class Router:
    def __init__(self, name: str, roles: Iterable[Role] | None = None) -> None:
        self.name = name
        self.roles = frozenset(roles) if roles is not None else None
        self._commands: dict[str, Handler] = {}
        self._buttons: dict[type[Payload], Handler] = {}
        self._messages: list[_Route] = []
        self._any_button: Handler | None = None

    def allows(self, ctx: Context) -> bool:
        return self.roles is None or bool(self.roles & ctx.roles)

    def command(self, *names: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            for name in names:
                self._commands[name] = handler
            return handler

        return register

    def button(self, payload_type: type[Payload]) -> Callable[[Handler], Handler]:
        """The handler gets (ctx, payload); it must still check the person may do this."""

        def register(handler: Handler) -> Handler:
            self._buttons[payload_type] = handler
            return handler

        return register

    def message(
        self, *kinds: Kind, dialog: str | None = None, step: str | None = None
    ) -> Callable[[Handler], Handler]:
        """Messages of these kinds (all but commands and buttons when none are named), optionally
        only while a given dialog (and step) is in progress."""

        def register(handler: Handler) -> Handler:
            wanted = frozenset(kinds) or frozenset(Kind) - {Kind.COMMAND, Kind.BUTTON}
            self._messages.append(_Route(handler, wanted, dialog, step))
            return handler

        return register

    def any_button(self, handler: Handler) -> Handler:
        """Takes every button press no router before it took (the fallback's stale buttons)."""
        self._any_button = handler
        return handler

    async def dispatch(self, ctx: Context, payload: Payload | None = None) -> bool:
        """Runs the first matching handler; False when this router has none for the event.

        A handler may return False to say "not mine after all" and let the next one try.
        """
        if not self.allows(ctx):
            return False
        inbound = ctx.inbound
        if inbound.kind is Kind.COMMAND and inbound.command in self._commands:
            return await self._commands[inbound.command](ctx) is not False
        if inbound.kind is Kind.BUTTON:
            handler = self._buttons.get(type(payload)) if payload is not None else None
            handler = handler or self._any_button
            if handler is None:
                return False
            return await handler(ctx, payload) is not False
        for route in self._messages:
            if inbound.kind not in route.kinds:
                continue
            if route.dialog is not None and not ctx.in_dialog(route.dialog):
                continue
            if route.step is not None and (ctx.state is None or ctx.state.step != route.step):
                continue
            if await route.handler(ctx) is not False:
                return True
        return False

"""The service desks of an estate (DESIGN.md: control centre, customer-service desk).

A desk is reached through the private chats of the estate's dispatchers; a Telegram group per
desk may be configured later (issue 5), behind this same function.
"""

from __future__ import annotations

from collections.abc import Callable

from bot.context import Context
from bot.replies import Reply
from core.enums import Role
from core.i18n import Translator
from core.services import people

DESK_ROLES = frozenset({Role.DISPATCHER})


async def post_to_desk(ctx: Context, estate_id: int, build: Callable[[Translator], Reply]) -> int:
    """Sends a message to everyone at the estate's desk; returns how many people it reached."""
    dispatchers = await people.holders(ctx.uow, estate_id, DESK_ROLES)
    if not dispatchers:
        dispatchers = await people.holders(ctx.uow, estate_id, {Role.SUPERVISOR, Role.MANAGER})
    for person_id in dispatchers:
        await ctx.notify(person_id, build)
    return len(dispatchers)

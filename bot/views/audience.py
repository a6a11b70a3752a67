"""Who can be told, and how: a person in each of their chats in their own script, an estate's
desk (its group, else the people at it), a team (its group, else its members), an order's
reporters. The only way news reaches the outbox; what a handler answers in its own chat goes
through its Context instead.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from bot.conversation.context import BotConfig, translator_for
from bot.conversation.replies import Reply
from core.enums import Role
from core.i18n import N_, Translator
from core.services import desks, directory, identities, incidents, outbox, people
from core.services.desks import Desk
from core.services.orders import OrderView
from core.uow import UnitOfWork

Build = Callable[[Translator], Reply]

INCIDENT_NEWS = N_("About your order {own}, handled together with order {number}:")
DESK_ROLES = frozenset({Role.DISPATCHER})


@dataclass
class Audience:
    uow: UnitOfWork
    config: BotConfig

    async def person(self, person_id: int | None, build: Build) -> None:
        """Tells a person in each of their chats, in their own language."""
        if person_id is None:
            return
        for identity in await identities.of_person(self.uow, person_id):
            if identity.blocked:
                continue
            reply = build(translator_for(identity, self.config))
            await outbox.enqueue(
                self.uow,
                identity.chat_id,
                reply.to_payload(),
                identity_id=identity.id,
                files=reply.files,
            )

    async def person_messages(
        self, person_id: int, build: Callable[[Translator], list[Reply]]
    ) -> None:
        """Tells a person several messages in a row (a report, its charts, its workbook) in
        each of their chats, in their own language."""
        for identity in await identities.of_person(self.uow, person_id):
            if identity.blocked:
                continue
            for reply in build(translator_for(identity, self.config)):
                await outbox.enqueue(
                    self.uow,
                    identity.chat_id,
                    reply.to_payload(),
                    identity_id=identity.id,
                    files=reply.files,
                )

    async def people(self, person_ids: list[int], build: Build) -> None:
        for person_id in person_ids:
            await self.person(person_id, build)

    async def estate_translator(self, estate_id: int) -> Translator:
        estate = await directory.get_estate_by_id(self.uow, estate_id)
        return Translator(estate.default_locale, estate.timezone)

    async def group(self, estate_id: int, chat_id: int, build: Build) -> None:
        """A group chat reads the estate's language."""
        reply = build(await self.estate_translator(estate_id))
        await outbox.enqueue(self.uow, chat_id, reply.to_payload())

    async def desk(self, estate_id: int, build: Build, desk: Desk | None = None) -> None:
        """The estate's desk: its group if one is registered, else everyone at the desk in
        their own chats (the supervisors and managers when there is no dispatcher)."""
        if desk is not None:
            chat_id = await desks.desk_chat(self.uow, estate_id, desk)
            if chat_id is not None:
                await self.group(estate_id, chat_id, build)
                return
        at_desk = await people.holders(self.uow, estate_id, DESK_ROLES)
        if not at_desk:
            at_desk = await people.holders(self.uow, estate_id, {Role.SUPERVISOR, Role.MANAGER})
        await self.people(at_desk, build)

    async def team(self, estate_id: int, team_id: int, build: Build) -> None:
        chat_id = await desks.desk_chat(self.uow, estate_id, desks.team_desk(team_id))
        if chat_id is not None:
            await self.group(estate_id, chat_id, build)
            return
        await self.people(await desks.holders_of_team(self.uow, team_id), build)

    async def supervisors(self, estate_id: int, build: Build) -> None:
        await self.people(await people.holders(self.uow, estate_id, {Role.SUPERVISOR}), build)

    async def reporters(
        self,
        order: OrderView,
        build: Build,
        for_followers: Callable[[Translator, str], Reply] | None = None,
        fan_out: bool = True,
    ) -> None:
        """The order's reporter and, when the order is an incident's primary, everyone whose
        report was merged into it. They get the same news under a line naming their own order,
        without buttons (the job, the appointment and the confirmation belong to the primary);
        `for_followers(t, own_number)` replaces the text where the primary's asks something."""
        told: set[int] = set()
        if order.reporter_id is not None:
            told.add(order.reporter_id)
            await self.person(order.reporter_id, build)
        if not fan_out:
            return
        for follower in await incidents.followers(self.uow, order.id):
            if follower.reporter_id is None or follower.reporter_id in told:
                continue
            told.add(follower.reporter_id)
            own = follower.number

            def news(t: Translator, own: str = own) -> Reply:
                if for_followers is not None:
                    return for_followers(t, own)
                head = t(INCIDENT_NEWS, own=own, number=order.number)
                return Reply(f"{head}\n{build(t).text}")

            await self.person(follower.reporter_id, news)

    async def name(self, person_id: int | None) -> str:
        name = await people.name_of(self.uow, person_id) if person_id else None
        return name or "—"

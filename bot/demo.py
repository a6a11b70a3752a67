"""`guanjia demo`: the emulator, a demo estate and the bot, with a resident's conversation played
and printed as the resident sees it. No token, no network; a throw-away SQLite database."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import tempfile
from pathlib import Path

from bot.world import World, running_world
from tg_emulator import NoMessageError, SimUser, TranscriptMessage

WAIT = 10.0


class Narrator:
    """Plays one simulated person and prints the chat as they see it."""

    def __init__(self, user: SimUser, name: str) -> None:
        self.user = user
        self.name = name
        self.last: TranscriptMessage | None = None

    def _show(self, message: TranscriptMessage) -> None:
        tag = "📷 " if message.has_photo else ""
        print(f"  🤖 {tag}{message.body}".replace("\n", "\n     "))
        for row in message.buttons:
            print("     " + "  ".join(f"[{button['text']}]" for button in row))
        self.last = message

    async def read(self, count: int = 1) -> TranscriptMessage:
        for _ in range(count):
            self._show(await self.user.next_message(timeout=WAIT))
        assert self.last is not None
        return self.last

    async def say(self, text: str, replies: int = 1) -> TranscriptMessage:
        print(f"  👤 {self.name}: {text}")
        if text.startswith("/"):
            command, _, args = text[1:].partition(" ")
            await self.user.send_command(command, args=args or None)
        else:
            await self.user.send_text(text)
        return await self.read(replies)

    async def tap(self, index: tuple[int, int] = (0, 0), replies: int = 1) -> TranscriptMessage:
        assert self.last is not None
        button = self.last.buttons[index[0]][index[1]]
        print(f"  👤 {self.name} taps [{button['text']}]")
        await self.user.press(self.last.message_id, button["callback_data"])
        return await self.read(replies)

    async def show_edit_of(self, message: TranscriptMessage) -> None:
        for entry in self.user.transcript():
            if entry.message_id == message.message_id and entry.edited:
                print(f"  🤖 ✎ {entry.body}".replace("\n", "\n     "))


async def resident_reports_a_leak(world: World, language_code: str, title: str) -> None:
    print(f"\n====== {title} ======")
    code = await world.invitation("1栋", "101")
    print(
        f"  (the management office gives the resident the link "
        f"https://t.me/{world.core.config.bot_username}?start={code})"
    )
    person = Narrator(
        world.emulator.create_user(first_name="赵", language_code=language_code), "赵先生"
    )
    await person.say(f"/start {code}")
    await person.tap((0, 0))  # report a repair
    await person.tap((0, 0))  # in my home
    await person.tap((0, 0))  # water
    await person.say("厨房水管漏水了，水槽下面一直在滴水")
    await person.tap((0, 0))  # done
    await person.tap((0, 0))  # the first day offered
    await person.tap((0, 0))  # the first slot
    summary = await person.tap((0, 0))  # normal urgency
    await person.tap((0, 0))  # confirm
    await person.show_edit_of(summary)


async def run_demo(locale: str = "both") -> None:
    logging.basicConfig(level=logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite+aiosqlite:///{Path(folder) / 'demo.db'}"
        async with running_world(url) as world:
            try:
                if locale in ("both", "zh_Hans"):
                    await resident_reports_a_leak(world, "zh-hans", "简体中文 (zh-hans)")
                if locale in ("both", "zh_Hant"):
                    await resident_reports_a_leak(world, "zh-hant", "繁體中文 (zh-hant)")
            except NoMessageError as exc:
                print(f"\nThe demo stopped: {exc}")
                raise
            stats = world.emulator.stats()
            print(
                f"\nBot API calls: {sum(stats['calls'].values())}, "
                f"rule violations: {len(stats['violations'])}"
            )


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(run_demo())

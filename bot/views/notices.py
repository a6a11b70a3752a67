"""How a notice reads: its kind as a headline, the text in the reader's script, where and when
for planned works, until when it holds. One renderer for the broadcast, the preview shown to
its writer, the residents' notice list and the urgent notice shown at the next contact."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from bot.conversation.payloads import Payload
from bot.conversation.replies import Button, Reply
from core.i18n import N_, Translator
from core.services.notices import NoticeKind, NoticeView, Who

KIND_LABELS = {
    NoticeKind.GREETING: N_("Holiday greeting"),
    NoticeKind.WORKS: N_("Planned works"),
    NoticeKind.OUTAGE: N_("Outage"),
    NoticeKind.EVENT: N_("Community event"),
    NoticeKind.RULES: N_("Rules and fees"),
    NoticeKind.URGENT: N_("Urgent notice"),
}
WHO_LABELS = {
    Who.RESIDENTS: N_("Residents"),
    Who.STAFF: N_("Staff"),
    Who.BOTH: N_("Residents and staff"),
}
HEADLINE = N_("[{kind}]")
REMINDER = N_("[Reminder: {kind} tomorrow]")
WHERE = N_("Where: {place}")
FROM_UNTIL = N_("When: {start} to {end}")
FROM = N_("When: from {start}")
VALID_UNTIL = N_("Valid until {time}")
NO_NOTICES = N_("There are no notices for you at the moment.")
NOTICES_HEAD = N_("Notices for your home (newest first):")
GREETINGS_ON = N_("Holiday greetings: on (tap to turn off)")
GREETINGS_OFF = N_("Holiday greetings: off (tap to turn on)")
MAX_LISTED = 10


class Switch(StrEnum):
    ON = "on"
    OFF = "off"


@dataclass(frozen=True)
class GreetingsSwitch(Payload, prefix="gs"):
    """The resident's "no greetings" switch, turned to `to`."""

    to: Switch


def notice_text(t: Translator, notice: NoticeView, validity: bool = False) -> str:
    """The notice in `t`'s script (a greeting is its text alone)."""
    if notice.kind is NoticeKind.GREETING:
        return notice.text(t.locale)
    headline = REMINDER if notice.reminder else HEADLINE
    lines = [t(headline, kind=t(KIND_LABELS[notice.kind])), notice.text(t.locale)]
    if notice.place:
        lines.append(t(WHERE, place=t.name(notice.place)))
    if notice.starts_at is not None:
        start = t.short_datetime(notice.starts_at)
        if notice.ends_at is not None:
            lines.append(t(FROM_UNTIL, start=start, end=t.short_datetime(notice.ends_at)))
        else:
            lines.append(t(FROM, start=start))
    if validity and notice.valid_until is not None:
        lines.append(t(VALID_UNTIL, time=t.short_datetime(notice.valid_until)))
    return "\n".join(lines)


def render(notice: NoticeView, locale: str) -> dict[str, Any]:
    """The outbox payload of a notice for a reader of `locale` (core.services.notices.Render):
    with a photo, the photo with the text as its caption (or, over a caption's length, the photo
    and then the text: bot.channels.delivery_plan)."""
    text = notice_text(Translator(locale, notice.timezone), notice)
    return Reply(text, photos=[notice.photo] if notice.photo else []).to_payload()


def notice_list(t: Translator, found: list[NoticeView], greetings_off: bool) -> Reply:
    """The residents' "Notices": what concerns their homes and still holds, and the switch for
    the holiday greetings."""
    if found:
        parts = [t(NOTICES_HEAD)]
        parts += [notice_text(t, notice, validity=True) for notice in found[:MAX_LISTED]]
        text = "\n\n".join(parts)
    else:
        text = t(NO_NOTICES)
    label = GREETINGS_OFF if greetings_off else GREETINGS_ON
    switch = GreetingsSwitch(Switch.ON if greetings_off else Switch.OFF)
    return Reply(text, buttons=[[Button(t(label), switch)]])

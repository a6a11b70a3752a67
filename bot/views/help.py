"""/help: what the bot does for the reader and how, a few lines per role they hold."""

from __future__ import annotations

from core.enums import Role
from core.i18n import N_, Translator

STRANGER = N_(
    "This is the service centre of your estate's management office.\n"
    "To begin, open the invitation link the management office gave you, or tap Bind my home. "
    "Once your home is bound you can report repairs, file complaints and follow your orders here."
)
RESIDENT = N_(
    "For residents:\n"
    "• Report a repair, a home alarm or a home service: tap the button, or simply write what is "
    "wrong (for example: 厨房水管漏水了).\n"
    "• We repeat your request back before registering it, then tell you here when a worker is "
    "sent, arrives and finishes.\n"
    "• My orders shows each order's progress; you confirm the completion there.\n"
    "• /language switches between Simplified and Traditional, /cancel leaves what you are doing."
)
WORKER = N_(
    "For workers:\n"
    "• Jobs dispatched to you arrive here: accept or decline, set the appointment, then report "
    "on the way, arrived and completed (with photos and any fee).\n"
    "• My jobs lists your open jobs; On / off duty says whether new jobs may be offered to you."
)
DESK = N_(
    "For the service centre:\n"
    "• New orders arrive here (or in the desk group): dispatch each to a worker, or say why it "
    "cannot be taken.\n"
    "• Overdue jobs come back to you with a reminder; messages between a worker and a resident "
    "can be relayed from the order's card."
)
SUPERVISOR = N_(
    "For supervisors and managers:\n"
    "• Escalations, complaints and fees at or above the threshold come to you.\n"
    "• At the end of the day you receive each unfinished job with its reason and expected "
    "completion time."
)

SETTINGS_HELP = N_(
    "• /settings shows the estate's settings: time limits, job-list and callback times, thresholds."
)

SUPERVISOR_MORE = N_(
    "• /feedback reads residents' comments by period, category, team and worker.\n"
    "• An order's card (from /approvals or /queue) marks it as a special event: the manager "
    "calls the resident back and writes a short report."
)

SURVEYS = N_(
    "For managers:\n"
    "• /survey shows each satisfaction survey's rates so far (distribution, return, "
    "satisfaction), by building and by question, and the households to reach on paper.\n"
    "• When a survey ends under the satisfaction threshold, you receive a corrective-action alert "
    "with the weakest questions and buildings."
)


def help_text(t: Translator, roles: frozenset[Role]) -> str:
    parts = []
    if Role.RESIDENT in roles:
        parts.append(t(RESIDENT))
    if roles & {Role.TECHNICIAN, Role.HOUSEKEEPER}:
        parts.append(t(WORKER))
    if Role.DISPATCHER in roles:
        parts.append(t(DESK))
    if roles & {Role.SUPERVISOR, Role.MANAGER, Role.ADMIN}:
        more = "\n" + t(SUPERVISOR_MORE) if roles & {Role.SUPERVISOR, Role.MANAGER} else ""
        parts.append(t(SUPERVISOR) + "\n" + t(SETTINGS_HELP) + more)
    if roles & {Role.MANAGER, Role.ADMIN}:
        parts.append(t(SURVEYS))
    return "\n\n".join(parts) if parts else t(STRANGER)

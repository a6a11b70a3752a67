"""Free text typed at the main menu ("厨房水管漏水了", "樓上好吵") is never lost.

The bot guesses the kind and category from the keyword lists (core.services.keywords) and offers
to start that report with the text kept as its description; the resident may take the guess,
pick another kind, or start with the category still to choose. The text waits in the dialog
state meanwhile, so a restart or a detour loses nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import STALE_BUTTON, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.dialogs import report
from bot.views.labels import KIND_LABELS
from bot.views.menus import main_menu
from core.enums import OrderKind, Role
from core.i18n import N_, pick_name
from core.services import directory, keywords, residents

DIALOG = "freetext"
MAX_KEPT = report.MAX_DESCRIPTION

router = Router("freetext", roles=[Role.RESIDENT])

OFFERED_KINDS = [
    OrderKind.IN_HOME_REPAIR,
    OrderKind.COMPLAINT,
    OrderKind.HOUSEKEEPING,
    OrderKind.INQUIRY,
    OrderKind.PRAISE,
    OrderKind.ALARM,
]
KIND_CODES = {kind: code for code, kind in zip("rchipa", OFFERED_KINDS, strict=True)}
CODE_KINDS = {code: kind for kind, code in KIND_CODES.items()}


class Take(StrEnum):
    GUESS = "g"  # the guessed kind and category
    KIND = "k"  # another kind, category to choose
    DROP = "x"


@dataclass(frozen=True)
class FreeText(Payload, prefix="ft"):
    nonce: int
    take: Take
    kind: str  # a KIND_CODES value, "-" for none


@router.message(Kind.TEXT)
async def on_text(ctx: Context) -> bool:
    if ctx.state is not None and not ctx.in_dialog(DIALOG):
        return False  # another dialog's business
    text = (ctx.inbound.text or "").strip()
    if not text:
        return False
    if ctx.in_dialog(DIALOG):  # more words while the offer is open: keep them all
        assert ctx.state is not None
        text = f"{ctx.state.data['text']}\n{text}"
    await offer(ctx, text)
    return True


async def offer(ctx: Context, text: str) -> None:
    homes = await residents.homes_of(ctx.uow, ctx.person_id)
    home = residents.current_home(homes, ctx.identity.current_unit_id)
    if home is None:
        await ctx.reply(main_menu(ctx))
        return
    found = keywords.guess(text, ctx.t.locale)
    category = await _category(ctx, home.estate_id, found) if found else None
    ctx.start_dialog(
        DIALOG,
        "offer",
        {
            "text": text,
            "kind": found.kind.value if found else None,
            "category_id": category.id if category else None,
        },
    )
    rows: list[list[Button]] = []
    if found is not None:
        kind_label = ctx.t(KIND_LABELS[found.kind])
        if category is not None:
            name = pick_name(ctx.t.locale, category.name_hans, category.name_hant)
            question = ctx.t(OFFER_WITH_CATEGORY, kind=kind_label, category=name)
        else:
            question = ctx.t(OFFER_KIND, kind=kind_label)
        rows.append([Button(ctx.t("Yes, go ahead"), FreeText(ctx.nonce, Take.GUESS, "-"))])
        rows.append(
            [Button(ctx.t("Not quite: choose the category"), _kind_button(ctx, found.kind))]
        )
        others = [k for k in OFFERED_KINDS if k is not found.kind]
    else:
        question = ctx.t(OFFER_UNKNOWN)
        others = OFFERED_KINDS
    kind_buttons = [Button(ctx.t(KIND_LABELS[k]), _kind_button(ctx, k)) for k in others]
    rows += [kind_buttons[i : i + 2] for i in range(0, len(kind_buttons), 2)]
    rows.append([Button(ctx.t("No, thank you"), FreeText(ctx.nonce, Take.DROP, "-"))])
    await ctx.reply(Reply(ctx.t(HEARD, text=_quote(text)) + "\n" + question, buttons=rows))


def _kind_button(ctx: Context, kind: OrderKind) -> FreeText:
    return FreeText(ctx.nonce, Take.KIND, KIND_CODES[kind])


def _quote(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"


async def _category(ctx: Context, estate_id: int, found: keywords.Guess):
    if found.category is None:
        return None
    for category in await directory.list_categories(ctx.uow, estate_id, found.kind):
        if category.code == found.category:
            return category
    return None


HEARD = N_("We read: “{text}”")
OFFER_WITH_CATEGORY = N_("Shall we start a report ({kind}, {category}) with these words?")
OFFER_KIND = N_("Shall we start a report ({kind}) with these words?")
OFFER_UNKNOWN = N_("What would you like to do with these words? Your text is kept.")


@router.button(FreeText)
async def on_choice(ctx: Context, payload: FreeText) -> None:
    if not ctx.in_dialog(DIALOG) or payload.nonce != ctx.nonce:
        await ctx.reply(main_menu(ctx, ctx.t(STALE_BUTTON)))
        return
    assert ctx.state is not None
    data = dict(ctx.state.data)
    if payload.take is Take.DROP:
        ctx.end_dialog()
        await ctx.edit(ctx.t("All right, nothing was registered."))
        await ctx.reply(main_menu(ctx))
        return
    if payload.take is Take.GUESS and data.get("kind"):
        kind, category_id = OrderKind(data["kind"]), data.get("category_id")
    elif payload.take is Take.KIND and payload.kind in CODE_KINDS:
        kind, category_id = CODE_KINDS[payload.kind], None
    else:
        await offer(ctx, data["text"])
        return
    ctx.end_dialog()
    await report.start(ctx, kind, description=data["text"][:MAX_KEPT], category_id=category_id)

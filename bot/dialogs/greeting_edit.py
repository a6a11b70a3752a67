"""A manager edits the estate's holiday greeting texts in chat: picks a festival, sees its text
in both scripts, sends a new one in their own script (the other is made with OpenCC in the
estate's region's phrasing), may write the other script themselves, sees the preview and saves
it, or goes back to the default. Saving is checked in core (a manager or admin of the estate)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from bot.conversation.context import Context
from bot.conversation.events import Kind
from bot.conversation.payloads import InvalidPayload, Payload
from bot.conversation.replies import Button, Reply
from bot.conversation.routing import Router
from bot.views.greeting_views import festival_label, greeting_card
from bot.views.menus import Menu, MenuItem
from core.errors import InvalidInput, PermissionDenied
from core.i18n import N_
from core.services import directory, greeting_texts, notices
from core.services.greeting_texts import FESTIVALS, GreetingText

router = Router("greeting_edit")

DIALOG = "greeting_edit"

ASK_FESTIVAL = N_("Which festival's greeting?")
ASK_TEXT = N_(
    "Send the new greeting in your own script; the other script is made for you and shown "
    "before saving."
)
ASK_OTHER = N_("Send the text for readers of the other script.")
PREVIEW = N_("Preview of the new greeting:")
SAVE = N_("Save")
WRITE_OTHER = N_("Write the other script myself")
DEFAULT = N_("Back to the default text")
CANCEL = N_("Cancel")
SAVED = N_("Saved. The greeting for {festival} now reads:")
RESET = N_("The greeting for {festival} is the default text again:")
NOT_CHANGED = N_("The greeting was not changed.")
IN_WORDS = N_("Please write the greeting in words.")


class GreetingOp(StrEnum):
    PICK = "p"
    SAVE = "s"
    OTHER = "o"
    DEFAULT = "d"
    CANCEL = "c"


@dataclass(frozen=True)
class GreetingStep(Payload, prefix="gt"):
    nonce: int  # the dialog's: a button of an earlier edit is stale
    op: GreetingOp
    festival: int  # the festival's place in FESTIVALS


async def _estate_id(ctx: Context) -> int:
    estates = await notices.estates_of_sender(ctx.uow, ctx.person_id)
    if not estates:
        raise PermissionDenied()
    return estates[0]


def _button(ctx: Context, label: str, op: GreetingOp, festival: int = 0) -> Button:
    """`label` already in the reader's script."""
    return Button(label, GreetingStep(ctx.nonce, op, festival))


@router.button(Menu)
async def on_menu(ctx: Context, payload: Menu) -> bool:
    if payload.item is not MenuItem.GREETING_TEXTS:
        return False
    estate_id = await _estate_id(ctx)
    ctx.start_dialog(DIALOG, "pick")
    texts = await greeting_texts.texts_of(ctx.uow, estate_id)
    rows = [
        [_button(ctx, festival_label(ctx.t, text.festival), GreetingOp.PICK, _index(text))]
        for text in texts
    ]
    await ctx.reply(Reply(ctx.t(ASK_FESTIVAL), buttons=rows))
    return True


def _index(text: GreetingText) -> int:
    return FESTIVALS.index(text.festival)


@router.button(GreetingStep)
async def on_step(ctx: Context, payload: GreetingStep) -> None:
    estate_id = await _estate_id(ctx)
    if not ctx.in_dialog(DIALOG) or payload.nonce != ctx.nonce:
        raise InvalidPayload("no greeting being edited")
    assert ctx.state is not None
    if payload.op is GreetingOp.CANCEL:
        ctx.end_dialog()
        await ctx.edit(ctx.t(NOT_CHANGED))
        return
    if payload.op is GreetingOp.PICK:
        if not 0 <= payload.festival < len(FESTIVALS):
            raise InvalidPayload("no such festival")
        current = await greeting_texts.text_of(ctx.uow, estate_id, FESTIVALS[payload.festival])
        ctx.remember(festival=current.festival)
        ctx.set_step("text")
        rows = [[_button(ctx, ctx.t(CANCEL), GreetingOp.CANCEL)]]
        if current.own:
            rows.insert(0, [_button(ctx, ctx.t(DEFAULT), GreetingOp.DEFAULT)])
        text = f"{greeting_card(ctx.t, current)}\n\n{ctx.t(ASK_TEXT)}"
        await ctx.edit(Reply(text, buttons=rows))
        return
    festival = ctx.state.data.get("festival")
    if festival is None:
        raise InvalidPayload("no festival chosen")
    if payload.op is GreetingOp.DEFAULT and ctx.state.step == "text":
        await notices.require_sender(ctx.uow, ctx.person_id, estate_id)
        text = await greeting_texts.reset(ctx.uow, estate_id, festival)
        ctx.end_dialog()
        label = festival_label(ctx.t, festival)
        await ctx.edit(f"{ctx.t(RESET, festival=label)}\n\n{greeting_card(ctx.t, text)}")
    elif payload.op is GreetingOp.OTHER and ctx.state.step == "preview":
        ctx.set_step("other")
        await ctx.reply(ctx.t(ASK_OTHER))
    elif payload.op is GreetingOp.SAVE and ctx.state.step == "preview":
        texts = (ctx.state.data["hans"], ctx.state.data["hant"])
        saved = await greeting_texts.set_by(ctx.uow, ctx.person_id, estate_id, festival, texts)
        ctx.end_dialog()
        label = festival_label(ctx.t, festival)
        await ctx.edit(f"{ctx.t(SAVED, festival=label)}\n\n{greeting_card(ctx.t, saved)}")
    else:
        raise InvalidPayload("not at this step")


@router.message(dialog=DIALOG)
async def on_text(ctx: Context) -> None:
    assert ctx.state is not None
    text = (ctx.inbound.text or "").strip() if ctx.inbound.kind is Kind.TEXT else ""
    if not text or ctx.state.step not in ("text", "preview", "other"):
        await ctx.reply(ctx.t(IN_WORDS))
        return
    estate = await directory.get_estate_by_id(ctx.uow, await _estate_id(ctx))
    mine = ctx.t.locale
    try:
        if ctx.state.step == "other":
            data = ctx.state.data
            own = data["hant"] if mine == "zh_Hant" else data["hans"]
            hans, hant = greeting_texts.both_scripts(estate.region, mine, own, text)
        else:  # a new text, also when one is being previewed
            hans, hant = greeting_texts.both_scripts(estate.region, mine, text)
    except InvalidInput as exc:
        await ctx.reply(ctx.t(exc.message_id, **exc.params))
        return
    ctx.remember(hans=hans, hant=hant)
    ctx.set_step("preview")
    preview = GreetingText(ctx.state.data["festival"], hans, hant, True, None)
    rows = [
        [
            _button(ctx, ctx.t(SAVE), GreetingOp.SAVE),
            _button(ctx, ctx.t(WRITE_OTHER), GreetingOp.OTHER),
        ],
        [_button(ctx, ctx.t(CANCEL), GreetingOp.CANCEL)],
    ]
    await ctx.reply(Reply(f"{ctx.t(PREVIEW)}\n\n{greeting_card(ctx.t, preview)}", buttons=rows))

"""Messages, edits, deletions, files and commands as Telegram keeps them."""

from __future__ import annotations

import aiohttp

from tg_emulator import BotState, Emulator
from tg_emulator.methods import NOT_MODIFIED

from .helpers import ApiCall

KEYBOARD = {"inline_keyboard": [[{"text": "Open", "url": "https://example.com"}]]}


async def test_edits_and_deletions_in_transcript(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    status, body = await api("sendMessage", chat_id=user.id, text="v1", reply_markup=KEYBOARD)
    sent = body["result"]
    assert sent["message_id"] == 2 and sent["from"]["is_bot"] is True
    assert sent["chat"]["type"] == "private" and "edit_date" not in sent

    status, body = await api(
        "editMessageText", chat_id=user.id, message_id=2, text="v1", reply_markup=KEYBOARD
    )
    assert status == 400 and body["description"] == f"Bad Request: {NOT_MODIFIED}"
    status, body = await api(
        "editMessageText", chat_id=user.id, message_id=2, text="v2", reply_markup=KEYBOARD
    )
    assert status == 200 and body["result"]["edit_date"] >= sent["date"]
    # Leaving out reply_markup removes the keyboard, so this is a change too.
    status, body = await api("editMessageReplyMarkup", chat_id=user.id, message_id=2)
    assert status == 200 and "reply_markup" not in body["result"]

    status, _ = await api("deleteMessage", chat_id=user.id, message_id=1)
    assert status == 200
    status, body = await api("deleteMessage", chat_id=user.id, message_id=1)
    assert body["description"] == "Bad Request: message to delete not found"
    status, body = await api("editMessageText", chat_id=user.id, message_id=99, text="x")
    assert body["description"] == "Bad Request: message to edit not found"

    first, second = user.transcript()
    assert (first.text, first.from_bot, first.deleted) == ("hi", False, True)
    assert (second.text, second.edited, second.buttons) == ("v2", True, [])
    assert [m.message_id for m in user.visible_transcript()] == [2]
    # User message ids and bot message ids share one counter per chat.
    await user.send_text("again")
    assert user.transcript()[-1].message_id == 3


async def test_files_round_trip_by_file_id(
    emulator: Emulator, bot: BotState, api: ApiCall, http: aiohttp.ClientSession
) -> None:
    user = emulator.create_user()
    await user.send_document("report.pdf", b"%PDF- the report")
    status, body = await api("getUpdates")
    document = body["result"][0]["message"]["document"]
    assert document["file_name"] == "report.pdf" and document["mime_type"] == "application/pdf"

    status, body = await api("getFile", file_id=document["file_id"])
    file_path = body["result"]["file_path"]
    assert body["result"]["file_size"] == len(b"%PDF- the report")
    async with http.get(f"{emulator.base_url}/file/bot{bot.token}/{file_path}") as response:
        assert response.status == 200 and await response.read() == b"%PDF- the report"

    status, body = await api("sendDocument", chat_id=user.id, document=document["file_id"])
    assert status == 200
    assert body["result"]["document"]["file_unique_id"] == document["file_unique_id"]
    status, body = await api("sendPhoto", chat_id=user.id, photo=document["file_id"])
    assert status == 400
    status, body = await api("sendPhoto", chat_id=user.id, photo="no-such-file-id")
    assert body["description"] == "Bad Request: wrong file identifier/HTTP URL specified"

    await user.send_photo(caption="pic")
    status, body = await api("getUpdates")
    photo = body["result"][-1]["message"]["photo"]
    assert 2 <= len(photo) <= 3
    assert all(
        {"file_id", "file_unique_id", "width", "height", "file_size"} <= set(p) for p in photo
    )
    assert photo[-1]["width"] > photo[0]["width"]
    status, body = await api("sendPhoto", chat_id=user.id, photo=photo[-1]["file_id"])
    assert [p["file_id"] for p in body["result"]["photo"]] == [p["file_id"] for p in photo]


async def test_media_groups(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user()
    ids = await user.send_photos(3, caption="album")
    _status, body = await api("getUpdates")
    messages = [u["message"] for u in body["result"]]
    assert [m["message_id"] for m in messages] == ids
    assert len({m["media_group_id"] for m in messages}) == 1
    assert messages[0]["caption"] == "album" and "caption" not in messages[1]

    form = aiohttp.FormData()
    form.add_field("chat_id", str(user.id))
    form.add_field(
        "media",
        '[{"type": "photo", "media": "attach://a", "caption": "one"},'
        ' {"type": "photo", "media": "attach://b"}]',
    )
    form.add_field("a", b"\x89PNG fake", filename="a.png")
    form.add_field("b", b"\x89PNG fake", filename="b.png")
    async with aiohttp.ClientSession() as http:
        url = f"{emulator.base_url}/bot{bot.token}/sendMediaGroup"
        async with http.post(url, data=form) as response:
            body = await response.json()
    assert body["ok"], body
    assert len(body["result"]) == 2
    assert body["result"][0]["media_group_id"] == body["result"][1]["media_group_id"]


async def test_commands_per_scope_and_language(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    user = emulator.create_user()
    await user.send_text("hi")
    default = [{"command": "start", "description": "Start"}]
    chinese = [{"command": "start", "description": "开始"}]
    personal = [{"command": "help", "description": "Help"}]
    chat_scope = {"type": "chat", "chat_id": user.id}
    assert (await api("setMyCommands", commands=default))[0] == 200
    assert (await api("setMyCommands", commands=chinese, language_code="zh"))[0] == 200
    assert (await api("setMyCommands", commands=personal, scope=chat_scope))[0] == 200

    assert (await api("getMyCommands"))[1]["result"] == default
    assert (await api("getMyCommands", language_code="zh"))[1]["result"] == chinese
    assert (await api("getMyCommands", scope=chat_scope))[1]["result"] == personal
    assert (await api("getMyCommands", scope={"type": "all_private_chats"}))[1]["result"] == []
    assert (await api("getMyCommands", scope=chat_scope, language_code="zh"))[1]["result"] == []
    assert (await api("deleteMyCommands", language_code="zh"))[0] == 200
    assert (await api("getMyCommands", language_code="zh"))[1]["result"] == []
    status, body = await api(
        "setMyCommands", commands=default, scope={"type": "chat", "chat_id": 5}
    )
    assert body["description"] == "Bad Request: chat not found"
    status, body = await api("setMyCommands", commands=default, scope={"type": "galaxy"})
    assert status == 400


async def test_groups_copy_forward_and_chat_info(
    emulator: Emulator, bot: BotState, api: ApiCall
) -> None:
    alice = emulator.create_user(first_name="Alice")
    bob = emulator.create_user(first_name="Bob")
    group = emulator.create_group("工程组", [alice, bob], supergroup=True)
    await alice.send_command("report", chat=group)
    await alice.send_text("hi")
    status, body = await api("getUpdates")
    group_message = body["result"][0]["message"]
    assert group_message["chat"] == {"id": group.id, "type": "supergroup", "title": "工程组"}
    assert group_message["text"] == "/report@guanjia_test_bot"

    status, body = await api("copyMessage", chat_id=alice.id, from_chat_id=group.id, message_id=1)
    assert status == 200 and body["result"] == {"message_id": 2}
    status, body = await api(
        "forwardMessage", chat_id=alice.id, from_chat_id=group.id, message_id=1
    )
    assert body["result"]["forward_origin"]["type"] in ("user", "chat")
    status, body = await api("getChat", chat_id=group.id)
    assert body["result"]["title"] == "工程组" and body["result"]["type"] == "supergroup"
    status, body = await api("getChatMember", chat_id=group.id, user_id=bob.id)
    assert body["result"]["status"] == "member"
    status, body = await api("pinChatMessage", chat_id=group.id, message_id=1)
    assert status == 200
    assert (await api("sendChatAction", chat_id=alice.id, action="typing"))[0] == 200
    assert (await api("setChatMenuButton", menu_button={"type": "commands"}))[0] == 200
    assert (await api("getChatMenuButton"))[1]["result"] == {"type": "commands"}


async def test_next_message_timeout_shows_transcript(emulator: Emulator, bot: BotState) -> None:
    user = emulator.create_user()
    await user.send_text("anyone?")
    try:
        await user.next_message(timeout=0.05)
    except AssertionError as error:
        assert "anyone?" in str(error)
        assert isinstance(error, TimeoutError)
    else:
        raise AssertionError("expected a timeout")


async def test_reply_keyboard_and_contact(emulator: Emulator, bot: BotState, api: ApiCall) -> None:
    user = emulator.create_user(first_name="Zhang")
    await user.send_text("hi")
    keyboard = {
        "keyboard": [[{"text": "📞 Share", "request_contact": True}]],
        "resize_keyboard": True,
    }
    _, body = await api("sendMessage", chat_id=user.id, text="phone?", reply_markup=keyboard)
    assert "reply_markup" not in body["result"]
    await user.send_contact("+8613800000000")
    await api("sendMessage", chat_id=user.id, text="thanks", reply_markup={"remove_keyboard": True})
    _status, body = await api("getUpdates")
    contact = body["result"][-1]["message"]["contact"]
    assert contact == {"phone_number": "+8613800000000", "first_name": "Zhang", "user_id": user.id}
    transcript = user.transcript()
    assert transcript[1].reply_keyboard == [[{"text": "📞 Share", "request_contact": True}]]
    assert transcript[-1].remove_keyboard

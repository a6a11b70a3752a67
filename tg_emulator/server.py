"""HTTP routes of the Bot API: request decoding, faults, validation and the answers."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web
from multidict import MultiDictProxy

from .errors import NOT_FOUND, UNAUTHORIZED, ApiError, bad_request, too_many_requests
from .methods import dispatch
from .spec import Upload

if TYPE_CHECKING:
    from .emulator import Emulator

log = logging.getLogger(__name__)
EMULATOR_KEY: web.AppKey[Emulator] = web.AppKey("emulator")
MAX_UPLOAD = 50 * 1024 * 1024  # Telegram's upload limit for bots


def build_app(emulator: Emulator) -> web.Application:
    from .control_api import add_control_routes

    app = web.Application(client_max_size=MAX_UPLOAD)
    app[EMULATOR_KEY] = emulator
    app.router.add_route("*", "/bot{token}/{method}", handle_bot_api)
    app.router.add_route("*", "/bot{token}/", handle_missing_method)
    app.router.add_get("/file/bot{token}/{file_path:.+}", handle_file)
    add_control_routes(app)
    return app


def _answer(error: ApiError) -> web.Response:
    return web.json_response(error.to_json(), status=error.status)


async def read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, Upload]]:
    """Decode every body encoding the bot libraries use, plus the query string."""
    params: dict[str, Any] = dict(request.query)
    uploads: dict[str, Upload] = {}
    content_type = request.content_type
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form: MultiDictProxy[Any] = await request.post()
        for key, value in form.items():
            if isinstance(value, web.FileField):
                try:
                    data = value.file.read()
                finally:
                    value.file.close()
                uploads[key] = Upload(value.filename, value.content_type, data)
            else:
                params[key] = value
        return params, uploads
    body = await request.read()
    if body.strip():
        try:
            decoded = json.loads(body)
        except ValueError:
            raise bad_request("can't parse JSON request body") from None
        if not isinstance(decoded, dict):
            raise bad_request("the JSON request body must be an object")
        params.update(decoded)
    return params, uploads


async def handle_missing_method(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    if emulator.bot_by_token(request.match_info["token"]) is None:
        return _answer(UNAUTHORIZED)
    return _answer(NOT_FOUND)


async def handle_bot_api(request: web.Request) -> web.StreamResponse:
    emulator = request.app[EMULATOR_KEY]
    bot = emulator.bot_by_token(request.match_info["token"])
    if bot is None:
        return _answer(UNAUTHORIZED)
    method = emulator.spec.method(request.match_info["method"])
    if method is None:
        return _answer(NOT_FOUND)
    emulator.calls[method.name] += 1

    for fault in emulator.faults.pick(method.name):
        if fault.kind == "slow":
            await asyncio.sleep(emulator.faults.delay_of(fault))
        elif fault.kind == "drop":
            # Read the request first so the client sees the connection die mid-call.
            await request.read()
            if request.transport is not None:
                request.transport.close()
            raise asyncio.CancelledError
        elif fault.kind == "429":
            emulator.too_many_requests += 1
            return _answer(too_many_requests(fault.retry_after))
        else:
            emulator.errors += 1
            return web.json_response(
                {"ok": False, "error_code": fault.status, "description": fault.description},
                status=fault.status,
            )

    raw: dict[str, Any] = {}
    try:
        raw, uploads = await read_params(request)
        params = emulator.spec.coerce_and_validate(method, raw, uploads)
        result = await dispatch(emulator, bot, method, params, uploads)
    except ApiError as error:
        if _client_gone(request):
            # Nobody hears this answer (e.g. a long poll the client abandoned).
            return _answer(error)
        emulator.errors += 1
        if error.status == 400:
            emulator.record_violation(method.name, raw, error.description)
        return _answer(error)
    return web.json_response({"ok": True, "result": result}, dumps=_dumps)


def _client_gone(request: web.Request) -> bool:
    transport = request.transport
    return transport is None or transport.is_closing()


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


async def handle_file(request: web.Request) -> web.Response:
    emulator = request.app[EMULATOR_KEY]
    if emulator.bot_by_token(request.match_info["token"]) is None:
        return _answer(UNAUTHORIZED)
    stored = emulator.files.by_path(request.match_info["file_path"])
    if stored is None:
        return _answer(NOT_FOUND)
    return web.Response(
        body=stored.data, content_type=stored.mime_type or "application/octet-stream"
    )

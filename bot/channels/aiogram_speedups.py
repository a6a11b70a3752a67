"""Keeps aiogram's per-call response models alive, so pydantic does not rebuild them.

aiogram checks every Bot API answer with `Response[method.__returning__]`, a generic pydantic
model parametrised on each call. pydantic caches parametrised models weakly: once no one holds
`Response[Message]`, the garbage collector may take it and the next sendMessage builds its schema
again, a few milliseconds of CPU each time (a fifth of the bot's time in bench/RESULTS.md).
Building each distinct parametrisation once at import, and holding it here for the life of the
process, turns every later `Response[...]` into a cache hit; the models are the same ones aiogram
would build, so nothing changes but the cost. About forty types, built in some 50 ms.

Imported for its effect from bot/channels/aiogram_channel.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import aiogram.methods  # noqa: F401 - defines every method class
from aiogram.methods.base import Response, TelegramMethod

__all__ = ["RESPONSE_MODELS"]


def _methods(base: type) -> Iterator[type]:
    for subclass in base.__subclasses__():
        yield subclass
        yield from _methods(subclass)


def _response_models() -> dict[str, type]:
    models: dict[str, type] = {}
    for method in _methods(TelegramMethod):
        returning = method.__dict__.get("__returning__")
        if returning is None or isinstance(returning, property):
            continue  # a base class without an answer type of its own
        key = repr(returning)
        if key not in models:
            models[key] = Response[returning]  # type: ignore[index]
    return models


# Strong references: their existence is what keeps pydantic's weak cache entries alive.
RESPONSE_MODELS = _response_models()

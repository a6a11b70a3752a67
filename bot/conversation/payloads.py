"""Typed button payloads: a short prefix and typed fields, at most 64 bytes, never trusted.

`Pick(item=3).pack()` → "pk:3"; `Payload.unpack("pk:3")` → Pick(item=3). Decoding checks the
prefix, the field count and every field's type; authority is checked by the handler on each press.
"""

from __future__ import annotations

import dataclasses
from datetime import date
from enum import Enum
from functools import cache
from typing import Any, ClassVar, TypeVar, get_type_hints

from core.i18n import N_

MAX_BYTES = 64
SEPARATOR = ":"
MAX_INT_DIGITS = 20

_REGISTRY: dict[str, type[Payload]] = {}

P = TypeVar("P", bound="Payload")


class InvalidPayload(ValueError):
    """Forged, garbled or from an older version of the bot."""


# The one answer to a button that no longer means anything (stale, forged, of another dialog).
STALE_BUTTON = N_("This button belongs to an earlier message and no longer works.")


class Payload:
    prefix: ClassVar[str]

    def __init_subclass__(cls, prefix: str, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if SEPARATOR in prefix or prefix in _REGISTRY:
            raise ValueError(f"bad or duplicate payload prefix {prefix!r}")
        cls.prefix = prefix
        _REGISTRY[prefix] = cls

    def pack(self) -> str:
        parts = [self.prefix]
        for field in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, field.name)
            text = value.value if isinstance(value, Enum) else str(value)
            if SEPARATOR in text:
                raise ValueError(f"{field.name} may not contain {SEPARATOR!r}")
            parts.append(text)
        packed = SEPARATOR.join(parts)
        if len(packed.encode()) > MAX_BYTES:
            raise ValueError(f"payload over {MAX_BYTES} bytes: {packed!r}")
        return packed

    @staticmethod
    def unpack(data: str | None) -> Payload:
        if not data:
            raise InvalidPayload("empty")
        prefix, *values = data.split(SEPARATOR)
        cls = _REGISTRY.get(prefix)
        if cls is None:
            raise InvalidPayload(f"unknown prefix {prefix!r}")
        fields = dataclasses.fields(cls)  # type: ignore[arg-type]
        if len(fields) != len(values):
            raise InvalidPayload(f"{prefix}: expected {len(fields)} fields")
        hints = _field_types(cls)
        kwargs = {}
        for field, raw in zip(fields, values, strict=True):
            kwargs[field.name] = _convert(hints[field.name], raw, prefix)
        return cls(**kwargs)


@cache
def _field_types(cls: type[Payload]) -> dict[str, Any]:
    return get_type_hints(cls)


def _convert(kind: Any, raw: str, prefix: str) -> Any:
    try:
        if kind is int:
            if not raw.lstrip("-").isdigit() or len(raw) > MAX_INT_DIGITS:
                raise ValueError(raw)
            number = int(raw)
            if not -(2**63) <= number < 2**63:  # every id fits a 64-bit column
                raise ValueError(raw)
            return number
        if kind is date:
            return date.fromisoformat(raw)
        if kind is str:
            return raw
        if isinstance(kind, type) and issubclass(kind, Enum):
            return kind(raw)
    except ValueError as exc:
        raise InvalidPayload(f"{prefix}: bad value {raw!r}") from exc
    raise TypeError(f"unsupported payload field type {kind!r}")


def unpack_as(data: str | None, cls: type[P]) -> P:
    payload = Payload.unpack(data)
    if not isinstance(payload, cls):
        raise InvalidPayload(f"expected {cls.prefix}")
    return payload

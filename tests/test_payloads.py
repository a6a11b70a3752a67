"""Button payloads: typed, at most 64 bytes, refused when forged or garbled."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import pytest

from bot.conversation.payloads import MAX_BYTES, InvalidPayload, Payload, unpack_as


class Colour(StrEnum):
    RED = "r"
    BLUE = "b"


@dataclass(frozen=True)
class Sample(Payload, prefix="tsample"):
    order_id: int
    colour: Colour
    note: str


def test_round_trip() -> None:
    packed = Sample(42, Colour.BLUE, "x").pack()
    assert packed == "tsample:42:b:x"
    assert Payload.unpack(packed) == Sample(42, Colour.BLUE, "x")
    assert unpack_as(packed, Sample).order_id == 42


@pytest.mark.parametrize(
    "forged",
    ["", "nope:1", "tsample:1:b", "tsample:one:b:x", "tsample:1:green:x", "tsample:1:b:x:extra"],
)
def test_forged_or_garbled_payloads_are_refused(forged: str) -> None:
    with pytest.raises(InvalidPayload):
        Payload.unpack(forged)


def test_too_long_or_ambiguous_payloads_cannot_be_made() -> None:
    with pytest.raises(ValueError, match="64 bytes"):
        Sample(1, Colour.RED, "长" * 30).pack()
    assert len(Sample(1, Colour.RED, "a" * 40).pack().encode()) <= MAX_BYTES
    with pytest.raises(ValueError, match="may not contain"):
        Sample(1, Colour.RED, "a:b").pack()


def test_prefixes_are_unique() -> None:
    with pytest.raises(ValueError, match="duplicate"):

        @dataclass(frozen=True)
        class Again(Payload, prefix="tsample"):
            x: int

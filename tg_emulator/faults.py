"""Injected failures: 5xx answers, slow answers and dropped connections."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["5xx", "slow", "drop"]
FAULT_KINDS: tuple[str, ...] = ("5xx", "slow", "drop")
_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class FaultRule:
    kind: FaultKind
    share: float = 1.0
    until: float | None = None  # time.monotonic() deadline; None = until cleared
    methods: frozenset[str] | None = None  # lower-case method names; None = all
    delay: float = 1.0
    status: int = 502
    after: int = 0  # matching calls let through before the fault starts
    times: int | None = None  # how many calls it hits at most; None = no limit

    def applies(self, method: str, now: float) -> bool:
        if self.until is not None and now >= self.until:
            return False
        return self.methods is None or method.lower() in self.methods

    @property
    def spent(self) -> bool:
        return self.times is not None and self.times <= 0

    @property
    def description(self) -> str:
        return _STATUS_TEXT.get(self.status, "Bad Gateway")


class FaultInjector:
    def __init__(self, seed: int | None = None) -> None:
        self.rng = random.Random(seed)
        self.rules: list[FaultRule] = []
        self.injected: Counter[str] = Counter()

    def add(
        self,
        kind: FaultKind,
        *,
        share: float = 1.0,
        seconds: float | None = None,
        methods: list[str] | None = None,
        delay: float = 1.0,
        status: int = 502,
        after: int = 0,
        times: int | None = None,
    ) -> FaultRule:
        """`after`: let that many matching calls through first; `times`: hit at most that
        many (the second piece of a long message, once, say)."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0.0 and 1.0")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status of a 5xx fault must be between 500 and 599")
        if after < 0 or (times is not None and times < 1):
            raise ValueError("after must be 0 or more, times 1 or more")
        rule = FaultRule(
            kind=kind,
            share=share,
            until=None if seconds is None else time.monotonic() + seconds,
            methods=None if methods is None else frozenset(m.lower() for m in methods),
            delay=delay,
            status=status,
            after=after,
            times=times,
        )
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str) -> list[FaultRule]:
        """The faults that hit this call (a slow fault may combine with a failure)."""
        now = time.monotonic()
        self.rules = [r for r in self.rules if (r.until is None or now < r.until) and not r.spent]
        hits = []
        for rule in self.rules:
            if not rule.applies(method, now):
                continue
            if rule.after > 0:
                rule.after -= 1
                continue
            if self.rng.random() < rule.share:
                hits.append(rule)
        for rule in hits:
            self.injected[rule.kind] += 1
            if rule.times is not None:
                rule.times -= 1
        return hits

"""Injected failures: 5xx answers, 429 answers, slow answers and dropped connections."""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass
from typing import Literal

FaultKind = Literal["5xx", "429", "slow", "drop"]
FAULT_KINDS: tuple[str, ...] = ("5xx", "429", "slow", "drop")
_STATUS_TEXT = {500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


@dataclass
class FaultRule:
    kind: FaultKind
    share: float = 1.0
    until: float | None = None  # time.monotonic() deadline; None = until cleared
    methods: frozenset[str] | None = None  # lower-case method names; None = all
    delay: float = 1.0
    delay_max: float | None = None  # a slow call waits between delay and delay_max seconds
    status: int = 502
    retry_after: int = 1  # what a 429 asks the bot to wait, in seconds
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
        delay_max: float | None = None,
        status: int = 502,
        retry_after: int = 1,
        after: int = 0,
        times: int | None = None,
    ) -> FaultRule:
        """`after`: let that many matching calls through first; `times`: hit at most that
        many (the second piece of a long message, once, say). A slow call waits `delay`
        seconds, or a random time between `delay` and `delay_max`; a 429 asks for
        `retry_after` seconds."""
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; use one of {FAULT_KINDS}")
        if not 0.0 <= share <= 1.0:
            raise ValueError("share must be between 0.0 and 1.0")
        if kind == "5xx" and not 500 <= status <= 599:
            raise ValueError("status of a 5xx fault must be between 500 and 599")
        if delay_max is not None and delay_max < delay:
            raise ValueError("delay_max must not be below delay")
        if retry_after < 1:
            raise ValueError("retry_after must be 1 second or more")
        if after < 0 or (times is not None and times < 1):
            raise ValueError("after must be 0 or more, times 1 or more")
        rule = FaultRule(
            kind=kind,
            share=share,
            until=None if seconds is None else time.monotonic() + seconds,
            methods=None if methods is None else frozenset(m.lower() for m in methods),
            delay=delay,
            delay_max=delay_max,
            status=status,
            retry_after=retry_after,
            after=after,
            times=times,
        )
        self.rules.append(rule)
        return rule

    def delay_of(self, rule: FaultRule) -> float:
        if rule.delay_max is None:
            return rule.delay
        return self.rng.uniform(rule.delay, rule.delay_max)

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

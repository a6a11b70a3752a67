"""Telegram's flood limits, as token buckets per bot and per chat."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

# Methods that put a new message into a chat; only these are rate limited, like Telegram.
SENDING_METHODS = frozenset(
    {
        "sendmessage",
        "sendphoto",
        "senddocument",
        "sendvoice",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendvideonote",
        "sendsticker",
        "sendmediagroup",
        "sendlocation",
        "sendvenue",
        "sendcontact",
        "sendpoll",
        "senddice",
        "sendinvoice",
        "sendpaidmedia",
        "sendchecklist",
        "copymessage",
        "copymessages",
        "forwardmessage",
        "forwardmessages",
    }
)


@dataclass
class RateLimits:
    """Limits answered with 429; set ``enabled=False`` to switch all of them off."""

    enabled: bool = True
    bot_per_second: float = 30.0
    bot_burst: float = 30.0
    paid_broadcast_per_second: float = 1000.0
    private_chat_per_second: float = 1.0
    private_chat_burst: float = 4.0
    group_per_minute: float = 20.0
    group_burst: float = 20.0


@dataclass
class TokenBucket:
    capacity: float
    refill_per_second: float
    tokens: float = field(default=-1.0)
    updated: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.refill_per_second)
        self.updated = now

    def wait_needed(self, now: float) -> float:
        """Seconds until one token is available (0 when available now)."""
        self._refill(now)
        if self.tokens >= 1.0:
            return 0.0
        return (1.0 - self.tokens) / self.refill_per_second

    def take(self) -> None:
        self.tokens -= 1.0


class RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self._bot: dict[int, TokenBucket] = {}
        self._paid: dict[int, TokenBucket] = {}
        self._chats: dict[tuple[int, int], TokenBucket] = {}

    def check(self, bot_id: int, chat_id: int, is_private: bool, paid: bool) -> int:
        """Consume one message; return 0 when allowed, else the retry_after seconds."""
        limits = self.limits
        if not limits.enabled:
            return 0
        now = time.monotonic()
        if paid:
            bot_bucket = self._paid.setdefault(
                bot_id,
                TokenBucket(limits.paid_broadcast_per_second, limits.paid_broadcast_per_second),
            )
        else:
            bot_bucket = self._bot.setdefault(
                bot_id, TokenBucket(limits.bot_burst, limits.bot_per_second)
            )
        if is_private:
            chat_bucket = TokenBucket(limits.private_chat_burst, limits.private_chat_per_second)
        else:
            chat_bucket = TokenBucket(limits.group_burst, limits.group_per_minute / 60.0)
        chat_bucket = self._chats.setdefault((bot_id, chat_id), chat_bucket)
        # Check both before consuming, so a refused message costs nothing.
        wait = max(bot_bucket.wait_needed(now), chat_bucket.wait_needed(now))
        if wait > 0:
            return max(1, math.ceil(wait))
        bot_bucket.take()
        chat_bucket.take()
        return 0

    def reset(self) -> None:
        self._bot.clear()
        self._paid.clear()
        self._chats.clear()

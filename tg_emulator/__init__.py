"""A local Telegram Bot API emulator for end-to-end tests, demos and benchmarks.

It speaks the Bot API over HTTP so aiogram and python-telegram-bot cannot tell it from
Telegram, and simulates the people on the other side of the chats.
"""

from .emulator import Emulator
from .errors import ApiError, NoMessageError
from .faults import FaultRule
from .limits import RateLimits
from .people import CallbackAnswer, SimGroup, SimUser
from .standalone import serve
from .state import BotState
from .transcript import TranscriptMessage

__all__ = [
    "ApiError",
    "BotState",
    "CallbackAnswer",
    "Emulator",
    "FaultRule",
    "NoMessageError",
    "RateLimits",
    "SimGroup",
    "SimUser",
    "TranscriptMessage",
    "serve",
]

"""The one settings object: environment variables and `.env`, built once at start, passed down."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    database_url: str = "sqlite+aiosqlite:///guanjia.db"
    # Base64 of at least 16 random bytes; `guanjia keygen` prints one. Names and phones are
    # encrypted with it, so losing it loses them.
    data_key: SecretStr | None = None
    bot_token: SecretStr | None = None
    # The bot's username, for invitation links; asked from the Bot API (getMe) when unset.
    bot_username: str | None = None
    # Telegram's API by default; the emulator or a local Bot API server otherwise.
    api_base: str = "https://api.telegram.org"
    framework: Literal["aiogram", "ptb"] = "aiogram"
    default_locale: str = "zh_Hans"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = 8080
    # Telegram allows about 30 messages a second; stay a little under it.
    send_rate_per_second: float = 25.0
    # A chat sending more updates than this within ten seconds is slowed (bot/runtime/flood.py).
    flood_burst: int = 20
    # About one message a second to one private chat, after a short burst; 20 a minute to a group.
    private_chat_burst: int = 3
    private_chat_per_second: float = 1.0
    group_per_minute: int = 20
    # Notices and greetings to many sent with Telegram's paid broadcasts (allow_paid_broadcast:
    # up to 1000 messages a second, paid in Stars by the bot's owner).
    allow_paid_broadcast: bool = False
    # Days a finished outgoing message (sealed, but it may carry a phone number or a name) is
    # kept before the hourly housekeeping deletes it; 0: at the next housekeeping.
    outbox_retention_days: int = Field(default=7, ge=0)
    # Seconds a process holds a message it claimed or wrote (renewed while it works on it):
    # after a crash, what the dead process held goes out from another once this has passed.
    outbox_lease_seconds: float = Field(default=30.0, ge=2.0)
    log_level: str = "INFO"
    # text: one readable line per event; json: one JSON object a line, for log collectors.
    log_format: Literal["text", "json"] = "text"
    # Seconds a getUpdates long poll waits; stopping waits for the poll under way to end.
    polling_timeout: int = 10

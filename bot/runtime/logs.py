"""Logging set up once at start: quiet defaults, and one JSON object a line with LOG_FORMAT=json.

Quiet: python-telegram-bot's HTTP client (httpx) logs every request at INFO and APScheduler every
run of every job; both are kept to warnings. JSON lines carry the update id, the chat id and the
order number where known (core/logcontext.py): ids only, never a name or a phone number.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime

from core import logcontext

QUIET = {
    "httpx": logging.WARNING,  # python-telegram-bot: a line per HTTP request
    "httpcore": logging.WARNING,
    "apscheduler": logging.WARNING,  # "Running job ..." / "executed successfully" every sweep
    "aiogram.event": logging.WARNING,  # a line per update handled
}

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, var in (
            ("update_id", logcontext.update_id),
            ("chat_id", logcontext.chat_id),
            ("order", logcontext.order_number),
        ):
            value = var.get()
            if value is not None:
                line[key] = value
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter() if fmt == "json" else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    if root.level > logging.DEBUG:  # LOG_LEVEL=DEBUG shows everything
        for name, quiet in QUIET.items():
            logging.getLogger(name).setLevel(quiet)

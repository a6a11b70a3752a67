"""Stored files: uploads, user-sent media and what getFile / the file route serve."""

from __future__ import annotations

import itertools
import secrets
import struct
import zlib
from dataclasses import dataclass
from typing import Any

# Telegram's file_id prefixes differ per kind; bots never parse them, tools sometimes log them.
_KIND_PREFIX = {
    "photo": "AgACAgIAAxk",
    "document": "BQACAgIAAxk",
    "voice": "AwACAgIAAxk",
    "sticker": "CAACAgIAAxk",
    "audio": "CQACAgIAAxk",
    "video": "BAACAgIAAxk",
    "animation": "CgACAgIAAxk",
}
_KIND_FOLDER = {
    "photo": ("photos", ".jpg"),
    "document": ("documents", ""),
    "voice": ("voice", ".oga"),
    "sticker": ("stickers", ".webp"),
    "audio": ("music", ".mp3"),
    "video": ("videos", ".mp4"),
    "animation": ("animations", ".mp4"),
}


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    kind: str
    data: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    def file_object(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.data),
            "file_path": self.file_path,
        }


def tiny_png(width: int = 2, height: int = 2) -> bytes:
    """A valid grey PNG, so bots that inspect images get a real one."""

    def chunk(tag: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))

    raw = b"".join(b"\x00" + b"\x80" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height of a PNG or JPEG, read from its header."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return width, height
    if data.startswith(b"\xff\xd8"):
        index = 2
        while index + 9 < len(data):
            if data[index] != 0xFF:
                return None
            marker = data[index + 1]
            length = struct.unpack(">H", data[index + 2 : index + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height, width = struct.unpack(">HH", data[index + 5 : index + 9])
                return width, height
            index += 2 + length
    return None


class FileStore:
    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)
        # Any size's file_id -> every size of that photo, for re-sending by file_id.
        self._photo_sets: dict[str, list[dict[str, Any]]] = {}

    def add(
        self,
        kind: str,
        data: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._counter)
        folder, extension = _KIND_FOLDER.get(kind, ("documents", ""))
        if kind == "document" and file_name and "." in file_name:
            extension = "." + file_name.rsplit(".", 1)[1]
        stored = StoredFile(
            file_id=_KIND_PREFIX.get(kind, "BQACAgIAAxk") + secrets.token_urlsafe(48),
            file_unique_id="AQAD" + secrets.token_urlsafe(9),
            kind=kind,
            data=data,
            file_path=f"{folder}/file_{number}{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def get(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id)

    def by_path(self, file_path: str) -> StoredFile | None:
        return self._by_path.get(file_path)

    def photo_sizes(self, data: bytes, *, count: int = 3) -> list[dict[str, Any]]:
        """PhotoSize entries like Telegram makes: thumbnails first, the full size last."""
        width, height = image_size(data) or (0, 0)
        if max(width, height) < 800:
            # Tiny test images still get Telegram's usual size ladder.
            width, height = 1280, 960
        boxes = (90, 320, 800, 1280)[4 - max(1, min(count, 4)) :]
        sizes: list[dict[str, Any]] = []
        for box in boxes:
            scale = min(1.0, box / max(width, height))
            w, h = max(1, round(width * scale)), max(1, round(height * scale))
            stored = self.add("photo", data, mime_type="image/jpeg", width=w, height=h)
            sizes.append(self.photo_size(stored))
        for size in sizes:
            self._photo_sets[size["file_id"]] = sizes
        return sizes

    def photo_set(self, file_id: str) -> list[dict[str, Any]]:
        return self._photo_sets.get(file_id) or []

    @staticmethod
    def photo_size(stored: StoredFile) -> dict[str, Any]:
        return {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.data),
            "width": stored.width or 1280,
            "height": stored.height or 960,
        }

"""Files and media objects: generated images, image size sniffing, PhotoSize/Document builders."""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass
from typing import Any

THUMB_SIDE = 90


@dataclass
class FileRec:
    """One stored file of a bot (uploaded bytes, or a URL kept as-is)."""

    file_id: str
    file_unique_id: str
    file_path: str
    kind: str
    data: bytes | None = None
    url: str | None = None
    mime_type: str | None = None
    file_name: str | None = None
    width: int | None = None
    height: int | None = None
    photo_set: list[dict[str, Any]] | None = None

    @property
    def size(self) -> int | None:
        """Size in bytes, when the content is stored."""
        return len(self.data) if self.data is not None else None

    def photo_size(self, width: int, height: int) -> dict[str, Any]:
        """Return this file as a Telegram ``PhotoSize`` of the given dimensions."""
        size: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "width": width,
            "height": height,
        }
        if self.size is not None:
            size["file_size"] = self.size
        return size

    def document(self) -> dict[str, Any]:
        """Return this file as a Telegram ``Document``."""
        doc: dict[str, Any] = {"file_id": self.file_id, "file_unique_id": self.file_unique_id}
        if self.file_name:
            doc["file_name"] = self.file_name
        if self.mime_type:
            doc["mime_type"] = self.mime_type
        if self.size is not None:
            doc["file_size"] = self.size
        return doc

    def file_object(self) -> dict[str, Any]:
        """Return the Telegram ``File`` object answered by getFile."""
        obj: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_path": self.file_path,
        }
        if self.size is not None:
            obj["file_size"] = self.size
        return obj


def _png_chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def make_png(
    width: int = 320, height: int = 240, color: tuple[int, int, int] = (70, 130, 180)
) -> bytes:
    """Generate a valid RGB PNG of the given size (a simple two-tone pattern)."""
    width = max(1, min(width, 4096))
    height = max(1, min(height, 4096))
    light = bytes(min(255, c + 60) for c in color)
    dark = bytes(color)
    rows = []
    for y in range(height):
        row = bytearray(b"\x00")
        for x in range(width):
            row += light if ((x // 16) + (y // 16)) % 2 else dark
        rows.append(bytes(row))
    raw = b"".join(rows)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(raw, 6))
        + _png_chunk(b"IEND", b"")
    )


def image_info(data: bytes) -> tuple[str, int, int] | None:
    """Return (mime type, width, height) of a PNG/JPEG/GIF/WebP image, or None."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24:
        width, height = struct.unpack(">II", data[16:24])
        return "image/png", width, height
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return "image/gif", width, height
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp", 512, 512
    if data.startswith(b"\xff\xd8"):
        return _jpeg_info(data)
    return None


def _jpeg_info(data: bytes) -> tuple[str, int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return "image/jpeg", width, height
        i += 2 + length
    return "image/jpeg", 0, 0


def thumb_dims(width: int, height: int, side: int = THUMB_SIDE) -> tuple[int, int]:
    """Scale (width, height) so that the longer side is at most ``side``."""
    longest = max(width, height, 1)
    if longest <= side:
        return width, height
    return max(1, width * side // longest), max(1, height * side // longest)


def extension_for(mime: str | None, file_name: str | None = None) -> str:
    """Pick a file extension for a stored file path."""
    if file_name and "." in file_name:
        ext = file_name.rsplit(".", 1)[1].lower()
        if ext.isalnum() and len(ext) <= 8:
            return ext
    return {
        "image/png": "png",
        "image/jpeg": "jpg",
        "image/gif": "gif",
        "image/webp": "webp",
        "audio/ogg": "oga",
        "application/pdf": "pdf",
    }.get(mime or "", "bin")

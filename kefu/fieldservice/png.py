"""Checks on a signature image (pure; no Django, no imaging library).

The signature pad exports a PNG with a transparent background. A signature is
accepted when it is a well-formed PNG under ``MAX_BYTES`` with some ink on it:
PNG rows are filtered, and a row of fully transparent black pixels filters to
zeros under every filter type, so a blank pad is exactly "every byte but the
row filter bytes is zero" — no decoding of the filters is needed.
"""

from __future__ import annotations

import base64
import binascii
import struct
import zlib

MAX_BYTES = 200_000
MIN_INK_BYTES = 40  # a few strokes; a stray tap is not a signature
_MAGIC = b"\x89PNG\r\n\x1a\n"


class BadSignature(ValueError):
    """The image cannot be a customer's signature; the message says why (in English, for logs)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # "empty", "too_large", "not_png"


def from_data_url(value: str) -> bytes:
    """The PNG bytes of a ``data:image/png;base64,…`` URL (BadSignature when it is not one)."""
    prefix = "data:image/png;base64,"
    if not value:
        raise BadSignature("empty")
    if not value.startswith(prefix):
        raise BadSignature("not_png")
    if len(value) > MAX_BYTES * 4 // 3 + len(prefix) + 4:
        raise BadSignature("too_large")
    try:
        return base64.b64decode(value[len(prefix):], validate=True)
    except (binascii.Error, ValueError) as exc:
        raise BadSignature("not_png") from exc


def check(png: bytes) -> tuple[int, int]:
    """(width, height) of a signature PNG with ink on it, or BadSignature."""
    if not png:
        raise BadSignature("empty")
    if len(png) > MAX_BYTES:
        raise BadSignature("too_large")
    if not png.startswith(_MAGIC):
        raise BadSignature("not_png")
    pos = len(_MAGIC)
    width = height = depth = colour = 0
    idat = bytearray()
    try:
        while pos < len(png):
            (length,) = struct.unpack(">I", png[pos : pos + 4])
            kind = png[pos + 4 : pos + 8]
            body = png[pos + 8 : pos + 8 + length]
            if len(body) != length:
                raise BadSignature("not_png")
            if kind == b"IHDR":
                width, height, depth, colour, _c, _f, interlace = struct.unpack(">IIBBBBB", body)
                if interlace:
                    raise BadSignature("not_png")
            elif kind == b"IDAT":
                idat += body
            elif kind == b"IEND":
                break
            pos += 12 + length
    except struct.error as exc:
        raise BadSignature("not_png") from exc
    if not (width and height) or depth != 8 or colour != 6 or width * height > 4_000_000:
        raise BadSignature("not_png")
    try:
        raw = zlib.decompressobj().decompress(bytes(idat), width * height * 4 + height + 1)
    except zlib.error as exc:
        raise BadSignature("not_png") from exc
    stride = width * 4 + 1  # RGBA, as the pad exports it
    if len(raw) < stride * height:
        raise BadSignature("not_png")
    ink = 0
    for row in range(height):
        line = raw[row * stride + 1 : (row + 1) * stride]
        ink += len(line) - line.count(0)
        if ink >= MIN_INK_BYTES:
            return width, height
    raise BadSignature("empty")

"""QR codes for links, drawn by segno (PNG or SVG)."""

from __future__ import annotations

import io
from typing import Literal

import segno

from yutang.kit.errors import VALIDATION_ERROR, BadRequest

QrFormat = Literal["png", "svg"]
ErrorLevel = Literal["L", "M", "Q", "H"]
MIN_SIZE, MAX_SIZE = 64, 4096
BORDER = 4  # modules of quiet zone, as the standard asks


def render(
    content: str,
    *,
    fmt: QrFormat = "png",
    size: int = 512,
    error: ErrorLevel = "M",
    dark: str = "#000000",
    light: str = "#ffffff",
) -> tuple[bytes, str]:
    """The QR code of ``content`` as (bytes, media type), about ``size`` pixels wide.

    The width is a whole number of pixels per module, so the result is the largest
    crisp code not wider than ``size`` (never smaller than one pixel per module).
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise BadRequest(f"size must be between {MIN_SIZE} and {MAX_SIZE} pixels.", code=VALIDATION_ERROR)
    qr = segno.make(content, error=error.lower(), micro=False, boost_error=False)
    modules = qr.symbol_size(scale=1, border=BORDER)[0]
    scale = max(1, size // modules)
    buf = io.BytesIO()
    if fmt == "svg":
        qr.save(buf, kind="svg", scale=scale, border=BORDER, dark=dark, light=light, xmldecl=False)
        return buf.getvalue(), "image/svg+xml"
    qr.save(buf, kind="png", scale=scale, border=BORDER, dark=dark, light=light)
    return buf.getvalue(), "image/png"

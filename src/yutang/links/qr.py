"""QR codes for links, drawn by segno (PNG or SVG)."""

from __future__ import annotations

import io
from typing import Any, Literal

import segno
from PIL import Image, ImageColor

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
    """The QR code of ``content`` as (bytes, media type), exactly ``size`` pixels square.

    PNG: each module is the largest whole number of pixels that fits with the standard
    quiet zone of 4 modules, so the code stays crisp; the pixels left over widen the
    quiet zone, centred. (A code too dense for one pixel per module in ``size`` is drawn
    at one pixel per module, wider than asked.) SVG: drawn in module units and scaled by
    a viewBox to ``size``, which any viewer renders exactly.
    """
    if not MIN_SIZE <= size <= MAX_SIZE:
        raise BadRequest(f"size must be between {MIN_SIZE} and {MAX_SIZE} pixels.", code=VALIDATION_ERROR)
    qr = segno.make(content, error=error.lower(), micro=False, boost_error=False)
    buf = io.BytesIO()
    if fmt == "svg":
        qr.save(buf, kind="svg", border=BORDER, dark=dark, light=light, xmldecl=False, omitsize=True)
        svg = buf.getvalue().replace(b"<svg ", f'<svg width="{size}" height="{size}" '.encode(), 1)
        return svg, "image/svg+xml"
    count = int(qr.symbol_size(scale=1, border=0)[0])
    scale = max(1, size // (count + 2 * BORDER))
    side = max(size, (count + 2 * BORDER) * scale)
    offset = (side - count * scale) // 2
    plain = (dark.lower(), light.lower()) in (("#000000", "#ffffff"), ("#000", "#fff"))
    mode = "1" if plain else "RGB"
    ink, paper = (0, 1) if plain else (ImageColor.getrgb(dark), ImageColor.getrgb(light))
    symbol = Image.new(mode, (count, count), paper)
    pixels: Any = [ink if on else paper for row in qr.matrix for on in row]  # ints (1-bit) or RGB
    symbol.putdata(pixels)
    image = Image.new(mode, (side, side), paper)
    image.paste(symbol.resize((count * scale, count * scale), Image.Resampling.NEAREST), (offset, offset))
    image.save(buf, format="PNG")
    return buf.getvalue(), "image/png"

"""Share posters (PNG): the campaign's art, the inviter's name and a QR code of their
personal short link, drawn with Pillow.

Chinese text needs a CJK font. The setup scripts put WenQuanYi Micro Hei (from
Debian's ``fonts-wqy-microhei``) into ``.tools/fonts``; a system Noto CJK or
WenQuanYi font is used when present, and ``YUTANG_POSTER_FONT`` names any other.
Without one the poster is refused (``poster_font_missing``) rather than drawn with
boxes where the characters should be.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from collections import OrderedDict
from functools import lru_cache
from pathlib import Path
from typing import Any

from PIL import Image, ImageDraw, ImageFont, ImageOps, UnidentifiedImageError

from yutang.kit.errors import BadRequest, YutangError
from yutang.links import qr
from yutang.referrals.errors import INVALID_ART, POSTER_FONT_MISSING

WIDTH, HEIGHT = 750, 1334  # the usual share-poster size on phones
MAX_ART_SIDE = 6000
_ROOT = Path(__file__).resolve().parents[3]
CANDIDATES = (
    _ROOT / ".tools/fonts/wqy-microhei.ttc",
    Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"),
    Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc"),
)


class PosterCache:
    """The newest ``size`` posters drawn in this process (least recently used go first)."""

    def __init__(self, size: int = 128) -> None:
        self.size = size
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: str) -> bytes | None:
        found = self._items.get(key)
        if found is None:
            self.misses += 1
            return None
        self.hits += 1
        self._items.move_to_end(key)
        return found

    def put(self, key: str, png: bytes) -> None:
        self._items[key] = png
        self._items.move_to_end(key)
        while len(self._items) > self.size:
            self._items.popitem(last=False)

    def clear(self) -> None:
        self._items.clear()


CACHE = PosterCache()


def cache_key(drawn: dict[str, Any], *version: object) -> str:
    blob = json.dumps([drawn, [str(v) for v in version], WIDTH, HEIGHT], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


class FontMissing(YutangError):
    status_code = 503
    code = POSTER_FONT_MISSING


def font_path() -> Path:
    named = os.environ.get("YUTANG_POSTER_FONT")
    for path in ([Path(named)] if named else []) + list(CANDIDATES):
        if path.is_file():
            return path
    raise FontMissing(
        "No CJK font for posters: run scripts/fonts.sh or set YUTANG_POSTER_FONT to a .ttf/.ttc file."
    )


@lru_cache(maxsize=16)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def font(size: int) -> ImageFont.FreeTypeFont:
    return _font(str(font_path()), size)


def check_art(data: bytes) -> None:
    """Refuse what is not a PNG or JPEG picture of sane size (``invalid_art``)."""
    try:
        with Image.open(io.BytesIO(data)) as img:
            kind, (w, h) = img.format, img.size
            img.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError) as exc:
        raise BadRequest("The art is not a readable picture.", code=INVALID_ART) from exc
    if kind not in ("PNG", "JPEG"):
        raise BadRequest("The art must be a PNG or JPEG picture.", code=INVALID_ART, details={"format": kind})
    if max(w, h) > MAX_ART_SIDE or min(w, h) < 16:
        raise BadRequest(
            f"The art must be between 16 and {MAX_ART_SIDE} pixels a side.",
            code=INVALID_ART,
            details={"width": w, "height": h},
        )


def _rgb(color: str) -> tuple[int, int, int]:
    return int(color[1:3], 16), int(color[3:5], 16), int(color[5:7], 16)


def _background(art: bytes | None, color: str) -> Image.Image:
    if art:
        with Image.open(io.BytesIO(art)) as img:
            return ImageOps.fit(img.convert("RGB"), (WIDTH, HEIGHT), Image.Resampling.LANCZOS)
    top = _rgb(color)
    bottom = (int(top[0] * 0.45), int(top[1] * 0.45), int(top[2] * 0.45))
    # Pillow's own 256-step vertical ramp (black at the top), coloured, then stretched.
    ramp = ImageOps.colorize(Image.linear_gradient("L"), black=top, white=bottom)
    return ramp.resize((WIDTH, HEIGHT), Image.Resampling.BILINEAR)


def _wrap(draw: ImageDraw.ImageDraw, text: str, face: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """Break ``text`` into lines no wider than ``width`` (per character: Chinese has no spaces)."""
    lines: list[str] = []
    line = ""
    for ch in text:
        if draw.textlength(line + ch, font=face) > width and line:
            lines.append(line.rstrip())
            line = ch.lstrip()
        else:
            line += ch
    if line:
        lines.append(line)
    return lines


def render(
    *,
    brand: str,
    title: str,
    subtitle: str,
    inviter: str,
    stages: list[str],
    url: str,
    code: str,
    color: str = "#0e7c66",
    art: bytes | None = None,
) -> bytes:
    """The poster as PNG bytes."""
    img = _background(art, color)
    if art:  # keep white text readable on any picture
        shade = Image.new("RGBA", (WIDTH, 580), (0, 0, 0, 90))
        img.paste(shade, (0, 0), shade)
    draw = ImageDraw.Draw(img)
    margin = 56
    y = 64
    draw.text((margin, y), brand, font=font(30), fill=(255, 255, 255))
    y += 80
    for line in _wrap(draw, title, font(64), WIDTH - 2 * margin)[:3]:
        draw.text((margin, y), line, font=font(64), fill=(255, 255, 255))
        y += 84
    for line in _wrap(draw, subtitle, font(32), WIDTH - 2 * margin)[:2]:
        draw.text((margin, y + 8), line, font=font(32), fill=(235, 245, 240))
        y += 46
    # The card with the inviter, the stages and the QR code.
    card_top = 600
    draw.rounded_rectangle(
        (margin - 16, card_top, WIDTH - margin + 16, HEIGHT - 60), radius=28, fill=(255, 255, 255)
    )
    accent = _rgb(color)
    cx, cy, r = margin + 44, card_top + 70, 36
    draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=accent)
    initial = (inviter or "?")[:1]
    draw.text((cx, cy), initial, font=font(36), fill=(255, 255, 255), anchor="mm")
    draw.text((cx + 56, cy - 24), f"{inviter} 邀请你加入", font=font(34), fill=(30, 30, 30))
    draw.text((cx + 56, cy + 18), f"邀请码 {code}", font=font(24), fill=(110, 110, 110))
    sy = card_top + 140
    for line in stages[:4]:
        draw.text((margin + 12, sy), "• " + line, font=font(26), fill=(60, 60, 60))
        sy += 40
    png, _ = qr.render(url, size=300, error="M")
    with Image.open(io.BytesIO(png)) as code_img:
        code_rgb = code_img.convert("RGB")
    side = min(code_rgb.size[0], 300)
    code_rgb = code_rgb.resize((side, side), Image.Resampling.NEAREST)
    qx, qy = (WIDTH - side) // 2, HEIGHT - 60 - side - 90
    img.paste(code_rgb, (qx, qy))
    draw.text(
        (WIDTH // 2, HEIGHT - 60 - 50),
        "长按识别二维码 · Scan to join",
        font=font(26),
        fill=(90, 90, 90),
        anchor="mm",
    )
    out = io.BytesIO()
    img.save(out, format="PNG", optimize=False)
    return out.getvalue()

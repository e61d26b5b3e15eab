"""QR codes of links: PNG and SVG, size, error correction, and what the code encodes."""

from __future__ import annotations

import struct
import zlib
from typing import Any

import httpx
import pytest
import segno

from tests.conftest import Tenant
from tests.links.conftest import LINKS
from yutang.links import qr

SHORT = "http://go.acme.test/qr-me"


def png_size(png: bytes) -> tuple[int, int]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    length, kind = struct.unpack(">I4s", png[8:16])
    assert (length, kind) == (13, b"IHDR")
    width, height = struct.unpack(">II", png[16:24])
    return width, height


def png_pixels(png: bytes) -> list[list[int]]:
    """Grey levels of a non-interlaced 8-bit-or-less greyscale PNG (what segno writes)."""
    width, height = png_size(png)
    depth, color, _, _, interlace = struct.unpack(">BBBBB", png[24:29])
    assert (color, interlace) == (0, 0), "greyscale, not interlaced"
    data = b""
    pos = 8
    while pos < len(png):
        length, kind = struct.unpack(">I4s", png[pos : pos + 8])
        if kind == b"IDAT":
            data += png[pos + 8 : pos + 8 + length]
        pos += 12 + length
    raw = zlib.decompress(data)
    stride = (width * depth + 7) // 8
    bpp = max(1, depth // 8)
    rows: list[list[int]] = []
    prev = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        ftype, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            up = prev[i]
            up_left = prev[i - bpp] if i >= bpp else 0
            if ftype == 1:
                line[i] = (line[i] + left) & 0xFF
            elif ftype == 2:
                line[i] = (line[i] + up) & 0xFF
            elif ftype == 3:
                line[i] = (line[i] + (left + up) // 2) & 0xFF
            elif ftype == 4:
                p = left + up - up_left
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - up_left)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else up_left
                line[i] = (line[i] + pred) & 0xFF
        prev = line
        per_byte = 8 // depth if depth < 8 else 1
        values: list[int] = []
        for x in range(width):
            if depth < 8:
                byte = line[x // per_byte]
                shift = 8 - depth * (x % per_byte + 1)
                values.append((byte >> shift) & ((1 << depth) - 1))
            else:
                values.append(line[x])
        rows.append(values)
    return rows


def png_modules(png: bytes, border: int = qr.BORDER) -> list[list[bool]]:
    """The dark/light modules of the symbol drawn in ``png`` (quiet zone removed)."""
    pixels = png_pixels(png)
    width = len(pixels[0])
    # Count the symbol's modules from the finder pattern: the first dark run of row
    # ``border`` is 7 modules wide.
    top = next(y for y, row in enumerate(pixels) if 0 in row)
    row = pixels[top]
    first = row.index(0)
    run = next(i for i in range(first, width) if row[i] != 0) - first
    scale = run // 7
    assert first == top >= border * scale  # at least the standard quiet zone, centred
    last = max(i for i, v in enumerate(row) if v == 0)  # the right finder's edge
    count = (last - first + 1) // scale
    assert width - 2 * first - count * scale in (0, 1)
    return [
        [pixels[first + my * scale + scale // 2][first + mx * scale + scale // 2] == 0 for mx in range(count)]
        for my in range(count)
    ]


def segno_modules(content: str, error: str) -> list[list[bool]]:
    code = segno.make(content, error=error, micro=False, boost_error=False)
    return [[bool(v) for v in row] for row in code.matrix]


@pytest.fixture
async def qr_link(client, tenant, create):
    link = await create(url="https://example.com/landing", slug="qr-me")
    assert link["short_url"] == SHORT
    return link


async def _qr(client: httpx.AsyncClient, tenant: Tenant, link_id: int, **params: Any) -> httpx.Response:
    return await client.get(f"{LINKS}/{link_id}/qr", params=params, headers=tenant.headers)


async def test_png_is_exactly_the_requested_size_with_crisp_modules(client, tenant, qr_link):
    side = segno.make(SHORT, error="m", micro=False).symbol_size(scale=1, border=qr.BORDER)[0]
    assert side == 33  # version 2 (25 modules) and a quiet zone of 4 on each side
    for size, scale in ((64, 1), (200, 6), (512, 15), (1000, 30)):
        r = await _qr(client, tenant, qr_link["id"], size=size)
        assert r.status_code == 200
        assert r.headers["content-type"] == "image/png"
        assert png_size(r.content) == (size, size), size
        # The largest whole number of pixels per module that fits with the quiet zone;
        # the code still reads as the short URL.
        pixels = png_pixels(r.content)
        first = pixels[next(y for y, row in enumerate(pixels) if 0 in row)].index(0)
        assert (size - 2 * first) // 25 == scale == size // side, size
        assert png_modules(r.content) == segno_modules(SHORT, "m")


async def test_png_encodes_the_short_url(client, tenant, qr_link):
    r = await _qr(client, tenant, qr_link["id"], size=300, ecc="Q")
    assert png_modules(r.content) == segno_modules(SHORT, "q")
    assert png_modules(r.content) != segno_modules("http://go.acme.test/other", "q")


async def test_ecc_level_changes_the_code(client, tenant, qr_link):
    low = await _qr(client, tenant, qr_link["id"], ecc="L")
    high = await _qr(client, tenant, qr_link["id"], ecc="H")
    assert low.content != high.content
    assert png_modules(low.content) == segno_modules(SHORT, "l")
    assert png_modules(high.content) == segno_modules(SHORT, "h")
    assert len(png_modules(high.content)) > len(png_modules(low.content))


async def test_default_is_512px_with_ecc_m(client, tenant, qr_link):
    r = await _qr(client, tenant, qr_link["id"])
    assert r.content == qr.render(SHORT, fmt="png", size=512, error="M")[0]
    assert png_modules(r.content) == segno_modules(SHORT, "m")
    assert r.headers["content-disposition"] == 'inline; filename="qr-me.png"'


async def test_svg_format(client, tenant, qr_link):
    r = await _qr(client, tenant, qr_link["id"], format="svg", size=256)
    assert r.status_code == 200
    assert r.headers["content-type"] == "image/svg+xml"
    assert "<svg" in r.text
    assert not r.text.startswith("<?xml")
    side = segno.make(SHORT, error="m", micro=False).symbol_size(scale=1, border=qr.BORDER)[0]
    # Exactly the size asked, the symbol and its quiet zone scaled by the viewBox.
    assert r.text.startswith('<svg width="256" height="256" ')
    assert f'viewBox="0 0 {side} {side}"' in r.text
    assert r.headers["content-disposition"] == 'inline; filename="qr-me.svg"'


async def test_bad_parameters_are_422(client, tenant, qr_link):
    for params in ({"size": 63}, {"size": 4097}, {"size": "big"}, {"ecc": "X"}, {"format": "gif"}):
        r = await _qr(client, tenant, qr_link["id"], **params)
        assert r.status_code == 422, params
        assert r.json()["error"]["code"] == "validation_error"
        assert [e["loc"] for e in r.json()["error"]["details"]["errors"]] == [["query", *params]]


async def test_unknown_link_is_404(client, tenant):
    r = await _qr(client, tenant, 999999)
    assert r.status_code == 404
    assert r.json()["error"]["code"] == "not_found"


async def test_other_tenants_link_is_404(client, tenant, other_tenant, qr_link):
    r = await _qr(client, other_tenant, qr_link["id"])
    assert r.status_code == 404


def test_render_refuses_sizes_out_of_range():
    from yutang.kit.errors import BadRequest

    with pytest.raises(BadRequest) as info:
        qr.render(SHORT, size=qr.MAX_SIZE + 1)
    assert info.value.code == "validation_error"


def test_the_largest_size_is_exact_too() -> None:
    for size in (qr.MAX_SIZE, 4095, 2048):
        assert png_size(qr.render(SHORT, size=size)[0]) == (size, size)
    coloured = qr.render(SHORT, size=300, dark="#0a6e53", light="#fffdf5")[0]
    assert png_size(coloured) == (300, 300)

"""Text in the console is readable: every pair of text and background colour the style
sheet uses has a WCAG 2 contrast ratio of at least 4.5 : 1 (AA for normal text). The
colours are read from console.css itself, so changing one re-runs the check."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = (Path(__file__).resolve().parents[2] / "src/yutang/web/static/console.css").read_text()
VARS = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})", CSS))


def _colour(value: str) -> tuple[float, float, float]:
    value = VARS.get(value.removeprefix("var(--").removesuffix(")"), value).lstrip("#")
    if len(value) == 3:
        value = "".join(c * 2 for c in value)
    return tuple(int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))  # type: ignore[return-value]


def _luminance(rgb: tuple[float, float, float]) -> float:
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(text: str, background: str) -> float:
    lighter, darker = sorted((_luminance(_colour(text)), _luminance(_colour(background))), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def _rule(selector: str) -> str:
    found = re.search(re.escape(selector) + r"\s*\{([^}]*)\}", CSS)
    assert found, f"no rule for {selector} in console.css"
    return found.group(1)


#: (what, text colour, background colour) as the style sheet pairs them.
PAIRS = [
    ("body text", "var(--ink)", "var(--bg)"),
    ("text in cards and tables", "var(--ink)", "#ffffff"),
    ("secondary text", "var(--muted)", "#ffffff"),
    ("secondary text on the page", "var(--muted)", "var(--bg)"),
    ("links", "var(--accent)", "#ffffff"),
    ("links on the page", "var(--accent)", "var(--bg)"),
    ("primary buttons", "var(--accent-ink)", "var(--accent)"),
    ("errors", "var(--bad)", "#ffffff"),
    ("the current sidebar entry", "var(--accent)", "var(--soft)"),
    ("tags", "var(--accent)", "var(--soft)"),
]
for selector in (
    ".status-active",
    ".status-expired, .status-exhausted",
    ".status-disabled, .status-archived",
):
    declarations = _rule(selector)
    background = re.search(r"background:\s*(#[0-9a-fA-F]{3,6})", declarations)
    colour = re.search(r"(?<!-)color:\s*(#[0-9a-fA-F]{3,6}|var\(--[a-z-]+\))", declarations)
    assert background and colour, selector
    PAIRS.append((selector, colour.group(1), background.group(1)))


@pytest.mark.parametrize(("what", "text", "background"), PAIRS, ids=[p[0] for p in PAIRS])
def test_text_has_enough_contrast(what: str, text: str, background: str) -> None:
    assert contrast(text, background) >= 4.5, f"{what}: {contrast(text, background):.2f} : 1"


def test_the_check_itself_knows_black_on_white() -> None:
    assert round(contrast("#000000", "#ffffff"), 1) == 21.0
    assert contrast("#777777", "#ffffff") < 4.5  # a grey that fails AA

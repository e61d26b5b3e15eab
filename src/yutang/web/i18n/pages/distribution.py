"""Strings of the console's distribution module."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}

"""Strings of the console's loyalty module."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}

"""Strings of the console's settings module."""

from __future__ import annotations

STRINGS: dict[str, dict[str, str]] = {}

"""Yutang (鱼塘): private-domain traffic operations."""

__version__ = "0.1.0"

"""设置 Settings: the workspace's profile and timezone, link domains, console users and
roles, API keys, the shop webhook's secret and the PII key status."""

from __future__ import annotations

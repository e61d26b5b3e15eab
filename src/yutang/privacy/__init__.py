"""Data-subject requests (GDPR / PIPL): export and erasure of everything held about a member.

A member's data lies in several domains, so this package sits above all of them (and
below web, CLI and app) and composes one function per domain, each in
``<domain>/privacy.py``:

- ``async def export(ctx, member_id) -> dict`` — that domain's sections of the export;
- ``async def erase(ctx, member_id) -> None`` — where erasure touches that domain.

No domain imports this package. A new domain that holds member data adds its
``privacy.py`` and is listed in :mod:`yutang.privacy.service`.
"""

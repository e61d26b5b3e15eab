"""CSV import of members (CLI): de-duplicated by identity, safe to run twice.

Columns (a header row; every column optional but at least one identity):
``phone, email, openid, unionid, customer_id, name, gender, birthday, province, city,
district, address, postcode, id_number, tags`` (``group/name`` separated by ``;``),
``channel`` (a channel id or name), ``consent_marketing`` (yes/no), and any number of
``attr.<name>`` columns for custom attributes.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from pydantic import ValidationError

from yutang.kit.context import Ctx
from yutang.kit.csvimport import Outcome, as_bad_request
from yutang.links.importer import channel_id
from yutang.members import service
from yutang.members.schemas import Address, MemberIn

IDENTITY_COLUMNS = ("phone", "email", "openid", "unionid", "customer_id")
YES = {"1", "y", "yes", "true", "是"}
GENDERS = {"m": "male", "male": "male", "男": "male", "f": "female", "female": "female", "女": "female"}


async def to_member(ctx: Ctx, row: dict[str, str], channels: dict[str, int]) -> MemberIn:
    address = {k: row.get(k) or None for k in ("province", "city", "district", "postcode")}
    address["detail"] = row.get("address") or None
    ref = row.get("channel")
    if ref and ref not in channels:
        channels[ref] = await channel_id(ctx, ref)
    attributes: dict[str, Any] = {k[5:]: v for k, v in row.items() if k.startswith("attr.") and v}
    consents = {"marketing": row["consent_marketing"].lower() in YES} if row.get("consent_marketing") else {}
    try:
        return MemberIn(
            **{k: row.get(k) or None for k in IDENTITY_COLUMNS},
            name=row.get("name") or None,
            gender=GENDERS.get((row.get("gender") or "").lower(), "unknown"),
            birthday=row.get("birthday") or None,
            address=Address(**address) if any(address.values()) else None,
            id_number=row.get("id_number") or None,
            tags=[t.strip() for t in (row.get("tags") or "").split(";") if t.strip()],
            source_channel_id=channels.get(ref) if ref else None,
            attributes=attributes,
            consents=consents,
        )
    except ValidationError as exc:
        raise as_bad_request(exc) from exc


def handler(channels: dict[str, int]) -> Callable[[Ctx, list[dict[str, str]]], Coroutine[Any, Any, Outcome]]:
    async def handle(ctx: Ctx, rows: list[dict[str, str]]) -> Outcome:
        data = await to_member(ctx, rows[0], channels)
        _, created = await service.join(ctx, data, via="csv")
        return "created" if created else "unchanged"

    return handle

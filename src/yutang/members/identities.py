"""Identity normalisation, Chinese ID numbers and masking (pure functions, no I/O)."""

from __future__ import annotations

import re
from datetime import date

from yutang.kit.errors import BadRequest
from yutang.members.errors import INVALID_ID_NUMBER, INVALID_IDENTITY

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}\Z")
_E164 = re.compile(r"^\+[1-9]\d{6,14}\Z")
_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}\Z")
_OPAQUE = re.compile(r"^[A-Za-z0-9_\-]{6,64}\Z")
_CUSTOMER = re.compile(r"^[^\s]{1,64}\Z")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def normalize_phone(raw: str) -> str:
    """Mainland mobiles as 11 digits (``+86``/``0086`` dropped); others in E.164."""
    value = re.sub(r"[\s\-()]", "", raw)
    if value.startswith("0086"):
        value = "+86" + value[4:]
    if value.startswith("+86"):
        value = value[3:]
    if _CN_MOBILE.match(value) or _E164.match(value):
        return value
    raise BadRequest(f"{raw!r} is not a phone number.", code=INVALID_IDENTITY, details={"kind": "phone"})


def normalize_identity(kind: str, raw: str) -> str:
    value = raw.strip()
    if kind == "phone":
        return normalize_phone(value)
    if kind == "email":
        value = value.lower()
        if _EMAIL.match(value) and len(value) <= 254:
            return value
    elif kind in ("openid", "unionid"):
        if _OPAQUE.match(value):
            return value
    elif kind == "customer_id":
        if _CUSTOMER.match(value):
            return value
    else:
        raise BadRequest(f"Unknown identity kind {kind!r}.", code=INVALID_IDENTITY, details={"kind": kind})
    raise BadRequest(f"{raw!r} is not a valid {kind}.", code=INVALID_IDENTITY, details={"kind": kind})


def check_cn_id_number(raw: str) -> str:
    """A mainland resident ID number (18 chars): valid birth date and ISO 7064 checksum."""
    value = raw.strip().upper()
    if not re.fullmatch(r"\d{17}[\dX]", value):
        raise BadRequest("An ID number has 17 digits and a check character.", code=INVALID_ID_NUMBER)
    try:
        date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError as exc:
        raise BadRequest("The ID number's birth date is not a date.", code=INVALID_ID_NUMBER) from exc
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    if _ID_CHECK[total % 11] != value[17]:
        raise BadRequest("The ID number's check character is wrong.", code=INVALID_ID_NUMBER)
    return value


def id_check_char(first17: str) -> str:
    """The check character for 17 digits (used by the demo and the tests to make valid IDs)."""
    return _ID_CHECK[sum(int(d) * w for d, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def mask(kind: str, value: str | None) -> str | None:
    """What a caller without the ``members:pii`` permission sees."""
    if value is None:
        return None
    if kind == "phone":
        return value[:3] + "****" + value[-4:] if len(value) >= 8 else "****"
    if kind == "email":
        local, _, domain = value.partition("@")
        return (local[:1] + "***@" + domain) if domain else "***"
    if kind == "name":
        return value[:1] + "*" * max(1, len(value) - 1)
    if kind == "id_number":
        return value[:4] + "*" * (len(value) - 8) + value[-4:] if len(value) > 8 else "****"
    if kind in ("openid", "unionid", "customer_id"):
        return value[:4] + "…" if len(value) > 4 else "…"
    return "***"

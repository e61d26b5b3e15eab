"""What every request body shares: unknown fields refused, integers strict and bounded,
strings free of NUL bytes.

Request models derive from :class:`In`; integer fields are typed with :data:`Int` (or a
narrower bound on top of it), so ``"12"``, ``true`` and numbers past a 64-bit column are
refused with 422 before any service sees them. ``tests/kit/test_request_contract.py``
walks every route's body model and fails on a field that is not bounded.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

#: The largest value a BIGINT column (PostgreSQL, SQLite) holds.
MAX_INT = 2**63 - 1

#: An integer from JSON: never a string or a boolean, within a 64-bit column.
Int = Annotated[int, Strict(), Field(ge=-MAX_INT, le=MAX_INT)]
#: A row id: positive and within a 64-bit column.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_INT)]


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


class In(BaseModel):
    """Base of every request body model."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _no_nul_bytes(cls, data: Any) -> Any:
        if _has_nul(data):
            raise ValueError("Text may not contain NUL (\\u0000) characters.")
        return data

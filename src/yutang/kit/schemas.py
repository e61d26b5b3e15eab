"""What every request body shares: unknown fields refused, integers strict and bounded,
strings free of NUL bytes, numbers finite.

Request models derive from :class:`In`; integer fields are typed with :data:`Int` or
:data:`Id` (a narrower bound may sit on top), booleans with :data:`Bool`, so ``"12"``,
``true`` and numbers past :data:`MAX_INT` are refused with 422 before any service sees
them. ``tests/kit/test_request_contract.py``
walks every route's body model and fails on a field that is not bounded.
"""

from __future__ import annotations

import math
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, model_validator

#: The largest integer a request may carry: the largest that every JSON parser holds
#: exactly (JavaScript's ``Number.MAX_SAFE_INTEGER``), well inside a BIGINT column. A
#: larger bound would also not survive OpenAPI, whose generator writes it as a float.
MAX_INT = 2**53 - 1
#: Money in cents (分): ¥10 billion, far above any order, far below an overflow in a sum.
MAX_CENTS = 10**12
#: Points in one movement, threshold or price.
MAX_POINTS = 10**12
#: Counts: quantities, stock, limits, caps, exposures, clicks.
MAX_COUNT = 10**9

#: An integer from JSON: never a string or a boolean. Each field sets its own bounds
#: (``Field(ge=..., le=...)``, at most :data:`MAX_INT`); a test checks that every one does.
Int = Annotated[int, Strict()]
#: An integer inside a list or a map, where no field-level bound reaches it.
AnyInt = Annotated[int, Strict(), Field(ge=-MAX_INT, le=MAX_INT)]
#: A row id: positive and within MAX_INT.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_INT)]
#: An id in a path or query string (text, so not strict): positive, within MAX_INT.
ParamId = Annotated[int, Field(ge=1, le=MAX_INT)]
#: An integer in a query string, within MAX_INT.
ParamInt = Annotated[int, Field(ge=-MAX_INT, le=MAX_INT)]
#: A boolean from JSON: ``true`` or ``false``, never ``"yes"`` or ``1``.
Bool = Annotated[bool, Strict()]


def _refused(value: Any) -> str | None:
    """Why a raw JSON value is refused anywhere in a body, or None."""
    if isinstance(value, str):
        return "Text may not contain NUL (\\u0000) characters." if "\x00" in value else None
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN and Infinity are not numbers in JSON."
    if isinstance(value, dict):
        for k, v in value.items():
            if why := _refused(k) or _refused(v):
                return why
    elif isinstance(value, list | tuple):
        for v in value:
            if why := _refused(v):
                return why
    return None


class In(BaseModel):
    """Base of every request body model."""

    model_config = ConfigDict(extra="forbid")

    @model_validator(mode="before")
    @classmethod
    def _plain_json(cls, data: Any) -> Any:
        if why := _refused(data):
            raise ValueError(why)
        return data


class ReasonIn(In):
    """Why an operator cancels or voids something (kept in the audit log)."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"reason": "活动取消，统一作废"}]})
    reason: str = Field(min_length=1, max_length=200)

"""Domain errors with stable codes, rendered as ``{"error": {code, message, details}}``.

The code is the contract: clients branch on it, messages may change. A code exists
only once :func:`declare` has named it, with what it means: the codes every domain
shares are declared here, each domain declares its own in ``<domain>/errors.py``.
:data:`ERROR_CODES` is the catalogue (documented in OpenAPI). A raise site names a
declared constant (``code=UNKNOWN_MEMBER``); mypy refuses a bare string, and a code
declared twice, or not in snake_case, fails at import — a typo cannot become a 500.
"""

from __future__ import annotations

import re
import sys
from typing import Any


class ErrorCode(str):
    """A declared error code (a ``str``: it compares and serialises as its text)."""

    __slots__ = ()


#: Every declared code and what it means, in the order of declaration.
ERROR_CODES: dict[str, str] = {}
#: The module that declared each code (its domain).
DECLARED_IN: dict[str, str] = {}

_SNAKE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")


def declare(code: str, meaning: str) -> ErrorCode:
    """Add ``code`` to the catalogue; called at import time of the declaring module."""
    module = str(sys._getframe(1).f_globals.get("__name__", "?"))
    if not _SNAKE.fullmatch(code):
        raise ValueError(f"error code {code!r} is not snake_case")
    if not meaning.strip():
        raise ValueError(f"error code {code!r} needs a meaning")
    if code in ERROR_CODES and (DECLARED_IN[code], ERROR_CODES[code]) != (module, meaning):
        raise ValueError(f"error code {code!r} declared twice ({DECLARED_IN[code]} and {module})")
    ERROR_CODES[code] = meaning
    DECLARED_IN[code] = module
    return ErrorCode(code)


VALIDATION_ERROR = declare("validation_error", "The payload did not validate (422).")
BAD_REQUEST = declare("bad_request", "The request is malformed.")
UNAUTHENTICATED = declare("unauthenticated", "No valid credentials were given.")
FORBIDDEN = declare("forbidden", "The caller's role does not allow this.")
NOT_FOUND = declare("not_found", "No such resource in this workspace.")
CONFLICT = declare("conflict", "The request conflicts with the current state.")
IDEMPOTENCY_KEY_REUSED = declare(
    "idempotency_key_reused", "The Idempotency-Key was used with a different request."
)
IDEMPOTENCY_KEY_INVALID = declare(
    "idempotency_key_invalid", "The Idempotency-Key header is empty or longer than 255 chars."
)
RATE_LIMITED = declare("rate_limited", "Too many requests.")
METHOD_NOT_ALLOWED = declare("method_not_allowed", "The HTTP method is not allowed on this path.")
BODY_TOO_LARGE = declare(
    "body_too_large", "The request body is larger than the limit (413; `YUTANG_MAX_BODY_BYTES`)."
)
INTERNAL_ERROR = declare("internal_error", "Something broke on our side; nothing was written.")
BULK_INVALID = declare("bulk_invalid", "At least one row of a bulk request was refused; nothing was written.")
BULK_TOO_LARGE = declare("bulk_too_large", "A bulk request holds at most 1,000 rows.")
INVALID_RANGE = declare("invalid_range", "The date range is empty or reversed.")
INVALID_CURSOR = declare("invalid_cursor", "The pagination cursor is not valid.")
INVALID_AMOUNT = declare(
    "invalid_amount", "The amount (cents, points or quantity) must be a positive whole number."
)
REASON_REQUIRED = declare("reason_required", "A manual adjustment needs a reason.")


class YutangError(Exception):
    """Base of every error a client may see; ``code`` is a declared :class:`ErrorCode`."""

    status_code = 400
    code: ErrorCode = BAD_REQUEST

    def __init__(
        self,
        message: str,
        *,
        code: ErrorCode | None = None,
        details: dict[str, Any] | None = None,
        status_code: int | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        if status_code is not None:
            self.status_code = status_code
        elif self.code == VALIDATION_ERROR:
            self.status_code = 422  # payload validation, wherever it is detected
        if not isinstance(self.code, ErrorCode) or self.code not in ERROR_CODES:
            raise AssertionError(f"undeclared error code {self.code!r}")
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        return {"error": {"code": str(self.code), "message": self.message, "details": self.details}}


class BadRequest(YutangError):
    status_code = 400


class Unauthenticated(YutangError):
    status_code = 401
    code = UNAUTHENTICATED


class Forbidden(YutangError):
    status_code = 403
    code = FORBIDDEN


class NotFound(YutangError):
    status_code = 404
    code = NOT_FOUND


class Conflict(YutangError):
    status_code = 409
    code = CONFLICT

"""Browser-facing protections of the console and the H5 pages.

* :func:`is_https` and :func:`client_ip` read the request as the browser sent it —
  through ``X-Forwarded-Proto`` / ``X-Forwarded-For`` only when
  ``trust_forwarded_for`` says a proxy of ours sets them.
* CSRF: every unsafe console request carries a token bound to the browser's session
  (an HMAC of the session token, so nothing is stored) — the form field
  ``csrf_token`` or the header ``X-CSRF-Token`` (htmx) — and an ``Origin`` (or, when
  a browser leaves it out, ``Referer``) of this very site. Before sign-in the token is
  bound to a random pre-session cookie instead, so the sign-in form cannot be posted
  from elsewhere either (login CSRF).
* :class:`SecurityHeaders` adds CSP, frame, referrer and sniffing headers (HSTS over
  https) to every answer of the FastAPI side: console, API and H5 pages. The redirect
  fast path in front of it is not touched.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request

from yutang.auth.sessions import MAX_TOKEN_LENGTH, csrf_for
from yutang.config import Settings

SESSION_COOKIE = "yt_console"
PRESESSION_COOKIE = "yt_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: No inline scripts anywhere (the templates have none); inline *style attributes* are
#: allowed because the bar charts size their bars with them.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
#: Swagger UI's OAuth2 redirect page (from npm's swagger-ui-dist) runs an inline script;
#: it alone gets no CSP (every other header still applies). /api/docs itself has one.
NO_CSP_PATHS = frozenset({"/api/docs/oauth2-redirect"})


class CsrfRefused(Exception):
    """An unsafe console request without a valid token or from another origin."""


def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


def is_https(request: Request) -> bool:
    if _settings(request).trust_forwarded_for:
        proto = request.headers.get("x-forwarded-proto")
        if proto:
            return proto.split(",")[-1].strip().lower() == "https"
    return request.url.scheme == "https"


def client_ip(request: Request) -> str | None:
    """The address that reached our proxy (the rightmost X-Forwarded-For entry, which
    our proxy appended — the entries left of it are whatever the client sent)."""
    if _settings(request).trust_forwarded_for:
        forwarded = request.headers.get("x-forwarded-for")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.client.host if request.client else None


def _mac(secret: str, label: bytes, value: str) -> str:
    return hmac.new(secret.encode(), label + value.encode(), hashlib.sha256).hexdigest()


def _cookie(request: Request, name: str) -> str | None:
    value = request.cookies.get(name)
    return value if value and len(value) <= MAX_TOKEN_LENGTH else None


def csrf_token(request: Request) -> str:
    """The token forms of this page carry: bound to the session, or before sign-in to a
    pre-session cookie (created here if missing; :func:`finish` sets it)."""
    secret = _settings(request).resolved_secret_key()
    token: str | None = getattr(request.state, "console_token", None) or _cookie(request, SESSION_COOKIE)
    if token:
        return csrf_for(secret, token)
    pre = _cookie(request, PRESESSION_COOKIE) or getattr(request.state, "new_presession", None)
    if pre is None:
        pre = request.state.new_presession = secrets.token_urlsafe(32)
    return _mac(secret, b"pre:", pre)


def set_cookie(request: Request, response: Any, name: str, value: str, *, max_age: int | None) -> None:
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="lax", secure=is_https(request)
    )


def finish(request: Request, response: Any) -> None:
    """Set the pre-session cookie if a token was made for it while rendering."""
    new = getattr(request.state, "new_presession", None)
    if new is not None:
        set_cookie(request, response, PRESESSION_COOKIE, new, max_age=None)


def _valid_tokens(request: Request) -> list[str]:
    secret = _settings(request).resolved_secret_key()
    valid = []
    if token := _cookie(request, SESSION_COOKIE):
        valid.append(csrf_for(secret, token))
    if pre := _cookie(request, PRESESSION_COOKIE):
        valid.append(_mac(secret, b"pre:", pre))
    return valid


def same_origin(request: Request) -> bool:
    """Whether the request says it comes from a page of this site."""
    host = request.headers.get("host", "").lower()
    if not host:
        return False
    scheme = "https" if is_https(request) else "http"
    origin = request.headers.get("origin")
    if origin is not None:
        return origin.lower() in (f"{scheme}://{host}", *_default_port_forms(scheme, host))
    referer = request.headers.get("referer")
    if referer:
        parts = urlsplit(referer)
        return f"{parts.scheme}://{parts.netloc}".lower() in (
            f"{scheme}://{host}",
            *_default_port_forms(scheme, host),
        )
    return False


def _default_port_forms(scheme: str, host: str) -> tuple[str, ...]:
    port = ":443" if scheme == "https" else ":80"
    if host.endswith(port):
        return (f"{scheme}://{host[: -len(port)]}",)
    return (f"{scheme}://{host}{port}",)


async def csrf_guard(request: Request) -> None:
    """Dependency of every console route: unsafe methods need the origin and token."""
    if request.method in SAFE_METHODS:
        return
    if not same_origin(request):
        raise CsrfRefused
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            value = (await request.form()).get(CSRF_FIELD)
            sent = value if isinstance(value, str) else None
    if not sent or not any(hmac.compare_digest(sent, v) for v in _valid_tokens(request)):
        raise CsrfRefused


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


class SecurityHeaders:
    """Pure ASGI middleware: security headers on every answer that lacks them."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.trust_forwarded = settings.trust_forwarded_for
        age = settings.hsts_max_age
        self.hsts = f"max-age={age}".encode() if age else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        if self.trust_forwarded:
            for name, value in scope["headers"]:
                if name == b"x-forwarded-proto":
                    https = value.split(b",")[-1].strip().lower() == b"https"
        csp = scope["path"] not in NO_CSP_PATHS

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {name.lower() for name, _ in headers}
                extra = [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"same-origin"),
                    (b"cross-origin-opener-policy", b"same-origin"),
                ]
                if csp:
                    extra.append((b"content-security-policy", CSP.encode()))
                if https and self.hsts is not None:
                    extra.append((b"strict-transport-security", self.hsts))
                headers.extend((n, v) for n, v in extra if n not in present)
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, send_with_headers)

"""The redirect fast path: a lean ASGI callable in front of the framework.

``GET|HEAD /<slug>`` on a link domain is answered here without routing,
dependency injection or a database round-trip (after the first visit of a slug):
host → domain and (host, slug) → entry come from :mod:`yutang.links.cache`, and the
click is appended to the :class:`~yutang.links.clicks.ClickBuffer`, which hands it
off to the click writer. Anything else
— other hosts, other methods, reserved first segments — goes to the wrapped app.
"""

from __future__ import annotations

import re
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from yutang.links import livecodes
from yutang.links.addresses import RESERVED_SLUGS, SLUG_RE, location_header
from yutang.links.cache import Entry, LinkCache
from yutang.links.clicks import ClickBuffer, looks_like_bot, new_visitor_id

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

COOKIE_MAX_AGE = 2 * 365 * 24 * 3600

_PAGE = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><title>{title}</title>
<style>body{{font-family:system-ui,-apple-system,"PingFang SC","Noto Sans CJK SC",sans-serif;
margin:0;display:flex;min-height:100vh;align-items:center;justify-content:center;
background:#f4f7f6;color:#1f2d2a}}main{{text-align:center;padding:2rem}}
h1{{font-size:1.4rem;margin:.2rem}}p{{color:#5b6b67}}</style></head>
<body><main><h1>{zh}</h1><p>{en}</p></main></body></html>"""


def _page(zh: str, en: str) -> bytes:
    return _PAGE.format(title=f"{zh} · {en}", zh=zh, en=en).encode()


NOT_FOUND_PAGE = _page("链接不存在", "This link does not exist.")
GONE_PAGE = _page("链接已失效", "This link has expired or is no longer active.")
FULL_PAGE = _page("今日名额已满，请明天再来", "Every destination is full today. Please come back tomorrow.")

BAD_HOST_PAGE = _page("请求无效", "The request's Host header is malformed or given twice.")

#: A Host header: a name (or IPv4) or a bracketed IPv6 literal, and at most one port.
#: ``b.test:8102:80`` or a second Host header are refused for the whole app: the
#: redirect path and the framework would otherwise read different hosts.
HOST_HEADER = re.compile(
    rb"^(?:[A-Za-z0-9_](?:[A-Za-z0-9_.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?\Z"
)


def _bad_host(headers: list[tuple[bytes, bytes]]) -> bool:
    """Two Host headers, or one that is not a host (the framework's requests)."""
    found = [value for name, value in headers if name == b"host"]
    return len(found) > 1 or (len(found) == 1 and not HOST_HEADER.match(found[0]))


_HTML_HEADERS = [
    (b"content-type", b"text/html; charset=utf-8"),
    (b"cache-control", b"no-store"),
]


class RedirectApp:
    def __init__(
        self,
        app: ASGIApp,
        cache: LinkCache,
        clicks: ClickBuffer,
        counters: livecodes.Counters,
        *,
        cookie_name: str = "yt_vid",
        trust_forwarded_for: bool = False,
    ) -> None:
        self.app = app
        self.cache = cache
        self.clicks = clicks
        self.counters = counters
        self.cookie_name = cookie_name
        self._cookie_prefix = (cookie_name + "=").encode()
        self.trust_forwarded_for = trust_forwarded_for

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method = scope["method"]
        path: str = scope["path"]
        if (method != "GET" and method != "HEAD") or len(path) < 2 or "/" in path[1:]:
            if _bad_host(scope["headers"]):
                await _html(send, 400, BAD_HOST_PAGE, method)
                return
            await self.app(scope, receive, send)
            return
        slug = path[1:]
        host = cookie = ua = referrer = forwarded = None
        hosts = 0
        for name, value in scope["headers"]:
            if name == b"host":
                host = value
                hosts += 1
            elif name == b"cookie":
                cookie = value
            elif name == b"user-agent":
                ua = value
            elif name == b"referer":
                referrer = value
            elif name == b"x-forwarded-for":
                forwarded = value
        if host is None:
            await self.app(scope, receive, send)
            return
        if hosts > 1 or not HOST_HEADER.match(host):
            await _html(send, 400, BAD_HOST_PAGE, method)
            return
        host_s = host.decode("latin-1").lower()
        if host_s.endswith(":80") or host_s.endswith(":443"):
            host_s = host_s.rsplit(":", 1)[0]
        # Cache hits need no await; a cached (host, slug) passed the slug checks when loaded.
        entry = self.cache.links.get((host_s, slug), _MISSING)
        if entry is _MISSING:
            domain = await self.cache.domain(host_s)
            if domain is None or slug.lower() in RESERVED_SLUGS or not SLUG_RE.match(slug):
                await self.app(scope, receive, send)
                return
            entry = await self.cache.get(host_s, slug, domain)
        if entry is None:
            await _html(send, 404, NOT_FOUND_PAGE, method)
            return
        now = time.time()
        if entry.inactive:
            await _html(send, 410, GONE_PAGE, method)
            return
        if entry.expires_at is not None and now >= entry.expires_at:
            await self._fallback(send, entry.expired_url, GONE_PAGE, method)
            return
        ua_s = ua.decode("latin-1") if ua else None
        is_head = method == "HEAD"
        # Bots and HEAD requests (link checkers, previews) use up neither caps nor counts.
        robot = is_head or ((entry.max_clicks is not None or entry.kind == "live") and looks_like_bot(ua_s))
        if entry.max_clicks is not None:
            if entry.clicks >= entry.max_clicks:
                await self._fallback(send, entry.exhausted_url, GONE_PAGE, method)
                return
            if not robot:
                entry.clicks += 1
        target_id = None
        location = entry.destination
        if entry.kind == "live":
            if robot:
                location = entry.targets[0].destination if entry.targets else (entry.fallback_url or "")
            else:
                target = await livecodes.pick_target(self.counters, entry, livecodes.local_day(entry, now))
                if target is None:
                    await self._fallback(send, entry.fallback_url, FULL_PAGE, method)
                    return
                target_id, location = target.id, target.destination
        visitor = None
        if cookie is not None:
            visitor = _cookie_value(cookie, self._cookie_prefix)
        headers = [
            (
                b"location",
                entry.location if location is entry.destination else location_header(location),
            ),
            (
                b"cache-control",
                b"private, max-age=0" if entry.status == 302 else b"private, max-age=3600",
            ),
            (b"content-length", b"0"),
        ]
        if visitor is None:
            visitor = new_visitor_id(now)
            headers.append((b"set-cookie", self._set_cookie(visitor, entry)))
        ip: str | None = None
        if self.trust_forwarded_for and forwarded:
            ip = forwarded.split(b",", 1)[0].strip().decode("latin-1")
        else:
            client = scope.get("client")
            ip = client[0] if client else None
        self.clicks.add(
            (
                now,
                entry.link_id,
                entry.workspace_id,
                entry.channel_id,
                target_id,
                visitor,
                self.clicks.hash_ip(ip),
                # Cut to their columns here: a spool record stays small whatever is sent.
                referrer[:1024].decode("latin-1") if referrer else None,
                ua_s[:512] if ua_s else None,
                is_head,
            )
        )
        await send({"type": "http.response.start", "status": entry.status, "headers": headers})
        await send({"type": "http.response.body", "body": b""})

    def _set_cookie(self, visitor: str, entry: Entry) -> bytes:
        secure = "; Secure" if entry.https else ""
        return (
            f"{self.cookie_name}={visitor}; Max-Age={COOKIE_MAX_AGE}; Path=/; SameSite=Lax; HttpOnly{secure}"
        ).encode()

    async def _fallback(self, send: Send, url: str | None, page: bytes, method: str) -> None:
        if url:
            await send(
                {
                    "type": "http.response.start",
                    "status": 302,
                    "headers": [
                        (b"location", location_header(url)),
                        (b"cache-control", b"no-store"),
                        (b"content-length", b"0"),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": b""})
        else:
            await _html(send, 410, page, method)


def _cookie_value(cookie: bytes, prefix: bytes) -> str | None:
    for part in cookie.split(b";"):
        part = part.strip()
        if part.startswith(prefix):
            value = part[len(prefix) :]
            if 8 <= len(value) <= 32 and value.replace(b"-", b"").replace(b"_", b"").isalnum():
                return value.decode()
    return None


_MISSING: Any = object()


async def _html(send: Send, status: int, body: bytes, method: str) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [*_HTML_HEADERS, (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": b"" if method == "HEAD" else body})

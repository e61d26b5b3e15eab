"""Rules for destinations, hosts and slugs (pure functions, no I/O)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import SplitResult, quote, unquote_plus, urlencode, urlsplit, urlunsplit

from yutang.kit.errors import BadRequest

MAX_DESTINATION = 2048
MAX_SLUG = 64
SLUG_RE = re.compile(r"^[A-Za-z0-9_-]{1,64}\Z")  # \Z: "$" would accept a trailing newline
#: base62 without the look-alikes 0/O/o, 1/l/I.
SLUG_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz"
GENERATED_SLUG_LENGTH = 7
RESERVED_SLUGS = frozenset(
    {
        "api",
        "static",
        "console",
        "health",
        "healthz",
        "ready",
        "metrics",
        "admin",
        "login",
        "logout",
        "signup",
        "docs",
        "openapi",
        "assets",
        "join",
        "forms",
        "invite",
        "h5",
        "m",
        "p",
        "qr",
        "www",
        "favicon",
        "robots",
        "well-known",
        "_",
        "-",
    }
)
#: Member-facing pages served on the link domains: a link may lead there (no loop).
PUBLIC_PAGES = re.compile(r"^/(?:join|forms/[^/]+|invite/[^/]+)/?\Z")
HOST_RE = re.compile(
    r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
    r"(?::\d{1,5})?$"
)
#: Spaces, control characters and backslashes (browsers read "\\" as "/", which would
#: let ``https://own.host\\@elsewhere/`` slip past the loop check).
_CONTROL = re.compile(r"[\x00-\x20\x7f\\]")
UTM_KEYS = ("source", "medium", "campaign", "term", "content")


def random_code(length: int) -> str:
    """Random characters of the slug alphabet (no look-alikes): slugs, invite and distributor codes."""
    return "".join(secrets.choice(SLUG_ALPHABET) for _ in range(length))


def generate_slug() -> str:
    while True:
        slug = random_code(GENERATED_SLUG_LENGTH)
        # e.g. "metrics" can be drawn from the alphabet, and the redirect never serves it.
        if slug.lower() not in RESERVED_SLUGS:
            return slug


def check_slug(slug: str) -> str:
    if not SLUG_RE.match(slug):
        raise BadRequest(
            "A slug is 1-64 characters from A-Z, a-z, 0-9, '_' and '-'.",
            code="invalid_slug",
            details={"slug": slug[:100]},
        )
    if slug.lower() in RESERVED_SLUGS:
        raise BadRequest(f"The slug {slug!r} is reserved.", code="reserved_slug", details={"slug": slug})
    return slug


def normalize_host(host: str) -> str:
    """Lower-case ``host[:port]`` without a default port (80/443)."""
    host = host.strip().lower().rstrip(".")
    if host.endswith(":80") or host.endswith(":443"):
        host = host.rsplit(":", 1)[0]
    return host


def check_host(host: str) -> str:
    norm = normalize_host(host)
    if not HOST_RE.match(norm):
        raise BadRequest(f"{host!r} is not a valid host name.", code="invalid_host")
    return norm


def check_destination(url: str, own_hosts: set[str], field: str = "url") -> str:
    """An absolute http(s) URL of at most 2,048 chars that does not loop back to us."""
    if len(url) > MAX_DESTINATION:
        raise BadRequest(
            f"The destination is {len(url)} characters long; the limit is {MAX_DESTINATION}.",
            code="destination_too_long",
            details={"field": field, "length": len(url)},
        )
    try:
        parts = urlsplit(url)
        port = parts.port  # raises on a malformed port
    except ValueError as exc:
        raise _invalid(field, "it does not parse") from exc
    if _CONTROL.search(url):
        raise _invalid(field, "it contains spaces or control characters")
    if parts.scheme.lower() not in ("http", "https"):
        raise _invalid(field, "only http and https destinations are allowed")
    if not parts.hostname:
        raise _invalid(field, "it has no host")
    host = parts.hostname.lower().rstrip(".")
    netloc = f"{host}:{port}" if port else host
    if PUBLIC_PAGES.match(parts.path):
        return url
    for own in own_hosts:
        own_bare = own.split(":", 1)[0]
        if normalize_host(netloc) == own or (":" not in own and host == own_bare):
            raise BadRequest(
                "The destination points at one of this workspace's link domains.",
                code="destination_loop",
                details={"field": field, "host": own},
            )
    return url


def _invalid(field: str, why: str) -> BadRequest:
    return BadRequest(
        f"The {field} is not an absolute http(s) URL: {why}.",
        code="invalid_destination",
        details={"field": field},
    )


def with_utm(url: str, utm: dict[str, str]) -> str:
    """Append ``utm_*`` parameters; given fields replace the URL's own."""
    if not utm:
        return url
    parts: SplitResult = urlsplit(url)
    keys = {f"utm_{k}" for k in utm}
    # Keep the URL's own parameters byte for byte; drop only those the fields replace.
    kept = [p for p in parts.query.split("&") if p and unquote_plus(p.split("=", 1)[0]) not in keys]
    added = urlencode([(f"utm_{k}", utm[k]) for k in UTM_KEYS if k in utm])
    return urlunsplit(parts._replace(query="&".join([*kept, added])))


def clean_tags(tags: list[str]) -> list[str]:
    seen: dict[str, None] = {}
    for tag in tags:
        tag = tag.strip()
        if tag:
            if len(tag) > 40:
                raise BadRequest("A tag has at most 40 characters.", code="validation_error")
            seen.setdefault(tag, None)
    return list(seen)


def location_header(url: str) -> bytes:
    """``url`` as the bytes of a Location header."""
    return url.encode() if url.isascii() else _ascii(url)


def _ascii(url: str) -> bytes:
    """An ASCII Location: the host in IDNA (punycode), the rest percent-encoded."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.hostname and not parts.hostname.isascii():
        userinfo, _, _ = netloc.rpartition("@")
        port = f":{parts.port}" if parts.port else ""
        try:
            host = parts.hostname.encode("idna").decode("ascii")
        except UnicodeError:
            host = quote(parts.hostname)
        netloc = (f"{userinfo}@" if userinfo else "") + host + port
    safe = ":/?#[]@!$&'()*+,;=%~"
    return urlunsplit(
        (
            parts.scheme,
            quote(netloc, safe=safe),
            quote(parts.path, safe=safe),
            quote(parts.query, safe=safe),
            quote(parts.fragment, safe=safe),
        )
    ).encode("ascii")

"""Rules for destinations, hosts and slugs (pure functions, no I/O)."""

from __future__ import annotations

import re
import secrets
from urllib.parse import SplitResult, quote, unquote, unquote_plus, urlencode, urlsplit, urlunsplit

import idna

from yutang.kit.errors import VALIDATION_ERROR, BadRequest
from yutang.links.errors import (
    DESTINATION_LOOP,
    DESTINATION_TOO_LONG,
    INVALID_DESTINATION,
    INVALID_HOST,
    INVALID_SLUG,
    RESERVED_SLUG,
)

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
#: What may not appear in an ASCII host (WHATWG "forbidden host code points", and "%"
#: left over after decoding).
_FORBIDDEN_IN_HOST = re.compile(r"[\x00-\x20#%/:<>?@\[\\\]^|]")
_LAST_LABEL_NUMERIC = re.compile(r"(?:^|\.)(?:0[xX][0-9a-fA-F]*|[0-9]+)\.?\Z")
_IPV6 = re.compile(r"^[0-9a-fA-F:.]+\Z")
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
            code=INVALID_SLUG,
            details={"field": "slug", "slug": slug[:100]},
        )
    if slug.lower() in RESERVED_SLUGS:
        raise BadRequest(
            f"The slug {slug!r} is reserved.", code=RESERVED_SLUG, details={"field": "slug", "slug": slug}
        )
    return slug


def canonical_host(raw: str) -> str:
    """A host name as a browser reads it (the WHATWG URL standard's host parser):
    percent-decoded, UTS #46-mapped and IDNA-encoded — so ``a．test`` (U+FF0E), ``a。test``
    (U+3002, a Chinese keyboard's full stop), ``a%2etest`` and ``A.TEST`` are all
    ``a.test`` — lower case, without a trailing dot, and an IPv4 address in any of the
    forms a browser accepts (``0x7f.1``, ``2130706433``) as a dotted quad.

    Raises ``ValueError`` for a host no browser would resolve."""
    host = unquote(raw.strip())
    if host.startswith("["):  # an IPv6 literal: browsers compare it as written, lower case
        if not host.endswith("]") or not _IPV6.match(host[1:-1]):
            raise ValueError(raw)
        return host.lower()
    if host.isascii():
        host = host.lower()
        if _FORBIDDEN_IN_HOST.search(host):
            raise ValueError(raw)
    else:
        try:
            host = idna.encode(host, uts46=True, transitional=False).decode("ascii")
        except idna.IDNAError as exc:
            raise ValueError(raw) from exc
    host = host.rstrip(".")
    if not host:
        raise ValueError(raw)
    if _LAST_LABEL_NUMERIC.search(host):
        return _ipv4(host, raw)
    return host


def _ipv4(host: str, raw: str) -> str:
    """The WHATWG IPv4 parser: 1-4 parts, each decimal, ``0x`` hex or ``0`` octal, the
    last filling the remaining bytes."""
    parts = host.split(".")
    if len(parts) > 4:
        raise ValueError(raw)
    numbers = []
    for part in parts:
        try:
            if part[:2] in ("0x", "0X"):
                numbers.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                numbers.append(int(part, 8))
            else:
                numbers.append(int(part, 10))
        except ValueError as exc:
            raise ValueError(raw) from exc
    *head, last = numbers
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(numbers)):
        raise ValueError(raw)
    value = last
    for i, n in enumerate(head):
        value += n << (8 * (3 - i))
    return ".".join(str((value >> shift) & 255) for shift in (24, 16, 8, 0))


def normalize_host(host: str) -> str:
    """``host[:port]`` canonical (:func:`canonical_host`), without a default port (80/443)."""
    host = host.strip()
    name, port = host, ""
    if host.startswith("["):
        end = host.find("]")
        name, rest = host[: end + 1], host[end + 1 :]
        port = rest[1:] if rest.startswith(":") else ""
    elif host.count(":") == 1:
        name, port = host.split(":")
    try:
        name = canonical_host(name)
    except ValueError:
        return host.lower()  # not a host at all: check_host refuses it by its pattern
    return name if port in ("", "80", "443") else f"{name}:{port}"


def check_host(host: str) -> str:
    norm = normalize_host(host)
    if not HOST_RE.match(norm):
        raise BadRequest(f"{host!r} is not a valid host name.", code=INVALID_HOST)
    return norm


def check_destination(url: str, own_hosts: set[str], field: str = "url") -> str:
    """An absolute http(s) URL of at most 2,048 chars that does not loop back to us,
    returned with its host canonical (:func:`canonical_host`): that form is stored."""
    if len(url) > MAX_DESTINATION:
        raise BadRequest(
            f"The destination is {len(url)} characters long; the limit is {MAX_DESTINATION}.",
            code=DESTINATION_TOO_LONG,
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
    try:
        # The host as the browser will resolve it: every check below, and what is stored.
        host = canonical_host(f"[{parts.hostname}]" if "[" in parts.netloc else parts.hostname)
    except ValueError as exc:
        raise _invalid(field, "its host is not a valid host name") from exc
    netloc = f"{host}:{port}" if port else host
    userinfo = parts.netloc.rpartition("@")[0]
    url = urlunsplit(
        parts._replace(scheme=parts.scheme.lower(), netloc=(f"{userinfo}@" if userinfo else "") + netloc)
    )
    if PUBLIC_PAGES.match(parts.path):
        return url
    for own in own_hosts:
        own_bare = own.split(":", 1)[0]
        if normalize_host(netloc) == own or (":" not in own and host == own_bare):
            raise BadRequest(
                "The destination points at one of this workspace's link domains.",
                code=DESTINATION_LOOP,
                details={"field": field, "host": own},
            )
    return url


def _invalid(field: str, why: str) -> BadRequest:
    return BadRequest(
        f"The {field} is not an absolute http(s) URL: {why}.",
        code=INVALID_DESTINATION,
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
                raise BadRequest("A tag has at most 40 characters.", code=VALIDATION_ERROR)
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

"""PII at rest: AES-256-GCM with a key ring, and a keyed hash for exact look-ups.

A sealed value is the text ``v1.<key id>.<base64url(nonce ‖ ciphertext ‖ tag)>``. The
field name is bound in as associated data, so a phone number's ciphertext cannot be
moved into the name column and decrypt there. Every configured key decrypts; the first
one encrypts. Rotation: put a new key first in ``YUTANG_PII_KEYS``, then run
``yutang pii rotate`` to re-seal every row with it (and rehash the blind index).

The blind index is HMAC-SHA256 over ``workspace id, kind, normalised value`` with a key
of its own: equal values in one workspace hash equal (so uniqueness and look-ups work);
the same phone number in two workspaces does not link them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from yutang.config import Settings, get_settings

PREFIX = "v1"


class PiiKeyError(ValueError):
    """The key configuration is unusable, or a value was sealed with an unknown key."""


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _derive(secret: str, info: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"yutang-pii", info=info).derive(secret.encode())


def parse_keys(spec: str) -> dict[str, bytes]:
    """``id:base64url,id2:base64url`` → ordered {id: key}; each key 32 bytes."""
    keys: dict[str, bytes] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        kid, sep, material = part.partition(":")
        if not sep or not kid.isalnum() or len(kid) > 16:
            raise PiiKeyError("each PII key is `id:base64url-key`, the id alphanumeric, ≤16 chars")
        try:
            key = _b64d(material)
        except ValueError as exc:
            raise PiiKeyError(f"PII key {kid!r} is not base64url") from exc
        if len(key) != 32:
            raise PiiKeyError(f"PII key {kid!r} must be 32 bytes, got {len(key)}")
        if kid in keys:
            raise PiiKeyError(f"PII key id {kid!r} appears twice")
        keys[kid] = key
    return keys


def new_key_spec(kid: str) -> str:
    """A fresh key in the form ``YUTANG_PII_KEYS`` takes."""
    return f"{kid}:{_b64e(os.urandom(32))}"


@dataclass(frozen=True)
class Keyring:
    keys: dict[str, bytes]
    active: str
    index_key: bytes

    @classmethod
    def from_settings(cls, settings: Settings) -> Keyring:
        if settings.pii_keys:
            keys = parse_keys(settings.pii_keys)
            if not keys:
                raise PiiKeyError("YUTANG_PII_KEYS is set but holds no key")
        else:
            keys = {"k0": _derive(settings.resolved_secret_key(), b"pii-encryption")}
        if settings.pii_index_key:
            index_key = settings.pii_index_key.encode()
        else:
            index_key = _derive(settings.resolved_secret_key(), b"pii-blind-index")
        return cls(keys, next(iter(keys)), index_key)

    def seal(self, field: str, plaintext: str) -> str:
        nonce = os.urandom(12)
        ct = AESGCM(self.keys[self.active]).encrypt(nonce, plaintext.encode(), field.encode())
        return f"{PREFIX}.{self.active}.{_b64e(nonce + ct)}"

    def open(self, field: str, sealed: str) -> str:
        _, kid, body = self._split(sealed)
        key = self.keys.get(kid)
        if key is None:
            raise PiiKeyError(f"value sealed with key {kid!r}, which is not configured")
        raw = _b64d(body)
        try:
            return AESGCM(key).decrypt(raw[:12], raw[12:], field.encode()).decode()
        except InvalidTag as exc:
            raise PiiKeyError(f"value of {field!r} does not authenticate") from exc

    def key_of(self, sealed: str) -> str:
        return self._split(sealed)[1]

    @staticmethod
    def _split(sealed: str) -> tuple[str, str, str]:
        version, _, rest = sealed.partition(".")
        kid, _, body = rest.partition(".")
        if version != PREFIX or not kid or not body:
            raise PiiKeyError("not a sealed value")
        return version, kid, body

    def blind_index(self, workspace_id: int, kind: str, normalized: str) -> str:
        msg = f"{workspace_id}\x1f{kind}\x1f{normalized}".encode()
        return hmac.new(self.index_key, msg, hashlib.sha256).hexdigest()


_keyring: Keyring | None = None


def configure(settings: Settings) -> Keyring:
    """Use ``settings``' keys in this process (the app and the CLI call this at start)."""
    global _keyring
    _keyring = Keyring.from_settings(settings)
    return _keyring


def keyring() -> Keyring:
    global _keyring
    if _keyring is None:
        _keyring = Keyring.from_settings(get_settings())
    return _keyring


def reset() -> None:
    global _keyring
    _keyring = None


def seal(field: str, plaintext: str | None) -> str | None:
    return None if plaintext is None else keyring().seal(field, plaintext)


def unseal(field: str, sealed: str | None) -> str | None:
    return None if sealed is None else keyring().open(field, sealed)

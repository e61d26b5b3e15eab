"""Password hashing with argon2id."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


@cache
def dummy_hash() -> str:
    """A hash of a random password, made once: checked against when no user has the
    e-mail given, so that sign-in costs the same whether or not the e-mail exists."""
    return _hasher.hash(secrets.token_urlsafe(16))


def verify_nobody(password: str) -> None:
    """Spend the time of a password check on nobody's hash (the answer is always no)."""
    verify_password(dummy_hash(), password)

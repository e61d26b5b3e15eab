"""PII sealing: AES-GCM round trips, field binding, key rotation, the blind index."""

from __future__ import annotations

import pytest

from yutang.config import Settings
from yutang.kit.crypto import Keyring, PiiKeyError, new_key_spec, parse_keys


def _ring(spec: str, tmp_path) -> Keyring:
    return Keyring.from_settings(Settings(secret_key="s", pii_keys=spec, var_dir=tmp_path))


def test_round_trip_and_no_clear_text(tmp_path):
    ring = _ring(new_key_spec("a1"), tmp_path)
    sealed = ring.seal("member.name", "张三丰")
    assert sealed.startswith("v1.a1.")
    assert "张三丰" not in sealed
    assert ring.open("member.name", sealed) == "张三丰"
    # A fresh nonce every time: equal values do not give equal ciphertexts.
    assert ring.seal("member.name", "张三丰") != sealed


def test_a_value_cannot_be_moved_to_another_field(tmp_path):
    ring = _ring(new_key_spec("a1"), tmp_path)
    sealed = ring.seal("member.id_number", "11010519491231002X")
    with pytest.raises(PiiKeyError, match="does not authenticate"):
        ring.open("member.name", sealed)


def test_rotation_old_values_still_open_new_ones_use_the_new_key(tmp_path):
    old = new_key_spec("old")
    before = _ring(old, tmp_path).seal("member.name", "李四")
    rotated = _ring(f"{new_key_spec('new')},{old}", tmp_path)
    assert rotated.open("member.name", before) == "李四"
    assert rotated.key_of(rotated.seal("member.name", "李四")) == "new"
    without_old = _ring(new_key_spec("new"), tmp_path)
    with pytest.raises(PiiKeyError, match="not configured"):
        without_old.open("member.name", before)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("nocolon", "id:base64url-key"),
        ("a:AAAA", "32 bytes"),
        (f"{new_key_spec('x')},{new_key_spec('x')}", "appears twice"),
    ],
    ids=["no colon", "short key", "an id twice"],  # the keys are random: ids must not be
)
def test_bad_key_specs_are_refused(spec, message):
    with pytest.raises(PiiKeyError, match=message):
        parse_keys(spec)


def test_blind_index_is_keyed_and_per_workspace(tmp_path):
    ring = _ring(new_key_spec("a1"), tmp_path)
    h = ring.blind_index(1, "phone", "13800138000")
    assert h == ring.blind_index(1, "phone", "13800138000")
    assert h != ring.blind_index(2, "phone", "13800138000")
    assert h != ring.blind_index(1, "email", "13800138000")
    other = Keyring.from_settings(Settings(secret_key="another", var_dir=tmp_path))
    assert other.blind_index(1, "phone", "13800138000") != h

"""Error codes are declared once, by the domain that owns them, and a raise site can
only name a declared one: a typo fails at import (or under mypy), never as a 500."""

from __future__ import annotations

import importlib
import pathlib
import re

import pytest

from yutang.kit import discovery, errors
from yutang.kit.errors import ERROR_CODES, ErrorCode, NotFound, YutangError, declare

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "yutang"


def test_a_code_is_declared_once() -> None:
    with pytest.raises(ValueError, match="declared twice"):
        declare("not_found", "Something else.")


@pytest.mark.parametrize("bad", ["NotFound", "not-found", "_x", "x__y", "", "x_"])
def test_a_code_is_snake_case(bad: str) -> None:
    with pytest.raises(ValueError, match="snake_case"):
        declare(bad, "Meaning.")
    assert bad not in ERROR_CODES


def test_a_code_says_what_it_means() -> None:
    with pytest.raises(ValueError, match="meaning"):
        declare("brand_new_code_for_this_test", "  ")
    assert "brand_new_code_for_this_test" not in ERROR_CODES


def test_an_undeclared_code_is_refused_where_it_is_raised() -> None:
    with pytest.raises(AssertionError, match="undeclared"):
        NotFound("No such thing.", code="no_such_code")  # type: ignore[arg-type]
    with pytest.raises(AssertionError, match="undeclared"):
        NotFound("No such thing.", code="unknown_member")  # type: ignore[arg-type]  # a bare str


def test_every_domain_declares_its_codes_in_its_errors_module() -> None:
    discovery.load_error_codes()
    modules = sorted(p.parent.name for p in SRC.glob("*/errors.py") if p.parent.name != "kit")
    assert len(modules) >= 10
    for name in modules:
        module = importlib.import_module(f"yutang.{name}.errors")
        constants = {k: v for k, v in vars(module).items() if isinstance(v, ErrorCode)}
        assert constants, name
        for attr, code in constants.items():
            assert attr == code.upper(), (name, attr)  # UNKNOWN_MEMBER = declare("unknown_member", …)
            assert errors.DECLARED_IN[code] == f"yutang.{name}.errors", (name, code)
    assert {m.split(".")[1] for m in errors.DECLARED_IN.values()} == {"kit", *modules}


def test_no_raise_site_names_a_code_as_a_bare_string() -> None:
    bare = re.compile(r'(?<![\w.])code\s*=\s*"[a-z_]+"')
    found = [
        f"{path.relative_to(SRC)}:{n}"
        for path in SRC.rglob("*.py")
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if bare.search(line)
    ]
    assert found == []


def test_an_error_renders_its_code_as_text() -> None:
    body = YutangError("Nope.", code=errors.CONFLICT).to_dict()
    assert body == {"error": {"code": "conflict", "message": "Nope.", "details": {}}}
    assert type(body["error"]["code"]) is str

"""The house keeps one shape (docs/architecture.md): every package sits on a declared
floor, and every domain with an API has the same rooms."""

from __future__ import annotations

import pathlib
import tomllib

SRC = pathlib.Path(__file__).resolve().parents[2] / "src" / "yutang"
ROOT = SRC.parents[1]
#: Not domains: the kit, the models, the web, the demo, and the readers of every domain.
NOT_DOMAINS = {"kit", "models", "web", "demo", "privacy", "overview", "analytics"}
#: Every domain with an API has these; ``auth`` has no routes of its own (API keys are
#: the workspace's, the login page is the console's).
ROOMS = {"errors.py", "schemas.py", "endpoints.py", "service.py", "repository.py"}


def _layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
    (layers,) = [c["layers"] for c in config["contracts"] if c["type"] == "layers"]
    return [name.strip() for layer in layers for name in layer.split("|")]


def _top_level() -> set[str]:
    found = {p.name for p in SRC.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    found |= {p.stem for p in SRC.glob("*.py") if p.stem != "__init__"}
    return found


def test_every_package_and_module_sits_on_a_declared_floor() -> None:
    declared = {name.removeprefix("yutang.") for name in _layers()}
    assert _top_level() - declared == set(), "add it to [tool.importlinter] layers in pyproject.toml"
    assert declared - _top_level() == set(), "a layer names a package that no longer exists"


def test_the_domains_floors_are_in_the_architecture_picture() -> None:
    picture = (ROOT / "docs" / "architecture.md").read_text()
    for name in _top_level() - NOT_DOMAINS - {"app", "cli", "config", "__main__"}:
        assert name in picture, name


def test_every_domain_with_an_api_has_the_same_rooms() -> None:
    domains = {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()} - NOT_DOMAINS
    assert len(domains) >= 11
    for name in sorted(domains):
        rooms = {p.name for p in (SRC / name).glob("*.py")}
        if "endpoints.py" not in rooms:
            assert name == "auth", f"{name} has no endpoints.py"
            continue
        assert rooms >= ROOMS, f"{name} lacks {sorted(ROOMS - rooms)}"


def test_no_module_is_named_for_nothing_in_particular() -> None:
    """``rules.py`` once meant slug rules, identity normalisation and earn rules."""
    vague = {"rules.py", "utils.py", "helpers.py", "misc.py", "common.py"}
    assert [str(p.relative_to(SRC)) for p in SRC.rglob("*.py") if p.name in vague] == []

"""The OpenAPI description is the API's manual: every operation says what it does, every
model a request sends or an answer carries shows an example, and every example is one the
model accepts (a stale example fails here, not in a reader's first call)."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from yutang.app import create_app
from yutang.config import Settings
from yutang.kit.http import ErrorOut
from yutang.kit.pagination import Page


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Any:
    var = tmp_path_factory.mktemp("var")
    return create_app(
        Settings(database_url=f"sqlite+aiosqlite:///{var}/x.db", secret_key="x", var_dir=var),
        run_worker=False,
    ).app


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if hasattr(route, "original_router"):
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute) and route.include_in_schema:
            yield route


def _models(annotation: Any) -> Iterator[type[BaseModel]]:
    """The models an annotation names (a Page's items, not the Page itself)."""
    if inspect.isclass(annotation) and issubclass(annotation, BaseModel):
        if issubclass(annotation, Page):
            yield from _models(annotation.model_fields["data"].annotation)
        else:
            yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models(arg)


def _examples(model: type[BaseModel]) -> list[Any]:
    extra = model.model_config.get("json_schema_extra")
    examples = extra.get("examples", []) if isinstance(extra, dict) else []
    return list(examples) if isinstance(examples, list) else []


def test_every_operation_has_a_description(api: Any) -> None:
    spec = api.openapi()
    missing = [
        f"{method.upper()} {path}"
        for path, ops in spec["paths"].items()
        for method, op in ops.items()
        if len(op.get("description", "")) < 20
    ]
    assert missing == []


def test_every_request_and_answer_model_has_an_example_it_accepts(api: Any) -> None:
    models: dict[type[BaseModel], str] = {}
    for route in _routes(api.routes):
        where = f"{sorted(route.methods or ())[0]} {route.path}"
        for param in route.dependant.body_params:
            for model in _models(param.field_info.annotation):
                models.setdefault(model, where)
        for model in _models(route.response_model):
            models.setdefault(model, where)
    models.pop(ErrorOut, None)
    assert len(models) > 60
    without = sorted(f"{m.__name__} ({where})" for m, where in models.items() if not _examples(m))
    assert without == []
    for model in models:
        for example in _examples(model):
            model.model_validate(example)  # raises on a stale example

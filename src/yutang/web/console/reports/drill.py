"""The members behind a report's figure, in the console: a page of them and "save as a
segment" (a ``list`` segment of exactly those members).

A report page registers its drill-down with :func:`register`, giving the same query
model and ``ids_of`` as its API (:mod:`yutang.analytics.endpoints.drill`), a title and
the page to go back to; its figures link to ``/console/reports<path>?…``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, get_origin
from urllib.parse import urlencode

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import ValidationError

from yutang.analytics.endpoints.common import reader
from yutang.analytics.endpoints.drill import DrillQuery, IdsOf, SegmentFromFigure, page
from yutang.analytics.engines import Reader
from yutang.auth.permissions import allowed
from yutang.kit.context import Ctx
from yutang.kit.errors import VALIDATION_ERROR, BadRequest, YutangError
from yutang.loyalty import tiers
from yutang.members import segments
from yutang.members import service as members
from yutang.web.console.frame import can, header, may, refused, render, router, submitted
from yutang.web.i18n import pick_language, translator

Q = TypeVar("Q", bound=DrillQuery)
#: The page's heading: from the translator and the chosen figure.
Title = Callable[[Callable[[str], str], Any], str]


def _chosen(selector: type[Q], request: Request) -> Q:
    """The figure the link names, read with the API's model (``lang`` is the page's own)."""
    raw: dict[str, Any] = {}
    for key in request.query_params:
        if key == "lang":
            continue
        values = request.query_params.getlist(key)
        field = selector.model_fields.get(key)
        many = field is not None and get_origin(field.annotation) is list
        raw[key] = values if many else values[-1]
    try:
        return selector.model_validate(raw)
    except ValidationError as exc:
        raise BadRequest("The link to these members is not valid.", code=VALIDATION_ERROR) from exc


def register(path: str, selector: type[Q], ids_of: IdsOf[Q], title: Title, back: str) -> None:
    """The console's drill-down of one kind of figure, at ``/console/reports<path>``."""

    async def context(request: Request, ctx: Ctx, engine: Reader, chosen: Q) -> dict[str, Any]:
        ids = await ids_of(ctx, engine, chosen)
        rows, nxt = await page(ctx, ids, chosen.cursor, chosen.limit)
        query = {k: v for k, v in chosen.model_dump(mode="json", exclude={"cursor"}).items() if v is not None}
        return {
            "title": title(translator(pick_language(request)), chosen),
            "count": len(set(ids)),
            "views": await members.views(ctx, rows, pii=allowed(ctx.actor.role, "members:pii")),
            "tier_names": {t.id: t.name for t in await tiers.tiers(ctx.session, ctx.workspace_id)},
            "next_cursor": nxt,
            "query": urlencode(query, doseq=True),
            "save_to": f"/console/reports{path}/segment?{urlencode(query, doseq=True)}",
            "back": back,
            "may": may(ctx),
            "errors": {},
            "typed": None,
            **await header(ctx),
        }

    async def show(
        request: Request, ctx: Ctx = Depends(can("stats:read")), engine: Reader = Depends(reader)
    ) -> HTMLResponse:
        chosen = _chosen(selector, request)
        return render(request, "console/reports/members.html", **await context(request, ctx, engine, chosen))

    async def save(
        request: Request, ctx: Ctx = Depends(can("members:write")), engine: Reader = Depends(reader)
    ) -> Response:
        chosen = _chosen(selector, request)
        form = await submitted(request)
        try:
            body = SegmentFromFigure.model_validate({"name": form.text("name") or ""})
            ids = await ids_of(ctx, engine, chosen)
            source = {"report": path, **chosen.model_dump(exclude={"cursor", "limit"}, mode="json")}
            segment = await segments.create_list(ctx, body.name, ids, source)
        except (ValidationError, YutangError) as exc:
            shown = await context(request, ctx, engine, chosen)
            shown.update(typed=form.text("name"))
            shown.pop("errors")
            raise refused(request, "console/reports/members.html", exc, **shown) from exc
        return RedirectResponse(f"/console/segments/{segment.id}?done=created", status_code=303)

    name = path.strip("/").replace("/", "_")
    show.__name__, save.__name__ = f"page_{name}", f"save_{name}"
    router.add_api_route(f"/console/reports{path}", show, methods=["GET"], response_class=HTMLResponse)
    router.add_api_route(f"/console/reports{path}/segment", save, methods=["POST"])

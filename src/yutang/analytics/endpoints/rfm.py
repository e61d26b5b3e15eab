"""``/reports/rfm``: the RFM groups and grid, every member's scores, the members behind a
group or a cell, and "refresh the RFM tags now"."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

from fastapi import Depends, Query, Response
from pydantic import BaseModel, ConfigDict, Field

from yutang.analytics import rfm as rfm_report
from yutang.analytics import rfm_tags
from yutang.analytics.endpoints import drill
from yutang.analytics.endpoints.drill import DrillQuery
from yutang.analytics.endpoints.frame import Format, answer, csv_table, reader, router
from yutang.analytics.engines import Reader
from yutang.auth.dependencies import require
from yutang.kit.context import Ctx
from yutang.kit.http import CSV_RESPONSE
from yutang.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, decode_cursor, encode_cursor

Score = Annotated[int, Field(ge=1, le=5)]


class RfmGroupOut(BaseModel):
    group: rfm_report.Group
    #: The tag the refresh gives the group's members (a segment's ``tag`` filter).
    tag: str
    members: int
    #: Of the scored members (null when nobody scored).
    share: float | None
    net_cents: int
    orders: int


class LastRefreshOut(BaseModel):
    at: datetime
    #: Who ran it: ``system`` (the daily job), ``user``, ``api_key`` or ``cli``.
    actor_type: str
    #: What it did: as_of, scored, tagged, added, removed, changed.
    changes: dict[str, Any]


class RfmOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-03",
                    "timezone": "Asia/Shanghai",
                    "scored": 1_250,
                    "groups": [
                        {
                            "group": "champions",
                            "tag": "RFM/champions",
                            "members": 180,
                            "share": 0.144,
                            "net_cents": 9_120_000,
                            "orders": 1_031,
                        }
                    ],
                    "grid": [[120, 40, 12, 3, 0], [90, 60, 20, 8, 2], [70, 55, 40, 20, 6]],
                    "last_refresh": {
                        "at": "2026-12-02T20:05:02Z",
                        "actor_type": "system",
                        "changes": {"as_of": "2026-12-03", "scored": 1_248, "changed": 64},
                    },
                }
            ]
        }
    )
    as_of: date
    timezone: str
    #: Members with a paid order up to ``as_of`` (erased members are not scored).
    scored: int
    #: Every named group, best first.
    groups: list[RfmGroupOut]
    #: ``grid[r - 1][f - 1]``: members with recency score r and frequency score f.
    grid: list[list[int]]
    #: The latest refresh of the RFM tags (null: never).
    last_refresh: LastRefreshOut | None


class RfmScoreOut(BaseModel):
    member_id: int
    recency_days: int
    orders: int
    net_cents: int
    r: int
    f: int
    m: int
    group: rfm_report.Group


class RfmScoresOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-03",
                    "count": 1_250,
                    "data": [
                        {
                            "member_id": 1024,
                            "recency_days": 3,
                            "orders": 7,
                            "net_cents": 182_300,
                            "r": 5,
                            "f": 5,
                            "m": 5,
                            "group": "champions",
                        }
                    ],
                    "next_cursor": "aWQ6MTAyNA",
                }
            ]
        }
    )
    as_of: date
    #: How many members the selection holds.
    count: int
    data: list[RfmScoreOut]
    next_cursor: str | None


class RfmRefreshOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "as_of": "2026-12-03",
                    "scored": 1_250,
                    "tagged": 1_248,
                    "added": 64,
                    "removed": 61,
                    "changed": 64,
                    "held": {"champions": 180, "loyal": 240, "lost": 310},
                    "tag_group_id": 12,
                }
            ]
        }
    )
    as_of: date
    scored: int
    #: Scored members holding their group's tag now.
    tagged: int
    added: int
    removed: int
    #: Members whose RFM tag changed (each got a ``member.tagged`` event).
    changed: int
    #: Group → members holding its tag now.
    held: dict[str, int]
    tag_group_id: int


def _score_out(s: rfm_report.Scores) -> RfmScoreOut:
    return RfmScoreOut(
        member_id=s.member_id,
        recency_days=s.recency_days,
        orders=s.orders,
        net_cents=s.net_cents,
        r=s.r,
        f=s.f,
        m=s.m,
        group=s.group,
    )


@router.get("/rfm", response_model=RfmOut, responses=CSV_RESPONSE)
async def rfm(
    ctx: Ctx = Depends(require("stats:read")),
    as_of: date | None = None,
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> RfmOut | Response:
    """The RFM groups (members, share, net spend, orders) and the 5 × 5 grid of recency
    × frequency scores, as of a day (default: today), with the last refresh of the RFM
    tags; CSV: the groups (definitions: docs/analytics.md)."""
    day, scores = await rfm_tags.scores(ctx, engine, as_of)
    _, zone = await rfm_tags.today_of(ctx)
    made = rfm_report.summary(scores)
    last = await rfm_tags.last_refresh(ctx)
    out = RfmOut(
        as_of=day,
        timezone=zone,
        scored=made.scored,
        groups=[
            RfmGroupOut(
                group=g.group,
                tag=f"{rfm_tags.TAG_GROUP}/{g.group}",
                members=g.members,
                share=None if g.share is None else round(g.share, 4),
                net_cents=g.net_cents,
                orders=g.orders,
            )
            for g in made.groups
        ],
        grid=made.grid,
        last_refresh=LastRefreshOut(at=last.at, actor_type=last.actor_type, changes=last.changes)
        if last
        else None,
    )
    return answer(out, format, out.groups, RfmGroupOut, f"rfm-{day}.csv")


@router.get("/rfm/scores", response_model=RfmScoresOut, responses=CSV_RESPONSE)
async def rfm_scores(
    ctx: Ctx = Depends(require("stats:read")),
    as_of: date | None = None,
    group: rfm_report.Group | None = None,
    r: Annotated[int | None, Query(ge=1, le=5)] = None,
    f: Annotated[int | None, Query(ge=1, le=5)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    format: Format = "json",
    engine: Reader = Depends(reader),
) -> RfmScoresOut | Response:
    """Every scored member's recency (days), orders, net spend, scores and group, in order
    of member id, a page at a time (member ids only; the drill-down
    ``/reports/rfm/members`` shows who they are); optionally one group or one cell of the
    grid. CSV: all of them at once."""
    day, scores = await rfm_tags.scores(ctx, engine, as_of)
    picked = rfm_report.chosen(scores, group, r, f)
    if format == "csv":
        return csv_table([_score_out(s) for s in picked], RfmScoreOut, f"rfm-scores-{day}.csv")
    after = decode_cursor(cursor) if cursor else 0
    rest = [s for s in picked if s.member_id > after]
    shown = rest[:limit]
    nxt = encode_cursor(shown[-1].member_id) if len(rest) > limit else None
    return RfmScoresOut(as_of=day, count=len(picked), data=[_score_out(s) for s in shown], next_cursor=nxt)


@router.post("/rfm/refresh", response_model=RfmRefreshOut)
async def rfm_refresh(
    ctx: Ctx = Depends(require("members:write")), engine: Reader = Depends(reader)
) -> RfmRefreshOut:
    """Refresh the RFM tags now (the worker does it daily): score today's members and
    re-assign the tags of the group `RFM` — one tag a scored member, none for the others,
    no other group touched. Reads the store as last synced (within a minute)."""
    done = await rfm_tags.refresh(ctx, engine)
    return RfmRefreshOut(
        as_of=done.as_of,
        scored=done.scored,
        tagged=done.tagged,
        added=done.added,
        removed=done.removed,
        changed=done.changed,
        held=done.held,
        tag_group_id=done.group_id,
    )


class RfmCell(DrillQuery):
    """The members of one RFM group, or of one cell of the grid (or both)."""

    as_of: date | None = None
    group: rfm_report.Group | None = None
    r: Score | None = None
    f: Score | None = None


async def rfm_members(ctx: Ctx, engine: Reader, cell: RfmCell) -> list[int]:
    _, scores = await rfm_tags.scores(ctx, engine, cell.as_of)
    return [s.member_id for s in rfm_report.chosen(scores, cell.group, cell.r, cell.f)]


drill.register(router, "/rfm/members", RfmCell, rfm_members, what="an RFM group or a cell of the grid")

"""Reports are written once and run on DuckDB or ClickHouse.

A report's SQL is DuckDB's, with a few functions of our own for what the two engines
say differently (a day in a timezone, a week, a month, a moment) and named parameters
(``:ws``). :func:`render` parses it with sqlglot, rewrites our functions for the
engine, turns the parameters into literals (quoted by sqlglot, never pasted as text)
and writes the engine's dialect. The tests run every report on both engines (ClickHouse
through chdb, its engine in-process) against a plain Python computation.

Our functions:

=========================  =============================================================
``LOCAL_DAY(ts, tz)``      the day of ``ts`` in the timezone ``tz`` (a DATE)
``LOCAL_WEEK(ts, tz)``     the Monday of its week there
``LOCAL_MONTH(ts, tz)``    the first of its month there
``DAYS_BETWEEN(a, b)``     whole days from date ``a`` to date ``b``
``MONTHS_APART(a, b)``     whole months from the first of a month to the first of another
``ADD_SECONDS(ts, n)``     ``ts`` plus ``n`` seconds
``SECONDS_BETWEEN(a, b)``  whole seconds from ``a`` to ``b`` (second boundaries crossed)
``MEDIAN_LOW(x)``          the lower median, exact (the element at ⌊(n − 1) / 2⌋)
``PROP(props, 'key')``     a field of a fact's ``props``, as text (NULL when absent)
``FACT_ORDER(ts, s, id)``  a fact's place in a person's order as one 128-bit integer: its
                           time (µs), then its source (click < outbox < referral), then
                           its id (below 2⁶¹) — ``min`` of it is the earliest fact
``EPOCH_MICROS(ts)``       ``ts`` in microseconds since 1970 (a BIGINT): for comparing and
                           subtracting moments as integers
``WHOLE_SECONDS(us)``      those microseconds in whole seconds (floored; after 1970)
=========================  =============================================================

On DuckDB, a moment's local day in a zone named by a literal is worked out by arithmetic
on its microseconds — the zone's UTC offset, from a table of the zone's offsets worked out
here once (:func:`_offsets`), picked by a few integer comparisons — instead of DuckDB's
``timezone()``, which goes through ICU's calendar for every row (10× the time of the
arithmetic; a report converts millions of facts). Outside the years the table covers it
falls back to ``timezone()``. ``ADD_SECONDS`` and ``SECONDS_BETWEEN`` likewise: a
``TIMESTAMPTZ`` plus an interval, or ``date_diff`` in seconds, is ICU's work per row on
DuckDB; moments as integers are not.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlglot
from sqlglot import exp

Dialect = Literal["duckdb", "clickhouse"]

_MACROS: dict[str, dict[str, str]] = {
    "LOCAL_DAY": {"duckdb": "CAST(timezone({1}, {0}) AS DATE)", "clickhouse": "toDate({0}, {1})"},
    "LOCAL_WEEK": {
        "duckdb": "CAST(date_trunc('week', timezone({1}, {0})) AS DATE)",
        "clickhouse": "toStartOfWeek({0}, 1, {1})",
    },
    "LOCAL_MONTH": {
        "duckdb": "CAST(date_trunc('month', timezone({1}, {0})) AS DATE)",
        "clickhouse": "toStartOfMonth({0}, {1})",
    },
    "DAYS_BETWEEN": {"duckdb": "date_diff('day', {0}, {1})", "clickhouse": "dateDiff('day', {0}, {1})"},
    "MONTHS_APART": {"duckdb": "date_diff('month', {0}, {1})", "clickhouse": "dateDiff('month', {0}, {1})"},
    "ADD_SECONDS": {
        "duckdb": "make_timestamptz(epoch_us({0}) + CAST({1} AS BIGINT) * 1000000)",
        "clickhouse": "addSeconds({0}, {1})",
    },
    "EPOCH_MICROS": {"duckdb": "epoch_us({0})", "clickhouse": "toUnixTimestamp64Micro({0})"},
    "WHOLE_SECONDS": {"duckdb": "({0} // 1000000)", "clickhouse": "intDiv({0}, 1000000)"},
    "SECONDS_BETWEEN": {
        # whole seconds crossed: both floored to the second (// floors: moments after 1970)
        "duckdb": "(epoch_us({1}) // 1000000 - epoch_us({0}) // 1000000)",
        "clickhouse": "dateDiff('second', {0}, {1})",
    },
    "MEDIAN_LOW": {"duckdb": "quantile_disc({0}, 0.5)", "clickhouse": "quantileExactLow(0.5)({0})"},
    "FACT_ORDER": {
        "duckdb": "CAST(epoch_us({0}) AS HUGEINT) * 9223372036854775808"
        " + CAST(CASE {1} WHEN 'click' THEN 0 WHEN 'outbox' THEN 1 ELSE 2 END AS HUGEINT)"
        " * 2305843009213693952"
        " + {2}",
        "clickhouse": "toInt128(toUnixTimestamp64Micro({0})) * toInt128('9223372036854775808')"
        " + toInt128(multiIf({1} = 'click', 0, {1} = 'outbox', 1, 2)) * toInt128('2305843009213693952')"
        " + {2}",
    },
    "PROP": {
        "duckdb": "json_extract_string({0}, '$.' || {1})",
        "clickhouse": "nullIf(JSON_VALUE({0}, concat('$.', {1})), '')",
    },
}


#: The years the DuckDB arithmetic covers (outside them: ``timezone()``).
#: (A zone with summer time changes its offset twice a year: the years are few, so that
#: the search stays short.)
_SPAN = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2050, 1, 1, tzinfo=UTC))
_US = 1_000_000
_DAY_US = 86_400 * _US


def _micros(at: datetime) -> int:
    return (at - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


@lru_cache(maxsize=64)
def _offsets(zone: str) -> tuple[tuple[int, int], ...] | None:
    """The zone's UTC offsets over :data:`_SPAN`: (from, offset) in microseconds since
    1970, from ascending; None for a zone Python does not know (DuckDB says so)."""
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return None

    def offset(at: datetime) -> int:
        found = at.astimezone(tz).utcoffset()
        return int(found.total_seconds()) * _US if found is not None else 0

    start, end = _SPAN
    out = [(_micros(start), offset(start))]
    at, step = start, timedelta(days=1)
    while at < end:  # a day at a time, then to the second where the offset changed
        nxt = min(at + step, end)
        if offset(nxt) != out[-1][1]:
            lo, hi = at, nxt  # offset(lo) is the current one, offset(hi) the new one
            while hi - lo > timedelta(seconds=1):
                mid = lo + (hi - lo) / 2
                mid = mid.replace(microsecond=0)
                if offset(mid) == out[-1][1]:
                    lo = mid
                else:
                    hi = mid
            out.append((_micros(hi), offset(hi)))
        at = nxt
    return tuple(out)


def _pick(us: str, segments: tuple[tuple[int, int], ...]) -> str:
    """The offset of the moment ``us`` among ``segments``: a binary search of CASEs."""
    if len(segments) == 1:
        return str(segments[0][1])
    half = len(segments) // 2
    early, late = _pick(us, segments[:half]), _pick(us, segments[half:])
    return f"CASE WHEN {us} < {segments[half][0]} THEN {early} ELSE {late} END"


def _local_day_number(ts: str, zone: str) -> str | None:
    """DuckDB SQL of the local day of ``ts`` in ``zone`` as days since 1970-01-01, or None
    when the moment falls outside :data:`_SPAN` (the caller falls back)."""
    segments = _offsets(zone)
    if segments is None:
        return None
    us = f"epoch_us({ts})"
    # most facts are recent: the last offset first, the search only for older ones
    if len(segments) == 1:
        pick = str(segments[0][1])
    else:
        since, now = segments[-1]
        pick = f"CASE WHEN {us} >= {since} THEN {now} ELSE {_pick(us, segments[:-1])} END"
    return f"(({us} + {pick}) // {_DAY_US})"


@lru_cache(maxsize=256)
def _local_tree(name: str, ts: str, zone: str) -> exp.Expr | None:
    """:func:`_local` parsed (once per process: a zone with summer time makes a long CASE)."""
    fast = _local(name, ts, zone)
    return None if fast is None else sqlglot.parse_one(fast, read="duckdb")


def _local(name: str, ts: str, zone: str) -> str | None:
    """LOCAL_DAY / LOCAL_WEEK / LOCAL_MONTH on DuckDB by arithmetic (see the module's note)."""
    day = _local_day_number(ts, zone)
    if day is None:
        return None
    if name == "LOCAL_DAY":
        fast = f"DATE '1970-01-01' + CAST({day} AS INTEGER)"
    elif name == "LOCAL_WEEK":  # 1970-01-01 was a Thursday: Monday is 3 days before
        fast = f"DATE '1970-01-01' + CAST({day} - ({day} + 3) % 7 AS INTEGER)"
    else:
        fast = f"CAST(date_trunc('month', DATE '1970-01-01' + CAST({day} AS INTEGER)) AS DATE)"
    lo, hi = (_micros(t) for t in _SPAN)
    slow = _MACROS[name]["duckdb"].format(ts, exp.Literal.string(zone).sql(dialect="duckdb"))
    return f"CASE WHEN epoch_us({ts}) >= {lo} AND epoch_us({ts}) < {hi} THEN {fast} ELSE {slow} END"


_LOCAL = ("LOCAL_DAY", "LOCAL_WEEK", "LOCAL_MONTH")


def _literal(value: Any, dialect: Dialect) -> Any:
    if isinstance(value, datetime):
        text = value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
        if dialect == "clickhouse":
            return exp.func(
                "toDateTime64", exp.Literal.string(text), exp.Literal.number(6), exp.Literal.string("UTC")
            )
        return exp.cast(exp.Literal.string(text + "+00"), exp.DataType.build("TIMESTAMPTZ"))
    if isinstance(value, date):
        if dialect == "clickhouse":
            return exp.func("toDate", exp.Literal.string(value.isoformat()))
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("DATE"))
    if isinstance(value, list | tuple):
        return exp.Tuple(expressions=[_literal(v, dialect) for v in value]) if value else exp.Null()
    return exp.convert(value)


def render(sql: str, params: Mapping[str, Any], dialect: Dialect) -> str:
    """The report's SQL for ``dialect``, its parameters written in as literals. A select
    item never starts with a parameter (DuckDB reads ``SELECT name: expr`` as an alias):
    write ``CAST(:x AS DATE)``.

    sqlglot's work (parse, our functions, the dialect) is done once per SQL text, dialect
    and time zone (:func:`_template`: it took ~0.2 s for a funnel's query, most of a
    console page's time); each call then only writes its parameters' literals in."""
    fixed = tuple(sorted((name, params[name]) for name in _zone_params(sql) if name in params))
    text, names = _template(sql, dialect, fixed)
    missing = names - params.keys()
    if missing:
        raise KeyError(f"no value for the parameter :{sorted(missing)[0]}")
    literals = {name: str(_literal(params[name], dialect).sql(dialect=dialect)) for name in names}
    return _MARK_RE.sub(lambda m: literals[m.group(1)], text)


#: A parameter's place in a template: a string literal no report writes.
_MARK = "__yutang_param_{}__"
_MARK_RE = re.compile(r"'__yutang_param_(\w+?)__'")


@lru_cache(maxsize=512)
def _zone_params(sql: str) -> frozenset[str]:
    """The parameters some LOCAL_DAY/WEEK/MONTH takes as its zone: their values shape the
    SQL (DuckDB's arithmetic is written for the zone), so they are written in first."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    return frozenset(
        str(node.expressions[1].this)
        for node in tree.find_all(exp.Anonymous)
        if str(node.this).upper() in _LOCAL
        and len(node.expressions) > 1
        and isinstance(node.expressions[1], exp.Placeholder)
    )


@lru_cache(maxsize=1024)
def _template(sql: str, dialect: Dialect, fixed: tuple[tuple[str, Any], ...]) -> tuple[str, frozenset[str]]:
    """``sql`` written for ``dialect``: the ``fixed`` parameters as literals, every other
    one left as a marker (a string literal); and the names of those."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    values = dict(fixed)
    names: set[str] = set()

    def mark(node: Any) -> Any:
        if isinstance(node, exp.Placeholder):
            name = str(node.this)
            if name in values:
                return _literal(values[name], dialect)
            names.add(name)
            return exp.Literal.string(_MARK.format(name))
        return node

    def rewrite(node: Any) -> Any:
        if isinstance(node, exp.Anonymous) and str(node.this).upper() in _MACROS:
            name = str(node.this).upper()
            template = _MACROS[name][dialect]
            args = [a.sql(dialect=dialect) for a in node.expressions]
            zone = node.expressions[1] if len(node.expressions) > 1 else None
            if (
                dialect == "duckdb"
                and name in _LOCAL
                and isinstance(zone, exp.Literal)
                and zone.is_string
                and (fast := _local_tree(name, args[0], str(zone.this))) is not None
            ):
                return fast.copy()
            return sqlglot.parse_one(template.format(*args), read=dialect)
        return node

    # parameters first, so a macro's arguments are literals (or markers) when it is written
    tree = tree.transform(mark)
    for _ in range(8):  # a macro inside a macro is written out on the next pass
        if not any(str(a.this).upper() in _MACROS for a in tree.find_all(exp.Anonymous)):
            break
        tree = tree.transform(rewrite)
    text = str(tree.sql(dialect=dialect))
    if frozenset(_MARK_RE.findall(text)) != names:  # a marker written otherwise: never guess
        raise AssertionError(f"a parameter of {sorted(names)} was lost in writing the SQL")
    return text, frozenset(names)

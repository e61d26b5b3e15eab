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
=========================  =============================================================
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime
from typing import Any, Literal

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
    "ADD_SECONDS": {"duckdb": "{0} + to_seconds({1})", "clickhouse": "addSeconds({0}, {1})"},
    "SECONDS_BETWEEN": {
        "duckdb": "date_diff('second', {0}, {1})",
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
    write ``CAST(:x AS DATE)``."""
    tree = sqlglot.parse_one(sql, read="duckdb")

    def rewrite(node: Any) -> Any:
        if isinstance(node, exp.Placeholder):
            name = str(node.this)
            if name not in params:
                raise KeyError(f"no value for the parameter :{name}")
            return _literal(params[name], dialect)
        if isinstance(node, exp.Anonymous) and str(node.this).upper() in _MACROS:
            template = _MACROS[str(node.this).upper()][dialect]
            args = [a.sql(dialect=dialect) for a in node.expressions]
            return sqlglot.parse_one(template.format(*args), read=dialect)
        return node

    # placeholders first, so a macro's arguments are literals when it is written out
    tree = tree.transform(lambda n: rewrite(n) if isinstance(n, exp.Placeholder) else n)
    for _ in range(8):  # a macro inside a macro is written out on the next pass
        if not any(str(a.this).upper() in _MACROS for a in tree.find_all(exp.Anonymous)):
            break
        tree = tree.transform(lambda n: rewrite(n) if isinstance(n, exp.Anonymous) else n)
    return str(tree.sql(dialect=dialect))

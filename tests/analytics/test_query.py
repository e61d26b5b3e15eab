"""The report layer: our functions are ours (sqlglot knows none of them by that name, so
none is parsed as something else), parameters become quoted literals, and the engines
agree on what our functions mean."""

from __future__ import annotations

from datetime import UTC, date, datetime

import duckdb
import pytest
import sqlglot
from sqlglot import exp

from yutang.analytics import query


@pytest.mark.parametrize("name", sorted(query._MACROS))
def test_our_functions_reach_the_rewriting_as_unknown_calls(name: str) -> None:
    parsed = sqlglot.parse_one(f"SELECT {name}(a, b)", read="duckdb")
    assert isinstance(parsed.expressions[0], exp.Anonymous), f"sqlglot knows a function named {name}"


def test_parameters_are_literals_quoted_by_sqlglot_not_pasted_text() -> None:
    sql = query.render(
        "SELECT CAST(:x AS VARCHAR), CAST(:d AS DATE), CAST(:t AS TIMESTAMPTZ)",
        {
            "x": "a'; DROP TABLE facts; --",
            "d": date(2026, 1, 2),
            "t": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
        },
        "duckdb",
    )
    assert duckdb.execute(sql).fetchall() == [
        ("a'; DROP TABLE facts; --", date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC).astimezone())
    ]
    with pytest.raises(KeyError, match="no value"):
        query.render("SELECT x FROM t WHERE y = :missing", {}, "duckdb")


def test_the_engines_agree_on_our_functions() -> None:
    from yutang.analytics.clickhouse import ClickHouseTarget

    # 16:30 UTC on the 31st of December is 00:30 on the 1st of January in Shanghai
    sql = """SELECT LOCAL_DAY(:t, :tz), LOCAL_WEEK(:t, :tz), LOCAL_MONTH(:t, :tz),
                    MONTHS_APART(LOCAL_MONTH(:t, :tz), :d), DAYS_BETWEEN(LOCAL_DAY(:t, :tz), :d),
                    SECONDS_BETWEEN(:t, ADD_SECONDS(:t, 90)), PROP('{"k": 12, "s": "x"}', 'k'),
                    PROP('{"k": 12, "s": "x"}', 's'), PROP('{"k": 12}', 'none')"""
    params = {"t": datetime(2026, 12, 31, 16, 30, tzinfo=UTC), "tz": "Asia/Shanghai", "d": date(2027, 3, 1)}
    want = (date(2027, 1, 1), date(2026, 12, 28), date(2027, 1, 1), 2, 59, 90, "12", "x", None)
    assert tuple(duckdb.execute(query.render(sql, params, "duckdb")).fetchall()[0]) == want
    ch = ClickHouseTarget("chdb://memory/query_test").reader().rows(sql, params)
    assert tuple(ch[0]) == want


def test_a_facts_order_is_one_integer_the_engines_agree_on() -> None:
    """FACT_ORDER sorts by time (to the microsecond), then source, then id — the order a
    funnel's steps follow — and is the same number on both engines."""
    from yutang.analytics.clickhouse import ClickHouseTarget

    t = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)
    later = datetime(2026, 12, 31, 16, 30, 0, 1, tzinfo=UTC)
    facts = [(later, "click", 1), (t, "referral", 1), (t, "outbox", 2**60), (t, "outbox", 3), (t, "click", 9)]
    keys = ", ".join(f"FACT_ORDER(:t{i}, :s{i}, :i{i})" for i in range(len(facts)))
    params = {f"{name}{i}": v for i, f in enumerate(facts) for name, v in zip("tsi", f, strict=True)}
    duck = duckdb.execute(query.render(f"SELECT {keys}", params, "duckdb")).fetchall()[0]
    ch = ClickHouseTarget("chdb://memory/query_test").reader().rows(f"SELECT {keys}", params)[0]
    assert [int(k) for k in duck] == [int(k) for k in ch]
    assert sorted(range(len(facts)), key=lambda i: duck[i]) == [4, 3, 2, 1, 0]


def test_sqlglot_works_once_per_sql_and_zone_and_each_call_writes_its_own_literals() -> None:
    sql = (
        "SELECT LOCAL_DAY(occurred_at, :tz) AS d, count(*) FROM facts "
        "WHERE workspace_id = :ws AND type IN :types AND occurred_at >= :start AND note = :note GROUP BY d"
    )
    start = datetime(2026, 11, 1, 16, tzinfo=UTC)
    base = {"ws": 1, "types": ["order.paid"], "start": start, "note": "x"}
    query._template.cache_clear()
    first = query.render(sql, {**base, "tz": "Asia/Shanghai"}, "duckdb")
    again = query.render(sql, {**base, "ws": 2, "note": "it's", "tz": "Asia/Shanghai"}, "duckdb")
    assert query._template.cache_info().hits == 1  # parsed and written once for both
    assert "workspace_id = 1" in first and "workspace_id = 2" in again
    assert "note = 'x'" in first and "note = 'it''s'" in again  # quoted, never pasted
    assert "__yutang_param" not in first + again
    # the zone shapes the SQL (DuckDB's arithmetic is written for it): its own template
    elsewhere = query.render(sql, {**base, "tz": "America/New_York"}, "duckdb")
    assert query._template.cache_info().misses == 2 and elsewhere != first
    for tz, want in (("Asia/Shanghai", date(2026, 11, 2)), ("America/New_York", date(2026, 11, 1))):
        con = duckdb.connect()
        con.execute("CREATE TABLE facts (occurred_at TIMESTAMPTZ, workspace_id INT, type TEXT, note TEXT)")
        con.execute("INSERT INTO facts VALUES (?, 1, 'order.paid', 'x')", [start])
        assert con.execute(query.render(sql, {**base, "tz": tz}, "duckdb")).fetchall() == [(want, 1)]
    with pytest.raises(KeyError, match=":note"):
        query.render(sql, {"ws": 1, "types": [], "start": start, "tz": "UTC"}, "clickhouse")

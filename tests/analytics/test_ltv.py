"""Customer value: the models reproduce the published fit on the CDNOW sample and predict
a simulated hold-out; the per-member summary, the predictions and the historic LTV by
month since joining equal a plain computation over generated facts on DuckDB and on
ClickHouse's engine (refunds by order, a full refund, refunds and orders after the
as-of day, two orders on one day, Shanghai's midnight, erased members, another
workspace)."""

from __future__ import annotations

import csv
import json
import math
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from tests.analytics import test_report_cli
from tests.analytics.world import OTHER, WS, ZONE, Fact, generated, readers
from yutang.analytics import clv, ltv
from yutang.analytics.window import Window

TZ = ZoneInfo(ZONE)
AS_OF = date(2026, 11, 20)
TODAY = date(2026, 12, 4)
COHORTS = Window(date(2026, 9, 1), date(2026, 11, 30), ZONE)
DATA = Path(__file__).parent / "data" / "cdnow_customers_summary.csv"
#: The command-line fixture of the report command's tests.
cli = test_report_cli.cli


def _sig(value: float, digits: int = 3) -> str:
    return f"{value:.{digits}g}"


def _cdnow() -> tuple[Any, Any, Any, Any]:
    with DATA.open() as fh:
        rows = list(csv.DictReader(fh))
    cols = [np.array([float(r[k]) for r in rows]) for k in ("x", "t_x", "T", "zbar")]
    return cols[0], cols[1], cols[2], cols[3]


def test_the_published_fit_on_the_cdnow_sample() -> None:
    x, t_x, T, zbar = _cdnow()
    assert len(x) == 2357 and int((x > 0).sum()) == 946
    model = clv.fit_bgnbd(x, t_x, T)
    # Fader, Hardie & Lee (2005): r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
    assert [_sig(v) for v in (model.r, model.alpha, model.a, model.b)] == ["0.243", "4.41", "0.793", "2.43"]
    assert [round(v, 3) for v in (model.r, model.alpha, model.a, model.b)] == [0.243, 4.414, 0.793, 2.426]
    assert round(model.log_likelihood, 1) == -9582.4
    # their worked example: x = 2, t_x = 30.43, T = 38.86 expects 1.226 purchases in 39 weeks
    assert round(float(model.expected_purchases(39, 2, 30.43, 38.86)), 3) == 1.226
    assert float(model.p_alive(0, 0, 38.86)) == 1.0
    spend = clv.fit_gamma_gamma(x[x > 0], zbar[x > 0])
    # Fader & Hardie, the Gamma-Gamma note: p = 6.25, q = 3.74, γ = 15.44
    assert [_sig(v) for v in (spend.p, spend.q, spend.gamma)] == ["6.25", "3.74", "15.4"]
    assert abs(spend.gamma - 15.44) < 0.01
    # a customer's expected spend lies between the population's mean and their own
    mean = spend.population_mean
    one = float(spend.expected_spend(5, 100.0))
    assert min(mean, 100.0) < one < max(mean, 100.0)
    assert float(spend.expected_spend(0, 0.0)) == pytest.approx(mean)


def _simulate(
    rng: np.random.Generator, n: int, r: float, alpha: float, a: float | None, b: float | None, p: float = 0.3
) -> tuple[Any, Any, Any, Any, Any]:
    """Customers who buy at a Poisson rate λ ~ Gamma(r, α) and drop out after each repeat
    purchase with probability p ~ Beta(a, b) (a fixed p when a is None): their
    calibration summary, their purchases in the 26 weeks after and whether they were
    alive at the end of the calibration."""
    xs, txs, Ts, holdout, alive = [], [], [], [], []
    for _ in range(n):
        lam = rng.gamma(r, 1 / alpha)
        drop = rng.beta(a, b) if a is not None and b is not None else p
        T = 52 - rng.uniform(0, 12)
        at, x, t_x, later, living, alive_at_T = 0.0, 0, 0.0, 0, True, True
        while living:
            at += rng.exponential(1 / lam) if lam > 0 else math.inf
            if at > T + 26:
                break
            if at <= T:
                x, t_x = x + 1, at
            else:
                later += 1
            if rng.random() < drop:
                living = False
                if at <= T:
                    alive_at_T = False
        xs.append(x)
        txs.append(t_x)
        Ts.append(T)
        holdout.append(later)
        alive.append(alive_at_T)
    return np.array(xs), np.array(txs), np.array(Ts), np.array(holdout), np.array(alive)


@pytest.mark.parametrize(("a", "b"), [(0.8, 2.5), (None, None)])
def test_the_model_predicts_a_simulated_hold_out(a: float | None, b: float | None) -> None:
    """On customers drawn from the model itself (and from one drop-out probability for
    all, where a and b grow large together), the fit expects the purchases of the next 26 weeks and
    the share still alive that the simulation holds."""
    rng = np.random.default_rng(12)
    x, t_x, T, holdout, alive = _simulate(rng, 4000, 0.5, 6.0, a, b)
    model = clv.fit_bgnbd(x, t_x, T)
    expected = model.expected_purchases(26, x, t_x, T)
    assert np.all(np.isfinite(expected)) and np.all(expected >= 0)
    assert float(expected.sum()) == pytest.approx(float(holdout.sum()), rel=0.06)
    assert float(model.p_alive(x, t_x, T).mean()) == pytest.approx(float(alive.mean()), abs=0.03)
    if a is not None:
        assert model.r == pytest.approx(0.5, rel=0.2) and model.alpha == pytest.approx(6.0, rel=0.25)
    else:
        assert model.a + model.b > 20 and model.a / (model.a + model.b) == pytest.approx(0.3, rel=0.1)


def test_spend_of_customers_who_buy_alike_has_the_limit_model() -> None:
    rng = np.random.default_rng(3)
    x = rng.integers(1, 8, 500).astype(float)
    m = np.array([rng.gamma(4.0, 25.0, int(k)).mean() for k in x])  # one mean for everyone: 100
    spend = clv.fit_gamma_gamma(x, m)
    assert spend.population_mean == pytest.approx(100, rel=0.08)
    assert float(spend.expected_spend(3, 150.0)) == pytest.approx(spend.population_mean, rel=0.05)
    with pytest.raises(clv.FitError):
        clv.fit_gamma_gamma([0, 1], [0.0, 5.0])
    with pytest.raises(clv.FitError):
        clv.fit_bgnbd([1], [5.0], [2.0])


# -- the store's purchases, per member ------------------------------------------------


def shop(members: int = 300) -> list[Fact]:
    """Generated facts whose orders carry their ids: each refund names the order before it;
    every 7th order is refunded in full (no longer a purchase) and every 5th a second time
    in part; one refund names an order that is not there."""
    out: list[Fact] = []
    last: Fact | None = None
    n = 0
    for f in generated(members=members):
        if f.type == "order.paid":
            n += 1
            last = replace(f, props={"order_id": f.source_id})
            out.append(last)
            if n % 7 == 0:
                out.append(
                    replace(
                        f,
                        source_id=f.source_id + 500_000,
                        type="order.refunded",
                        occurred_at=f.occurred_at + timedelta(days=1),
                        props={"order_id": f.source_id},
                    )
                )
        elif f.type == "order.refunded" and last is not None:
            out.append(replace(f, props={"order_id": last.source_id}))
            if n % 5 == 0:
                out.append(
                    replace(
                        f, source_id=f.source_id + 600_000, amount_cents=1, props={"order_id": 99_999_999}
                    )
                )
                out.append(
                    replace(
                        f, source_id=f.source_id + 700_000, amount_cents=1, props={"order_id": last.source_id}
                    )
                )
        else:
            out.append(f)
    return out


def _local(at: datetime) -> date:
    return at.astimezone(TZ).date()


def _plain_customers(facts: list[Fact], as_of: date) -> tuple[dict[int, tuple[Any, ...]], dict[date, int]]:
    end = datetime.combine(as_of + timedelta(days=1), time(), TZ)
    mine = [(f.member_id, f) for f in facts if f.workspace_id == WS and f.member_id is not None]
    refunds: dict[tuple[int, Any], int] = defaultdict(int)
    for m, f in mine:
        if f.type == "order.refunded" and f.occurred_at < end and f.props and "order_id" in f.props:
            refunds[(m, f.props["order_id"])] += f.amount_cents or 0
    days: dict[int, dict[date, int]] = defaultdict(lambda: defaultdict(int))
    for m, f in mine:
        if f.type == "order.paid" and f.occurred_at < end:
            order = (f.props or {}).get("order_id")
            days[m][_local(f.occurred_at)] += (f.amount_cents or 0) - refunds.get((m, order), 0)
    joined: dict[int, datetime] = {}
    for m, f in mine:
        if f.type == "member.joined" and (m not in joined or f.occurred_at < joined[m]):
            joined[m] = f.occurred_at
    out = {}
    for member, by_day in days.items():
        bought = sorted(d for d, net in by_day.items() if net > 0)
        if not bought:
            continue
        cohort = _local(joined[member]).replace(day=1) if member in joined else None
        out[member] = (
            cohort,
            len(bought) - 1,
            (bought[-1] - bought[0]).days,
            (as_of - bought[0]).days,
            sum(by_day[d] for d in bought[1:]),
        )
    bounds = COHORTS.bounds()
    sizes: dict[date, int] = defaultdict(int)
    for t0 in joined.values():
        if bounds["start"] <= t0 < bounds["end"]:
            sizes[_local(t0).replace(day=1)] += 1
    return out, dict(sizes)


def test_the_purchases_per_member_are_what_the_facts_say_on_both_engines(tmp_path: Path) -> None:
    facts = shop()
    want, sizes = _plain_customers(facts, AS_OF)
    assert len(want) > 100 and sum(1 for v in want.values() if v[1] > 0) > 50
    full = {
        f.props["order_id"] for f in facts if f.type == "order.refunded" and f.source_id > 500_000 and f.props
    }
    assert full  # some orders were refunded in full
    for reader in readers(tmp_path, facts):
        found, got_sizes = ltv.customers(reader, WS, AS_OF, ZONE, COHORTS)
        got = {
            c.member_id: (c.cohort, c.frequency, c.recency_days, c.age_days, c.repeat_net_cents)
            for c in found
        }
        assert got == want, reader.dialect
        assert got_sizes == sizes, reader.dialect
        other, _ = ltv.customers(reader, OTHER, AS_OF, ZONE)
        assert other and not {c.member_id for c in other} & set(got)  # never another workspace's


def test_the_predictions_agree_on_both_engines_and_add_up(tmp_path: Path) -> None:
    facts = shop()
    plain, sizes = _plain_customers(facts, AS_OF)
    customers = [ltv.Customer(m, *v) for m, v in sorted(plain.items())]
    want = ltv.predict(customers, sizes, AS_OF, unit="day", horizon_months=6, annual_discount=0.1)
    for reader in readers(tmp_path, facts):
        got = ltv.predicted(
            reader, WS, AS_OF, ZONE, COHORTS, unit="day", horizon_months=6, annual_discount=0.1
        )
        assert got.purchases == want.purchases and got.spend == want.spend, reader.dialect
        assert got.members == want.members and got.cohorts == want.cohorts
    # the same members in weeks: the same fit (up to where it stops on its ridge), α in weeks
    weeks = ltv.predict(customers, sizes, AS_OF, unit="week", horizon_months=6, annual_discount=0.1)
    assert weeks.purchases.alpha == pytest.approx(want.purchases.alpha / 7, rel=5e-3)
    assert weeks.purchases.r == pytest.approx(want.purchases.r, rel=5e-3)
    assert sum(m.value_cents for m in weeks.members) == pytest.approx(
        sum(m.value_cents for m in want.members), rel=1e-3
    )
    # cohorts add their buyers up; values are purchases × spend, discounted
    for c in want.cohorts:
        mine = [m for m in want.members if m.cohort == c.start]
        assert c.members == sizes[c.start] and c.buyers == len(mine)
        assert c.value_cents == pytest.approx(sum(m.value_cents for m in mine))
        assert c.value_per_member_cents == pytest.approx(c.value_cents / c.members)
    assert [m.value_cents for m in want.members] == sorted(
        (m.value_cents for m in want.members), reverse=True
    )
    for m in want.members:
        assert 0 <= m.p_alive <= 1 and m.expected_purchases >= 0
        assert m.value_cents <= m.expected_purchases * m.expected_spend_cents + 1e-6
    undiscounted = ltv.predict(customers, sizes, AS_OF, unit="day", horizon_months=6)
    for m, u in zip(
        sorted(want.members, key=lambda v: v.member_id),
        sorted(undiscounted.members, key=lambda v: v.member_id),
        strict=True,
    ):
        assert u.value_cents == pytest.approx(u.expected_purchases * u.expected_spend_cents)
        assert m.value_cents < u.value_cents or u.value_cents == 0
    longer = ltv.predict(customers, sizes, AS_OF, unit="day", horizon_months=12)
    assert sum(m.expected_purchases for m in longer.members) > sum(
        m.expected_purchases for m in undiscounted.members
    )


def test_too_few_buyers_is_not_enough_data(tmp_path: Path) -> None:
    facts = [f for f in shop(40) if f.member_id is None or f.member_id < 12]
    for reader in readers(tmp_path, facts):
        with pytest.raises(ltv.NotEnoughData):
            ltv.predicted(reader, WS, AS_OF, ZONE)


# -- historic LTV by month since joining ----------------------------------------------


def _months(a: date, b: date) -> int:
    return (b.year - a.year) * 12 + b.month - a.month


def _plain_historic(
    facts: list[Fact], months: int
) -> tuple[dict[date, tuple[int, list[float | None]]], list[float | None]]:
    bounds = COHORTS.bounds()
    mine = [(f.member_id, f) for f in facts if f.workspace_id == WS and f.member_id is not None]
    t0: dict[int, datetime] = {}
    for m, f in mine:
        if f.type == "member.joined" and (m not in t0 or f.occurred_at < t0[m]):
            t0[m] = f.occurred_at
    cohorts: dict[date, set[int]] = defaultdict(set)
    for m, t in t0.items():
        if bounds["start"] <= t < bounds["end"]:
            cohorts[_local(t).replace(day=1)].add(m)
    current = TODAY.replace(day=1)
    out: dict[date, tuple[int, list[float | None]]] = {}
    for start, members in cohorts.items():
        by_month: dict[int, int] = defaultdict(int)
        for m, f in mine:
            if m not in members or f.type not in ("order.paid", "order.refunded"):
                continue
            start_at = t0[m]
            if f.occurred_at >= start_at:
                n = _months(_local(start_at).replace(day=1), _local(f.occurred_at).replace(day=1))
                by_month[n] += (f.amount_cents or 0) * (1 if f.type == "order.paid" else -1)
        values: list[float | None] = []
        total = 0
        for n in range(months + 1):
            total += by_month.get(n, 0)
            values.append(total / len(members) if _months(start, current) >= n else None)
        out[start] = (len(members), values)
    average: list[float | None] = []
    for n in range(months + 1):
        grown = [(s, v[n]) for s, v in out.values() if v[n] is not None]
        people = sum(s for s, _ in grown)
        average.append(sum(s * (v or 0) for s, v in grown) / people if people else None)
    return out, average


def test_historic_ltv_by_month_since_joining_on_both_engines(tmp_path: Path) -> None:
    facts = shop(120)
    # a member joining at Shanghai's midnight on the first of October is October's
    facts.append(
        Fact(9_000_001, WS, "member.joined", datetime(2026, 9, 30, 16, 0, tzinfo=UTC), member_id=5001)
    )
    facts.append(
        Fact(
            9_000_002,
            WS,
            "order.paid",
            datetime(2026, 11, 30, 15, 59, tzinfo=UTC),
            member_id=5001,
            amount_cents=777,
        )
    )
    want, average = _plain_historic(facts, 4)
    assert date(2026, 10, 1) in want and any(v[2] for _, v in want.values())
    for reader in readers(tmp_path, facts):
        got = ltv.historic(reader, WS, COHORTS, TODAY, months=4)
        held = {
            c.start: (c.size, [None if v is None else round(v, 6) for v in c.per_member_cents])
            for c in got.cohorts
        }
        assert held == {
            k: (s, [None if v is None else round(v, 6) for v in vs]) for k, (s, vs) in want.items()
        }, reader.dialect
        assert [None if v is None else round(v, 6) for v in got.average] == [
            None if v is None else round(v, 6) for v in average
        ]


# -- a cohort's members (the drill-down) ----------------------------------------------


def test_a_cohorts_members_are_those_who_first_joined_that_month_on_both_engines(tmp_path: Path) -> None:
    facts = shop(120)
    bounds = COHORTS.bounds()
    t0: dict[int, datetime] = {}
    for m, f in [(f.member_id, f) for f in facts if f.workspace_id == WS and f.member_id is not None]:
        if f.type == "member.joined" and (m not in t0 or f.occurred_at < t0[m]):
            t0[m] = f.occurred_at
    want: dict[date, list[int]] = defaultdict(list)
    for m, t in sorted(t0.items()):
        if bounds["start"] <= t < bounds["end"]:
            want[_local(t).replace(day=1)].append(m)
    assert len(want) >= 2
    for reader in readers(tmp_path, facts):
        historic = ltv.historic(reader, WS, COHORTS, TODAY, months=2)
        for c in historic.cohorts:
            got = ltv.cohort_members(reader, WS, COHORTS, c.start)
            assert got == want[c.start] and len(got) == c.size, reader.dialect


# -- through the API -------------------------------------------------------------------


def _store(app: Any, facts: list[Fact]) -> None:
    from yutang.analytics import store

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    with store.connect(path, write=True) as con:
        store.append(con, [f.row() for f in facts])


async def test_customer_value_through_the_api(client: Any, app: Any, tenant: Any) -> None:
    from yutang.analytics.engines import DuckReader

    mine = [replace(f, workspace_id=tenant.id) for f in shop() if f.workspace_id == WS]
    _store(app, mine)
    h = tenant.headers
    r = await client.get("/api/v1/reports/ltv?start=2026-09-15&end=2026-11-30&months=3", headers=h)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["start"] == "2026-09-01" and body["timezone"] == ZONE  # whole months
    direct = ltv.historic(
        DuckReader(app.app.state.settings.resolved_analytics_path()),
        tenant.id,
        COHORTS,
        datetime.now(TZ).date(),
        3,
    )
    assert [(c["start"], c["size"]) for c in body["cohorts"]] == [
        (c.start.isoformat(), c.size) for c in direct.cohorts
    ]
    assert body["cohorts"][0]["ltv_cents"][0] == round(direct.cohorts[0].per_member_cents[0] or 0, 2)
    text = (
        await client.get("/api/v1/reports/ltv?start=2026-09-01&end=2026-11-30&months=2&format=csv", headers=h)
    ).text
    lines = text.lstrip("\ufeff").splitlines()
    assert lines[0] == "cohort,size,month_0,month_1,month_2" and len(lines) == 1 + len(body["cohorts"])

    cohort = body["cohorts"][0]
    cell = await client.get(
        f"/api/v1/reports/ltv/members?start=2026-09-01&end=2026-11-30&cohort={cohort['start']}", headers=h
    )
    assert cell.status_code == 200, cell.text
    assert cell.json()["count"] == cohort["size"]  # (the members are not in the database here)

    q = "as_of=2026-11-20&start=2026-09-01&end=2026-11-30&unit=day&horizon_months=6&discount=0.1"
    r = await client.get(f"/api/v1/reports/ltv/predicted?{q}&limit=5", headers=h)
    assert r.status_code == 200, r.text
    got = r.json()
    want = ltv.predicted(
        DuckReader(app.app.state.settings.resolved_analytics_path()),
        tenant.id,
        AS_OF,
        ZONE,
        COHORTS,
        unit="day",
        horizon_months=6,
        annual_discount=0.1,
    )
    assert got["bgnbd"]["r"] == want.purchases.r and got["gamma_gamma"]["q"] == want.spend.q
    assert got["buyers"] == len(want.members) and sum(b["members"] for b in got["p_alive"]) == got["buyers"]
    assert [m["member_id"] for m in got["members"]["data"]] == [m.member_id for m in want.members[:5]]
    after = (
        await client.get(
            f"/api/v1/reports/ltv/predicted?{q}&limit=5&cursor={got['members']['next_cursor']}", headers=h
        )
    ).json()
    assert [m["member_id"] for m in after["members"]["data"]] == [m.member_id for m in want.members[5:10]]
    assert [c["start"] for c in got["cohorts"]] == [c.start.isoformat() for c in want.cohorts]
    # the buyers of one band of P(alive), as the histogram counts them
    band = max(got["p_alive"], key=lambda b: b["members"])
    alive = await client.get(
        f"/api/v1/reports/ltv/predicted/members?as_of=2026-11-20&unit=day&low={band['low']}&high={band['high']}",
        headers=h,
    )
    assert alive.status_code == 200, alive.text
    assert alive.json()["count"] == band["members"] > 0
    assert band["members"] == sum(
        1
        for m in want.members
        if band["low"] <= m.p_alive < band["high"] or (band["high"] == 1 and m.p_alive == 1)
    )
    for bad in ("unit=year", "horizon_months=0", "discount=2", "months=0"):
        path = "/api/v1/reports/ltv" if bad.startswith("months") else "/api/v1/reports/ltv/predicted"
        assert (await client.get(f"{path}?{bad}", headers=h)).status_code == 422


async def test_too_few_buyers_answer_not_enough_data(
    client: Any, app: Any, engine: Any, tenant: Any, other_tenant: Any
) -> None:
    """Real members and orders, synced: the models refuse to guess from three buyers (a
    clear 422, never a 500), and the historic cohort counts refunds against its month."""
    from tests.factories import member, order, refund
    from yutang.analytics import sync

    path = app.app.state.settings.resolved_analytics_path()
    path.unlink(missing_ok=True)
    ids = [await member(engine, tenant, phone=f"1380014{i:04d}") for i in range(4)]
    paid = await order(engine, tenant, ids[0], 10_000)
    await order(engine, tenant, ids[1], 5_000)
    await order(engine, tenant, ids[2], 2_000)
    await refund(engine, tenant, paid, 1_000)
    await order(engine, other_tenant, await member(engine, other_tenant, phone="13900000001"), 99_999)
    await sync.sync(engine, path)
    h = tenant.headers
    r = await client.get("/api/v1/reports/ltv/predicted", headers=h)
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "not_enough_data" and error["details"] == {"buyers": 3, "repeat_buyers": 0}
    body = (await client.get("/api/v1/reports/ltv?months=1", headers=h)).json()
    assert [(c["size"], c["ltv_cents"][0]) for c in body["cohorts"]] == [
        (4, (10_000 + 5_000 + 2_000 - 1_000) / 4)
    ]
    members = (
        await client.get(f"/api/v1/reports/ltv/members?cohort={body['cohorts'][0]['start']}", headers=h)
    ).json()
    assert members["count"] == 4 and sorted(m["id"] for m in members["data"]) == sorted(ids)


async def test_customer_value_from_the_command_line(
    cli: Any, engine: Any, tenant: Any, tmp_path: Path
) -> None:
    from tests.factories import member, order
    from yutang.analytics import sync
    from yutang.config import get_settings

    ids = [await member(engine, tenant, phone=f"1380016{i:04d}") for i in range(3)]
    await order(engine, tenant, ids[0], 12_300)
    await order(engine, tenant, ids[1], 4_500)
    await sync.sync(engine, get_settings().resolved_analytics_path())
    ws = ["--workspace", tenant.slug]
    shown = await cli("report", "ltv", "-p", "months=2", "--json", *ws)
    assert shown.exit_code == 0, shown.output
    cohort = json.loads(shown.output)["cohorts"][-1]
    assert cohort["size"] == 3 and cohort["ltv_cents"][0] == 5_600.0
    out = tmp_path / "ltv.csv"
    written = await cli("report", "ltv", "-p", "months=1", "--csv", str(out), *ws)
    assert written.exit_code == 0 and out.read_text(encoding="utf-8-sig").startswith(
        "cohort,size,month_0,month_1"
    )
    refused = await cli("report", "ltv-predicted", "-p", "unit=month", *ws)
    assert refused.exit_code == 1 and "not_enough_data" in refused.output
    bad = await cli("report", "ltv-predicted", "-p", "horizon_months=0", *ws)
    assert bad.exit_code == 2

"""The value formula's LTV is the customer-value report's historic LTV: on DuckDB and on
ClickHouse's engine it equals a plain computation of that definition over two and a half
years of generated members (cohorts joined around Shanghai's midnight at a month's turn,
joins recorded twice, refunds inside and after the months read, erased members, another
workspace), and it equals what :func:`yutang.analytics.ltv.historic` — the customer-value
report — says for the same data; a range before any cohort is old enough has no LTV, and
says why. The formula and the what-if are arithmetic on the factors."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.analytics.test_fission import _ks, referrals
from tests.analytics.world import OTHER, WS, ZONE, Fact, readers
from yutang.analytics import ltv as ltv_report
from yutang.analytics import value as value_report
from yutang.analytics.retention import RevenueCohort
from yutang.analytics.revenue import periods
from yutang.analytics.window import Window

TZ = ZoneInfo(ZONE)
#: The first join of the generated members (a Shanghai midnight: 2024-06-01).
FIRST = datetime(2024, 5, 31, 16, 0, tzinfo=UTC)
#: Every cohort of the generated members, for the customer-value report.
ALL_COHORTS = Window(date(2024, 1, 1), date(2026, 12, 31), ZONE)


def shoppers(seed: int = 3, members: int = 160) -> list[Fact]:
    """Members of two workspaces who join from June 2024 to November 2026 (some at
    Shanghai's midnight on the first of a month, some twice), order for up to two years,
    are refunded (some more than a year after the order), some erased (no member id)."""
    rng = random.Random(seed)
    out: list[Fact] = []
    ids = iter(range(500_000, 10**9))
    for m in range(1, members + 1):
        ws = OTHER if m % 6 == 0 else WS
        member: int | None = None if m % 11 == 0 else 20_000 + m  # erased: facts without member
        if m % 9 == 0:  # Shanghai's midnight on the first of a month (UTC: the day before)
            first = date(2024, 6, 1) + timedelta(days=rng.randrange(0, 880))
            joined = datetime.combine(first.replace(day=1), time(), TZ).astimezone(UTC)
            joined += timedelta(minutes=rng.choice([-1, 0]))
        else:
            joined = FIRST + timedelta(days=rng.randrange(0, 900), minutes=rng.randrange(0, 1440))
        out.append(Fact(next(ids), ws, "member.joined", joined, member_id=member))
        if rng.random() < 0.15:  # recorded again later: the first join counts
            out.append(Fact(next(ids), ws, "member.joined", joined + timedelta(days=40), member_id=member))
        at = joined
        for _ in range(rng.randrange(0, 9)):
            at += timedelta(days=rng.randrange(0, 110), minutes=rng.choice([-3, 0, 3, 600]))
            total = rng.randrange(1_000, 80_000)
            out.append(Fact(next(ids), ws, "order.paid", at, member_id=member, amount_cents=total))
            if rng.random() < 0.3:
                later = at + timedelta(days=rng.choice([0, 2, 40, 400]))
                out.append(
                    Fact(
                        next(ids),
                        ws,
                        "order.refunded",
                        later,
                        member_id=member,
                        amount_cents=rng.randrange(1, total),
                    )
                )
    return out


def _local(at: datetime) -> date:
    return at.astimezone(TZ).date()


def _month(at: date) -> int:
    return at.year * 12 + at.month - 1


def plain_ltv(
    facts: list[Fact], as_of: date, months: int
) -> tuple[int, float | None, float | None, int, int]:
    """Members, LTV, its month-0 part, orders and what they paid — written from the
    definition: the members whose join month + ``months`` is a month over by the end of
    ``as_of``; their money from joining to the end of month ``months`` since their join
    month."""
    joined: dict[int, datetime] = {}
    for f in facts:
        if f.workspace_id == WS and f.type == "member.joined" and f.member_id is not None:
            joined[f.member_id] = min(joined.get(f.member_id, f.occurred_at), f.occurred_at)
    over = _month(as_of + timedelta(days=1)) - 1  # the last month over by the end of as_of
    counted = {m: at for m, at in joined.items() if _month(_local(at)) + months <= over}
    net = first = orders = gmv = 0
    for f in facts:
        if f.workspace_id != WS or f.member_id not in counted or f.occurred_at < counted[f.member_id]:
            continue
        sign = {"order.paid": 1, "order.refunded": -1}.get(f.type)
        n = _month(_local(f.occurred_at)) - _month(_local(counted[f.member_id]))
        if sign is None or n > months:
            continue
        net += sign * (f.amount_cents or 0)
        if n == 0:
            first += sign * (f.amount_cents or 0)
        if sign == 1:
            orders += 1
            gmv += f.amount_cents or 0
    size = len(counted)
    return size, net / size if size else None, first / size if size else None, orders, gmv


def plain_customers(facts: list[Fact], until: datetime) -> int:
    return len(
        {
            f.member_id
            for f in facts
            if f.workspace_id == WS
            and f.type == "member.joined"
            and f.member_id is not None
            and f.occurred_at < until
        }
    )


def _close(a: float | None, b: float | None) -> bool:
    return (a is None and b is None) or (a is not None and b is not None and abs(a - b) < 1e-6)


@pytest.mark.parametrize(
    ("period", "months", "first", "last"),
    [
        ("month", 12, date(2025, 1, 1), date(2026, 12, 3)),
        ("week", 6, date(2025, 11, 20), date(2026, 2, 3)),
        ("day", 3, date(2026, 10, 25), date(2026, 11, 5)),
    ],
)
def test_the_ltv_is_the_customer_value_reports_on_both_engines(
    tmp_path: Path, period: str, months: int, first: date, last: date
) -> None:
    window = Window(first, last, ZONE)
    facts = shoppers() + referrals()
    starts = periods(window, period)  # type: ignore[arg-type]
    ks = {p: k for (p, _), k in _ks(facts, period, window).items()}
    want = []
    for n, start in enumerate(starts):
        end = min(starts[n + 1] - timedelta(days=1), last) if n + 1 < len(starts) else last
        until = datetime.combine(end + timedelta(days=1), time(), TZ).astimezone(UTC)
        want.append((start, end, plain_customers(facts, until), plain_ltv(facts, end, months), ks.get(start)))
    # the data is what the test needs: cohorts old enough, money after month `months`
    # and refunds a year later, erased members who bought, another workspace
    assert want[-1][3][0] > 20 and want[-1][3][1] and want[-1][3][2] != want[-1][3][1]
    assert any(f.type == "order.refunded" and f.member_id is None for f in facts)
    assert any(f.workspace_id == OTHER and f.type == "order.paid" for f in facts)
    assert len({w[3][1] for w in want}) > 1  # the LTV moves as cohorts come of age
    for reader in readers(tmp_path, facts):
        rows = value_report.value(reader, WS, window, period, months)  # type: ignore[arg-type]
        assert len(rows) == len(want)
        for row, (start, end, customers, (size, ltv, first_month, orders, gmv), k) in zip(
            rows, want, strict=True
        ):
            assert (row.period, row.as_of, row.customers, row.k) == (start, end, customers, k), reader.dialect
            assert (row.ltv.members, row.ltv.orders, row.ltv.gmv_cents) == (size, orders, gmv), row.as_of
            assert _close(row.ltv_cents, ltv) and _close(row.first_ltv_cents, first_month), row.as_of
            assert row.ltv_missing == (None if ltv is not None else "no_old_cohort")
            # one source: the customer-value report says the same for the same data
            report = ltv_report.historic(reader, WS, ALL_COHORTS, row.ltv.through, months)
            assert row.ltv_cents == report.average[months], (reader.dialect, row.as_of)
            assert row.first_ltv_cents == ltv_report.average(
                [c for c in report.cohorts if c.per_member_cents[months] is not None], 0
            )
            figures = row.figures()
            assert figures["ltv_members"] == size
            if ltv is None:
                assert figures["ltv_cents"] is None and figures["value_cents"] is None
            else:
                assert figures["ltv_cents"] == round(ltv, 2)
                assert figures["value_cents"] == pytest.approx(customers * ltv * (1 + (k or 0)), abs=0.01)


def test_no_cohort_old_enough_is_said_not_zero_on_both_engines(tmp_path: Path) -> None:
    # the first members joined in June 2024: by the end of May 2025 nobody has lived
    # twelve whole months since their join month; by the end of June 2025 June 2024 has
    window = Window(date(2025, 4, 1), date(2025, 7, 15), ZONE)
    facts = shoppers()
    for reader in readers(tmp_path, facts):
        rows = value_report.value(reader, WS, window, "month", 12)
        april, may, june, july = rows
        for row in (april, may):
            assert row.customers > 0 and row.ltv_cents is None and row.ltv_missing == "no_old_cohort"
            assert row.value_cents is None and row.steady_value_cents is None and row.ltv.members == 0
            assert row.figures()["ltv_missing"] == "no_old_cohort"
        assert may.figures()["ltv_joined_through"] == "2024-05-01"
        assert june.ltv_cents is not None and june.ltv.joined_through == date(2024, 6, 1)
        # July is not over on the 15th: still the cohorts old enough by the end of June
        assert july.ltv.through == date(2025, 6, 1) and july.ltv_cents == june.ltv_cents
        assert value_report.what_if(april, aov_change=10).value_cents is None
        # no member at all in the workspace: no LTV either, and no error
        nobody = value_report.value(reader, 99, window, "week", 12)
        assert all(r.customers == 0 and r.ltv_missing == "no_old_cohort" for r in nobody)


def test_another_workspaces_and_erased_members_money_is_not_counted(tmp_path: Path) -> None:
    window = Window(date(2026, 6, 1), date(2026, 6, 30), ZONE)
    facts = shoppers()
    member = next(
        f.member_id for f in facts if f.workspace_id == WS and f.member_id and f.type == "member.joined"
    )
    extra = [  # the same member id's orders in another workspace, and an erased buyer's
        Fact(
            9_000_001,
            OTHER,
            "order.paid",
            datetime(2024, 12, 1, tzinfo=UTC),
            member_id=member,
            amount_cents=9**8,
        ),
        Fact(9_000_002, WS, "order.paid", datetime(2024, 12, 1, tzinfo=UTC), amount_cents=9**8),
        Fact(9_000_003, WS, "member.joined", datetime(2024, 7, 1, tzinfo=UTC)),
    ]
    for reader in readers(tmp_path, facts):
        before = value_report.value(reader, WS, window, "month", 12)[0]
        assert before.ltv.members > 0 and _close(before.ltv_cents, plain_ltv(facts, window.last, 12)[1])
    (tmp_path / "more").mkdir()
    for reader in readers(tmp_path / "more", facts + extra):
        after = value_report.value(reader, WS, window, "month", 12)[0]
        assert (after.customers, after.ltv.members, after.ltv_cents) == (
            before.customers,
            before.ltv.members,
            before.ltv_cents,
        ), reader.dialect


# --- the formula and the what-if: arithmetic -----------------------------------------------


def _row(customers: int = 1_000, k: float | None = 0.25, members: int = 10) -> value_report.ValueRow:
    # LTV 100.00 ¥ a member at month 12: 40.00 in the month they joined, 60.00 after;
    # 40 orders that paid 12,000.00 ¥
    per_member: list[float | None] = [40_000.0, *([70_000.0] * 11), 100_000.0]
    orders = [10] * 12 + [40]
    gmv = [400_000] * 12 + [1_200_000]
    cohorts = [RevenueCohort(date(2025, 10, 1), members, per_member, orders, gmv)] if members else []
    ltv = ltv_report.Settled(date(2026, 11, 30), 12, date(2026, 11, 1), cohorts)
    return value_report.ValueRow(date(2026, 11, 1), date(2026, 11, 30), customers, ltv, k)


def test_the_formula_and_its_factors() -> None:
    row = _row()
    assert row.ltv_cents == 100_000 and row.first_ltv_cents == 40_000 and row.aov_cents == 30_000
    assert row.orders_per_member == 4 and row.ltv.joined_through == date(2025, 11, 1)
    assert row.coefficient == 1.25 and row.value_cents == pytest.approx(1_000 * 100_000 * 1.25)
    assert row.steady_value_cents == pytest.approx(1_000 * 100_000 / 0.75)
    viral = _row(k=1.0)
    assert viral.steady_value_cents is None and viral.value_cents == pytest.approx(2e8)
    assert viral.figures()["steady_value_cents"] is None and viral.figures()["ltv_missing"] is None
    nobody = _row(k=None)
    assert nobody.coefficient == 1 and nobody.figures()["k"] is None
    young = _row(members=0)
    assert young.ltv_cents is None and young.value_cents is None and young.steady_value_cents is None
    assert young.ltv_missing == "no_old_cohort" and young.aov_cents is None


def test_what_if_is_arithmetic_on_the_factors() -> None:
    row = _row()
    same = value_report.what_if(row)
    assert same.value_cents == pytest.approx(row.value_cents) and same.k == 0.25
    k_up = value_report.what_if(row, k_change=20)  # K 0.25 → 0.30
    assert k_up.k == pytest.approx(0.30) and k_up.value_cents == pytest.approx(1_000 * 100_000 * 1.30)
    assert k_up.steady_value_cents == pytest.approx(1_000 * 100_000 / 0.70)
    kept = value_report.what_if(row, retention_change=10)  # 40 + 60 × 1.1 = 106 ¥
    assert kept.ltv_cents == pytest.approx(106_000) and kept.value_cents == pytest.approx(
        1_000 * 106_000 * 1.25
    )
    basket = value_report.what_if(row, aov_change=-10)  # every order 10 % smaller
    assert basket.ltv_cents == pytest.approx(90_000)
    both = value_report.what_if(row, k_change=-100, retention_change=-50, aov_change=50)
    assert both.k == 0 and both.ltv_cents == pytest.approx((40_000 + 30_000) * 1.5)
    assert both.value_cents == pytest.approx(1_000 * 105_000)
    tipped = value_report.what_if(row, k_change=300)  # K 1.0: no steady state
    assert tipped.k == 1.0 and tipped.steady_value_cents is None and tipped.value_cents is not None
    assert value_report.what_if(_row(members=0), aov_change=10).value_cents is None
    assert value_report.baseline(row).value_cents == pytest.approx(row.value_cents)

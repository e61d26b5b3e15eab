"""The whole referral story end to end, over HTTP: a seed member shares, friends click
the personal link and join on their own phones, a device farm is held, a ring is
caught, stages pay once, and the figures add up."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.referrals.conftest import campaign_data, device
from yutang.kit.db import unit_of_work
from yutang.models.loyalty import PointsEntry
from yutang.models.members import Member
from yutang.models.referrals import Invitation


async def _points(engine: AsyncEngine, member_id: int) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        m = await s.get(Member, member_id)
        assert m is not None
        return m.points_balance


async def _friend_joins(app: Any, tenant: Tenant, short_url: str, phone: str, ip: str) -> httpx.AsyncClient:
    async with device(app, tenant.host, ip) as phone_client:
        slug = short_url.rsplit("/", 1)[1]
        hop = await phone_client.get(f"/{slug}")
        assert hop.status_code == 302, hop.text
        landing = hop.headers["location"]
        assert "/invite/" in landing
        page = await phone_client.get(landing)
        assert page.status_code == 200 and "邀请你加入" in page.text
        done = await phone_client.post(landing, data={"phone": phone, "name": "好友", "consent": "yes"})
        assert done.status_code == 200, done.text
        return phone_client


async def test_a_seed_member_grows_the_pond(
    client: httpx.AsyncClient, app: Any, engine: AsyncEngine, tenant: Tenant
):
    h = tenant.headers
    made = await client.post(
        "/api/v1/referrals/campaigns",
        json=campaign_data(
            goal={"kind": "order", "min_total_cents": 5000, "first_order": True},
            invitee_rewards=[{"kind": "points", "amount": 20}],
        ),
        headers=h,
    )
    assert made.status_code == 201, made.text
    campaign = made.json()
    assert campaign["live"] and [s["threshold"] for s in campaign["stages"]] == [2, 3]

    seed = (
        await client.post("/api/v1/members", json={"phone": "13800000001", "name": "王小明"}, headers=h)
    ).json()
    # The seed member is also a distributor (a KOL the operator approved): 10 % and 5 %.
    plan = await client.post(
        "/api/v1/distribution/plans",
        json={"name": "全店", "kind": "percent", "rates": [1000, 500]},
        headers=h,
    )
    assert plan.status_code == 201, plan.text
    kol = await client.post("/api/v1/distribution/distributors", json={"member_id": seed["id"]}, headers=h)
    assert kol.status_code == 201, kol.text
    kit = await client.post(
        f"/api/v1/referrals/campaigns/{campaign['id']}/participants",
        json={"member_id": seed["id"]},
        headers=h,
    )
    assert kit.status_code == 201, kit.text
    kit_body = kit.json()
    assert kit_body["display_name"] == "王**" and kit_body["short_url"].startswith(f"http://{tenant.host}/")
    again = await client.post(
        f"/api/v1/referrals/campaigns/{campaign['id']}/participants",
        json={"member_id": seed["id"]},
        headers=h,
    )
    assert again.status_code == 200 and again.json()["code"] == kit_body["code"]

    # Three friends, three phones.
    for n in range(1, 4):
        await _friend_joins(app, tenant, kit_body["short_url"], f"1390000000{n}", f"198.51.100.{n}")
    # A fourth "friend" on the third friend's phone: a device farm.
    async with device(app, tenant.host, "198.51.100.3") as farm:
        slug = kit_body["short_url"].rsplit("/", 1)[1]
        landing = (await farm.get(f"/{slug}")).headers["location"]
        await farm.get(landing)
        await farm.post(landing, data={"phone": "13900000004"})
        await farm.post(landing, data={"phone": "13900000005"})
    await run_events(engine)

    invs = (await client.get(f"/api/v1/referrals/campaigns/{campaign['id']}/invitations", headers=h)).json()[
        "data"
    ]
    by_status: dict[str, int] = {}
    for inv in invs:
        by_status[inv["status"]] = by_status.get(inv["status"], 0) + 1
    assert by_status == {"joined": 4, "held": 1}, invs
    held = next(i for i in invs if i["status"] == "held")
    assert held["reasons"] == ["shared_device"]

    # Friends place their first orders; two of them cross the goal, one is too small.
    friends = sorted(i["invitee_id"] for i in invs if i["status"] == "joined")
    for n, (friend, total) in enumerate(zip(friends, (8800, 5000, 4999, 9900), strict=True)):
        r = await client.post(
            "/api/v1/orders",
            json={
                "external_id": f"O-{n}",
                "member_id": friend,
                "total_cents": total,
                "paid_at": datetime.now(UTC).isoformat(),
            },
            headers=h,
        )
        assert r.status_code == 201, r.text
    await run_events(engine)
    assert await _points(engine, seed["id"]) == 100 + 300  # stages 2 and 3, once each
    # Friends who joined through the seed's link are the seed's customers: 10 % of each order.
    seed_dist = (await client.get(f"/api/v1/distribution/distributors/{kol.json()['id']}", headers=h)).json()
    assert seed_dist["pending_cents"] == 880 + 500 + 499 + 990
    progress = (
        await client.get(f"/api/v1/referrals/participants/{kit_body['id']}/progress?lang=en", headers=h)
    ).json()
    assert (
        progress["counted"] == 3
        and progress["pending"] == 2
        and progress["summary"] == "3 qualified, 2 pending"
    )
    assert [s["paid"] for s in progress["stages"]] == [True, True]
    assert await _points(engine, friends[0]) == 20  # the invitee's welcome reward

    # Redelivering everything pays nothing twice.
    async with unit_of_work(engine=engine) as s:
        from sqlalchemy import delete

        from yutang.models.platform import EventReceipt, OutboxEvent

        await s.execute(delete(EventReceipt))
        for ev in (await s.scalars(select(OutboxEvent))).all():
            ev.dispatched_at = None
    await run_events(engine)
    assert await _points(engine, seed["id"]) == 400

    # A ring: the first friend takes part and the seed member claims the friend's code.
    friend_kit = (
        await client.post(
            f"/api/v1/referrals/campaigns/{campaign['id']}/participants",
            json={"member_id": friends[0]},
            headers=h,
        )
    ).json()
    ring = await client.post(
        f"/api/v1/referrals/campaigns/{campaign['id']}/claims",
        json={"member_id": seed["id"], "code": friend_kit["code"]},
        headers=h,
    )
    assert ring.status_code == 200, ring.text
    assert ring.json()["status"] == "rejected"
    assert set(ring.json()["reasons"]) == {"known_member", "invite_ring"}

    # The operator rejects the farm's invitation: it never pays.
    rejected = await client.post(
        f"/api/v1/referrals/invitations/{held['id']}/review", json={"decision": "reject"}, headers=h
    )
    assert rejected.json()["status"] == "rejected"
    again = await client.post(
        f"/api/v1/referrals/invitations/{held['id']}/review", json={"decision": "approve"}, headers=h
    )
    assert again.status_code == 409 and again.json()["error"]["code"] == "invitation_not_held"

    await app.clicks.flush()
    fig = (await client.get(f"/api/v1/referrals/campaigns/{campaign['id']}/figures", headers=h)).json()
    assert fig["participants"] == 2 and fig["seed_participants"] == 1
    assert fig["shares"] == 4  # four human clicks on the seed's link
    assert fig["joined"] == 6 and fig["new_members"] == 5  # the ring's claim is not a new member
    assert fig["qualified"] == 3 and fig["rewarded"] == 3
    assert fig["rejected_by_reason"] == {
        "invite_ring": 1,
        "known_member": 1,
        "rejected_by_review": 1,
        "shared_device": 1,
    }
    assert fig["fission_rate"] == 5.0 and fig["k_factor"] == 1.5
    # 400 stage points + 3 × 20 welcome points at 1 cent a point.
    assert fig["reward_cost_cents"] == 460 and fig["cost_per_new_member_cents"] == 92
    assert fig["tree_depth"] == 1
    csv_text = (
        await client.get(f"/api/v1/referrals/campaigns/{campaign['id']}/figures?format=csv", headers=h)
    ).content.decode("utf-8-sig")
    assert csv_text.splitlines()[0].startswith("campaign_id,participants,")

    board = (await client.get(f"/api/v1/referrals/campaigns/{campaign['id']}/leaderboard", headers=h)).json()[
        "data"
    ]
    assert board == [{"rank": 1, "member_id": seed["id"], "display_name": "王**", "counted": 3}]

    # Two levels of commission: the first friend becomes a distributor under the seed, a
    # new customer buys through the friend's code; a refund reverses both levels in part.
    friend_dist = await client.post(
        "/api/v1/distribution/distributors", json={"member_id": friends[0]}, headers=h
    )
    assert friend_dist.json()["parent_id"] == kol.json()["id"]
    buyer = (await client.post("/api/v1/members", json={"phone": "13700000001"}, headers=h)).json()
    bound = await client.post(
        "/api/v1/distribution/bindings",
        json={"member_id": buyer["id"], "code": friend_dist.json()["code"]},
        headers=h,
    )
    assert bound.status_code == 200, bound.text
    placed = await client.post(
        "/api/v1/orders",
        json={
            "external_id": "O-two-levels",
            "member_id": buyer["id"],
            "total_cents": 10_000,
            "paid_at": datetime.now(UTC).isoformat(),
        },
        headers=h,
    )
    await run_events(engine)
    order_id = placed.json()["id"]
    paid = (await client.get(f"/api/v1/distribution/commissions?order_id={order_id}", headers=h)).json()[
        "data"
    ]
    assert sorted((c["level"], c["distributor_id"], c["amount_cents"]) for c in paid) == [
        (1, friend_dist.json()["id"], 1000),
        (2, kol.json()["id"], 500),
    ]
    back = await client.post(
        f"/api/v1/orders/{order_id}/refunds", json={"external_id": "R-1", "amount_cents": 4_000}, headers=h
    )
    assert back.status_code == 201, back.text
    await run_events(engine)
    paid = (await client.get(f"/api/v1/distribution/commissions?order_id={order_id}", headers=h)).json()[
        "data"
    ]
    assert sorted((c["level"], c["reversed_cents"]) for c in paid) == [(1, 400), (2, 200)]
    overall = (await client.get("/api/v1/distribution/figures/overall", headers=h)).json()
    assert overall["reversed_cents"] == 600

    # The member's own page and poster.
    async with device(app, tenant.host, "198.51.100.9") as own:
        path = kit_body["progress_url"].split(tenant.host, 1)[1]
        page = await own.get(path)
        assert page.status_code == 200 and "已邀请 3 人" in page.text
        png = await own.get(path + "/poster.png")
        assert png.status_code == 200 and png.content[:8] == b"\x89PNG\r\n\x1a\n"
    entries = await _entries_by_reason(engine, seed["id"])
    assert sorted(entries) == ["邀请好友领好礼: 三位好友", "邀请好友领好礼: 两位好友"]


async def _entries_by_reason(engine: AsyncEngine, member_id: int) -> list[str]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        rows = await s.scalars(select(PointsEntry.reason).where(PointsEntry.member_id == member_id))
        return list(rows.all())


async def _invitations(engine: AsyncEngine) -> list[Invitation]:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return list((await s.scalars(select(Invitation).order_by(Invitation.id))).all())

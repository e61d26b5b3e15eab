"""Bad input gets a stable code and changes nothing; the share kit; the CLI; posters."""

from __future__ import annotations

import io
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, add_key
from tests.factories import in_tx, member
from tests.referrals.conftest import campaign_data, device, make_campaign, take_part
from tests.test_cli import cli_env, invoke
from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.kit.errors import BadRequest
from yutang.links import addresses
from yutang.models.base import utcnow
from yutang.models.platform import AuditEntry
from yutang.models.referrals import Invitation, ReferralCampaign, ReferralParticipant, ReferralStage
from yutang.referrals import poster, service

__all__ = ["cli_env"]
API = "/api/v1/referrals"


async def _count(engine: AsyncEngine, model: Any) -> int:
    async with unit_of_work(readonly=True, engine=engine) as s:
        return int(await s.scalar(select(func.count()).select_from(model)) or 0)


def _code(r: httpx.Response) -> str:
    return str(r.json()["error"]["code"])


@pytest.mark.parametrize(
    ("change", "where"),
    [
        ({"stages": [{"threshold": 2, "rewards": [{"kind": "points"}]}]}, "amount"),
        ({"stages": [{"threshold": 2, "rewards": [{"kind": "points", "amount": 1}]}] * 2}, "same threshold"),
        ({"ends_at": (utcnow() - timedelta(days=30)).isoformat()}, "ends_at"),
        ({"goal": {"kind": "event"}}, "event_type"),
        ({"goal": {"kind": "event", "event_type": "invitation.qualified"}}, "own events"),
        ({"stages": []}, "stages"),
    ],
)
async def test_invalid_campaigns_are_refused(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine, change, where
):
    r = await client.post(f"{API}/campaigns", json=campaign_data(**change), headers=tenant.headers)
    assert r.status_code == 422 and where in r.text
    assert await _count(engine, ReferralCampaign) == 0


async def test_unknown_references_are_refused(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    bad = campaign_data(stages=[{"threshold": 1, "rewards": [{"kind": "coupon", "template_id": 999}]}])
    r = await client.post(f"{API}/campaigns", json=bad, headers=tenant.headers)
    assert r.status_code == 404 and _code(r) == "unknown_coupon_template"
    r = await client.post(
        f"{API}/campaigns", json=campaign_data(eligibility={"segment_id": 5}), headers=tenant.headers
    )
    assert _code(r) == "unknown_segment"
    assert await _count(engine, ReferralCampaign) == 0


async def _template(engine: AsyncEngine, tenant: Tenant) -> int:
    async def make(ctx: Ctx) -> int:
        tpl = await coupons.create_template(
            ctx, {"name": "20元券", "kind": "amount_off", "value": 2000, "valid_days": 30}
        )
        return tpl.id

    return await in_tx(engine, tenant, make)


async def test_the_rules_change_until_someone_takes_part(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
):
    cid = await make_campaign(engine, tenant)
    url = f"{API}/campaigns/{cid}"
    before = (await client.get(url, headers=tenant.headers)).json()
    tpl, theirs = await _template(engine, tenant), await _template(engine, other_tenant)
    starts = (utcnow() + timedelta(hours=2)).replace(microsecond=0)
    rules: dict[str, Any] = {
        "starts_at": starts.isoformat(),
        "stages": [
            {"threshold": 5, "name": "五位", "rewards": [{"kind": "wallet", "amount": 800}]},
            {
                "threshold": 1,
                "name": "首位",
                "rewards": [{"kind": "points", "amount": 50}, {"kind": "coupon", "template_id": tpl}],
            },
        ],
        "invitee_rewards": [{"kind": "coupon", "template_id": tpl}],
        "goal": {"kind": "order", "min_total_cents": 5000},
        "goal_days": 10,
        "max_per_inviter": 20,
    }
    # Refused as on creation, writing nothing: thresholds, another workspace's template.
    for bad, status in (
        ({"name": "改", "stages": [rules["stages"][0]] * 2}, 422),
        ({"stages": []}, 422),
        (
            {
                "name": "改",
                "stages": [{"threshold": 1, "rewards": [{"kind": "coupon", "template_id": theirs}]}],
            },
            404,
        ),
        ({"name": "改", "invitee_rewards": [{"kind": "coupon", "template_id": theirs}]}, 404),
        ({"name": "改", "starts_at": (utcnow() + timedelta(days=30)).isoformat()}, 422),
    ):
        r = await client.patch(url, json=bad, headers=tenant.headers)
        assert r.status_code == status, (bad, r.text)
        if status == 404:
            assert r.json()["error"]["details"]["field"] in ("stages[0].rewards[0]", "invitee_rewards[0]")
    assert (await client.get(url, headers=tenant.headers)).json() == before
    r = await client.patch(url, json=rules, headers=tenant.headers)
    assert r.status_code == 200, r.text
    got = (await client.get(url, headers=tenant.headers)).json()
    assert [(s["threshold"], [x["kind"] for x in s["rewards"]]) for s in got["stages"]] == [
        (1, ["points", "coupon"]),
        (5, ["wallet"]),
    ]
    assert got["invitee_rewards"] == [{"kind": "coupon", "template_id": tpl}]
    assert (got["goal"]["min_total_cents"], got["goal_days"], got["max_per_inviter"]) == (5000, 10, 20)
    assert got["starts_at"].startswith(starts.astimezone(UTC).isoformat()[:19])
    assert await _count(engine, ReferralStage) == 2  # the old stages are gone, not beside
    async with unit_of_work(readonly=True, engine=engine) as s:
        audited = (
            await s.scalars(select(AuditEntry).where(AuditEntry.action == "referral_campaign.updated"))
        ).all()
    assert len(audited) == 1
    # Someone takes part: the rules are refused with the field named, the rest still changes.
    await client.patch(
        url, json={"starts_at": (utcnow() - timedelta(hours=1)).isoformat()}, headers=tenant.headers
    )
    await take_part(engine, tenant, cid, await member(engine, tenant, "13800000001"))
    now = (await client.get(url, headers=tenant.headers)).json()
    r = await client.patch(
        url,
        json={"name": "改名", "stages": rules["stages"][:1], "max_per_inviter": None},
        headers=tenant.headers,
    )
    assert r.status_code == 409 and _code(r) == "campaign_started"
    assert r.json()["error"]["details"]["fields"] == ["stages", "max_per_inviter"]
    assert (await client.get(url, headers=tenant.headers)).json() == now
    r = await client.patch(url, json={"name": "改名", "fraud": {"ip_limit": 2}}, headers=tenant.headers)
    assert r.status_code == 200 and r.json()["name"] == "改名" and r.json()["stages"] == now["stages"]


async def test_an_analyst_cannot_run_campaigns(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    analyst = await add_key(engine, tenant, "analyst")
    r = await client.post(f"{API}/campaigns", json=campaign_data(), headers=analyst)
    assert r.status_code == 403
    cid = await make_campaign(engine, tenant)
    assert (await client.get(f"{API}/campaigns/{cid}/figures", headers=analyst)).status_code == 200


async def test_joining_unknown_or_ended_campaigns(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
):
    seed = await member(engine, tenant, "13800000001")
    r = await client.post(
        f"{API}/campaigns/999/participants", json={"member_id": seed}, headers=tenant.headers
    )
    assert r.status_code == 404 and _code(r) == "unknown_campaign"
    cid = await make_campaign(engine, tenant)
    _, code = await take_part(engine, tenant, cid, seed)
    ended = await client.patch(f"{API}/campaigns/{cid}", json={"status": "ended"}, headers=tenant.headers)
    assert ended.json()["live"] is False
    friend = await member(engine, tenant, "13900000001")
    r = await client.post(
        f"{API}/campaigns/{cid}/participants", json={"member_id": friend}, headers=tenant.headers
    )
    assert r.status_code == 409 and _code(r) == "campaign_ended"
    r = await client.post(
        f"{API}/campaigns/{cid}/claims", json={"member_id": friend, "code": code}, headers=tenant.headers
    )
    assert r.status_code == 409 and _code(r) == "campaign_ended"
    later = campaign_data(starts_at=(utcnow() + timedelta(days=1)).isoformat())
    cid2 = (await client.post(f"{API}/campaigns", json=later, headers=tenant.headers)).json()["id"]
    r = await client.post(
        f"{API}/campaigns/{cid2}/participants", json={"member_id": friend}, headers=tenant.headers
    )
    assert _code(r) == "campaign_not_started"
    assert await _count(engine, ReferralParticipant) == 1 and await _count(engine, Invitation) == 0


async def test_claims_that_are_not_theirs(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    cid = await make_campaign(engine, tenant)
    a = await member(engine, tenant, "13800000001")
    b = await member(engine, tenant, "13800000002")
    pa, code_a = await take_part(engine, tenant, cid, a)
    _, code_b = await take_part(engine, tenant, cid, b)
    friend = await member(engine, tenant, "13900000001")
    h = tenant.headers
    r = await client.post(
        f"{API}/campaigns/{cid}/claims", json={"member_id": friend, "code": "NOPE1234"}, headers=h
    )
    assert r.status_code == 404 and _code(r) == "unknown_invite_code"
    first = await client.post(
        f"{API}/campaigns/{cid}/claims", json={"member_id": friend, "code": code_a}, headers=h
    )
    assert first.status_code == 200
    same = await client.post(
        f"{API}/campaigns/{cid}/claims", json={"member_id": friend, "code": code_a}, headers=h
    )
    assert same.json()["id"] == first.json()["id"]  # asking again changes nothing
    r = await client.post(
        f"{API}/campaigns/{cid}/claims", json={"member_id": friend, "code": code_b}, headers=h
    )
    assert r.status_code == 409 and _code(r) == "already_invited"

    # A clicked invitation that another member already holds.
    async def clicked(ctx: Ctx) -> int:
        inv = await service.record_visit(ctx, await service.get_participant(ctx, pa), "phone-x", None)
        assert inv is not None
        return inv.id

    inv_id = await in_tx(engine, tenant, clicked)
    joiner = await member(engine, tenant, "13900000002")
    other = await member(engine, tenant, "13900000003")
    ok = await client.post(f"{API}/invitations/{inv_id}/claim", json={"member_id": joiner}, headers=h)
    assert ok.status_code == 200 and ok.json()["invitee_id"] == joiner
    r = await client.post(f"{API}/invitations/{inv_id}/claim", json={"member_id": other}, headers=h)
    assert r.status_code == 409 and _code(r) == "invitation_taken"
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (
            await s.scalar(select(func.count()).select_from(Invitation).where(Invitation.invitee_id == other))
            == 0
        )


async def test_eligibility_by_tier(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine):
    async def tier(ctx: Ctx) -> int:
        from yutang.loyalty import tiers

        return (await tiers.create_tier(ctx, "金卡", 1, 100, {})).id

    tier_id = await in_tx(engine, tenant, tier)
    cid = await make_campaign(engine, tenant, eligibility={"tier_ids": [tier_id]})
    plain = await member(engine, tenant, "13800000001")
    r = await client.post(
        f"{API}/campaigns/{cid}/participants", json={"member_id": plain}, headers=tenant.headers
    )
    assert r.status_code == 403 and _code(r) == "not_eligible"


def test_the_poster_font_draws_chinese():
    face = poster.font(48)
    notdef = face.getmask("\U000f0000")  # a private-use code point: the font's "missing" glyph
    for ch in "邀请好友领好礼":
        glyph = face.getmask(ch)
        assert glyph.getbbox() is not None
        assert (glyph.size, bytes(glyph)) != (notdef.size, bytes(notdef)), ch


async def test_share_kit_and_poster_art(
    client: httpx.AsyncClient, app: Any, tenant: Tenant, engine: AsyncEngine
):
    cid = await make_campaign(engine, tenant, poster={"title": "春季邀友季", "color": "#aa3355"})
    seed = await member(engine, tenant, "13800000001", name="李雷")
    kit = (
        await client.post(
            f"{API}/campaigns/{cid}/participants",
            json={"member_id": seed, "display_name": "雷哥"},
            headers=tenant.headers,
        )
    ).json()
    assert kit["display_name"] == "雷哥" and len(kit["code"]) == 8
    assert kit["progress_url"].startswith(f"http://{tenant.host}/invite/me/")
    png = await client.get(kit["poster_url"], headers=tenant.headers)
    img = Image.open(io.BytesIO(png.content))
    assert png.headers["content-type"] == "image/png" and img.size == (750, 1334)
    assert img.convert("RGB").getpixel((5, 0)) == (0xAA, 0x33, 0x55)  # the campaign's colour at the top

    hits = poster.CACHE.hits
    again = await client.get(kit["poster_url"], headers=tenant.headers)
    assert again.headers["etag"] == png.headers["etag"] and poster.CACHE.hits == hits + 1
    async with device(app, tenant.host, "198.51.100.1") as phone:
        path = kit["progress_url"].split(tenant.host, 1)[1] + "/poster.png"
        fresh = await phone.get(path, headers={"if-none-match": png.headers["etag"]})
        assert fresh.status_code == 304 and not fresh.content

    bad = await client.put(f"{API}/campaigns/{cid}/art", content=b"not a picture", headers=tenant.headers)
    assert bad.status_code == 400 and _code(bad) == "invalid_art"
    art = io.BytesIO()
    Image.new("RGB", (300, 500), (10, 200, 30)).save(art, format="JPEG")
    ok = await client.put(f"{API}/campaigns/{cid}/art", content=art.getvalue(), headers=tenant.headers)
    assert ok.status_code == 200 and ok.json()["has_art"] is True
    redrawn = await client.get(kit["poster_url"], headers=tenant.headers)
    assert redrawn.headers["etag"] != png.headers["etag"]
    with_art = Image.open(io.BytesIO(redrawn.content))
    pixel = with_art.convert("RGB").getpixel((5, 1300))
    assert isinstance(pixel, tuple) and pixel[1] > 150 and pixel[0] < 60  # the green art shows below the card


def test_links_may_lead_to_the_member_pages_of_their_own_domain():
    own = {"go.acme.test"}
    assert addresses.check_destination("http://go.acme.test/invite/Ab3dEf7x", own)
    assert addresses.check_destination("https://go.acme.test/join", own)
    with pytest.raises(BadRequest) as loop:
        addresses.check_destination("http://go.acme.test/abc", own)
    assert loop.value.code == "destination_loop"


async def test_cli_figures(cli_env: str, engine: AsyncEngine, tenant: Tenant, tmp_path: Path):
    cid = await make_campaign(engine, tenant)
    seed = await member(engine, tenant, "13800000001")
    await take_part(engine, tenant, cid, seed)
    listed = await invoke("referrals", "campaigns")
    assert listed.exit_code == 0 and "邀请好友领好礼" in listed.output
    shown = await invoke("referrals", "figures")
    assert shown.exit_code == 0 and str(cid) in shown.output
    out = tmp_path / "f.csv"
    written = await invoke("referrals", "figures", str(cid), "--csv", str(out))
    assert written.exit_code == 0
    lines = out.read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("campaign_id,participants,seed_participants")
    assert lines[1].startswith(f"{cid},1,1,")

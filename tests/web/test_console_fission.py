"""裂变 Fission in the console: a campaign made from the form is the campaign the API
would make; the funnel's steps never increase and are words; the review queue decides
many held invitations, each in its own transaction, and the roles hold."""

from __future__ import annotations

import io
import re

import httpx
from PIL import Image
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.conftest import Tenant, run_events
from tests.factories import in_tx, member
from tests.referrals.conftest import make_campaign, take_part
from tests.referrals.test_rules import attach
from tests.web import browser
from yutang.coupons import service as coupons
from yutang.kit.context import Ctx
from yutang.kit.db import unit_of_work
from yutang.models.base import utcnow
from yutang.models.referrals import Invitation
from yutang.web.i18n.errors import ERROR_WORDS


async def _sign_in(
    client: httpx.AsyncClient, engine: AsyncEngine, tenant: Tenant, role: str = "operator"
) -> None:
    await browser.make_user(engine, tenant.id, f"{role}@acme.example", role)
    client.cookies.clear()
    assert (await browser.login(client, f"{role}@acme.example")).status_code == 303


async def _template(engine: AsyncEngine, tenant: Tenant) -> int:
    async def make(ctx: Ctx) -> int:
        tpl = await coupons.create_template(
            ctx, {"name": "30元券", "kind": "amount_off", "value": 3000, "valid_days": 30}
        )
        return tpl.id

    return await in_tx(engine, tenant, make)


async def _held(engine: AsyncEngine, tenant: Tenant, friends: int) -> tuple[int, list[int]]:
    """A campaign whose anti-fraud rule holds every friend after the first (one IP)."""
    cid = await make_campaign(engine, tenant, fraud={"ip_limit": 1}, goal={"kind": "join"})
    seed = await member(engine, tenant, "13800000001")
    pid, _ = await take_part(engine, tenant, cid, seed)
    held = []
    for n in range(friends):
        friend = await member(engine, tenant, f"1390000{n:04d}")
        inv = await attach(engine, tenant, cid, pid, friend, ip_hash="one-ip")
        if inv.status == "held":
            held.append(inv.id)
    return cid, held


async def test_a_campaign_from_the_form_is_the_campaign_the_api_makes(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _sign_in(client, engine, tenant)
    tpl = await _template(engine, tenant)
    form = {
        "name": "邀 3 位好友得咖啡",
        "starts_at": "2030-01-01T00:00",
        "ends_at": "2030-01-15T00:00",
        "goal.kind": "order",
        "goal.min_total": "99.5",
        "goal.first_order": "on",
        "goal_days": "14",
        "stages.0.threshold": "1",
        "stages.0.name": "第一位",
        "stages.0.rewards.0.kind": "points",
        "stages.0.rewards.0.amount": "100",
        "stages.0.rewards.1.kind": "coupon",
        "stages.0.rewards.1.ref": f"coupon:{tpl}",
        "stages.0.rewards.2.kind": "",  # an empty row: ignored
        "stages.1.threshold": "3",
        "stages.1.rewards.0.kind": "wallet",
        "stages.1.rewards.0.amount": "500",
        "invitee_rewards.0.kind": "points",
        "invitee_rewards.0.amount": "50",
        "fraud.ip_limit": "2",
        "poster.title": "一起喝咖啡",
        "poster.color": "#aa3300",
    }
    r = await browser.post(
        client, "/console/fission/campaigns/new", form, page="/console/fission/campaigns/new"
    )
    assert r.status_code == 303, r.text[:500]
    cid = int(r.headers["location"].split("/")[4].split("?")[0])
    api = (await client.get(f"/api/v1/referrals/campaigns/{cid}", headers=tenant.headers)).json()
    assert api["name"] == "邀 3 位好友得咖啡" and api["starts_at"].startswith("2029-12-31T16:00")  # Shanghai
    assert (
        api["goal"]["kind"] == "order"
        and api["goal"]["min_total_cents"] == 9950
        and api["goal"]["first_order"]
    )
    assert [s["rewards"] for s in api["stages"]] == [
        [{"kind": "points", "amount": 100}, {"kind": "coupon", "template_id": tpl}],
        [{"kind": "wallet", "amount": 500}],
    ]
    assert api["invitee_rewards"][0] == {**api["invitee_rewards"][0], "kind": "points", "amount": 50}
    assert api["fraud"]["ip_limit"] == 2 and api["poster"]["color"] == "#aa3300"
    page = await client.get(f"/console/fission/campaigns/{cid}")
    assert page.status_code == 200 and "发起的邀请" in page.text and "已开启" in page.text
    assert "30元券" in page.text  # a coupon reward by its template's name
    preview = await client.get(
        f"/console/fission/campaigns/{cid}/poster-preview.png?title=新标题&color=%23112233"
    )
    assert (
        preview.headers["content-type"] == "image/png"
        and Image.open(io.BytesIO(preview.content)).size[0] > 500
    )


async def test_a_refused_campaign_form_keeps_nothing_and_says_why(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    await _sign_in(client, engine, tenant)
    bad = {
        "name": "x",
        "starts_at": "2030-01-15T00:00",
        "ends_at": "2030-01-01T00:00",
        "stages.0.threshold": "0",
        "stages.0.rewards.0.kind": "points",
        "stages.0.rewards.0.amount": "10",
    }
    r = await browser.post(
        client, "/console/fission/campaigns/new", bad, page="/console/fission/campaigns/new"
    )
    assert r.status_code == 422 and 'role="alert"' in r.text and 'value="x"' in r.text
    no_stage = await browser.post(
        client,
        "/console/fission/campaigns/new",
        {"name": "y", "starts_at": "2030-01-01T00:00", "ends_at": "2030-01-15T00:00"},
        page="/console/fission/campaigns/new",
    )
    assert no_stage.status_code == 422 and "至少需要 1 项" in no_stage.text
    assert (await client.get("/api/v1/referrals/campaigns", headers=tenant.headers)).json()["data"] == []


async def test_the_funnel_never_increases_and_is_in_words(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    cid, held = await _held(engine, tenant, 6)  # claimed by code: no clicks, all joined
    assert len(held) == 5
    await _sign_in(client, engine, tenant)
    for lang, words in (("zh-CN", "发起的邀请"), ("en", "Invitations started")):
        page = await client.get(f"/console/fission/campaigns/{cid}?lang={lang}")
        steps = re.findall(
            r'<tr><td>([^<]+)</td><td class="n">([\d,]+)</td>', page.text.split('class="funnel"')[1]
        )
        counts = [int(n.replace(",", "")) for _, n in steps[:4]]
        assert steps[0][0] == words and counts == sorted(counts, reverse=True) and counts[0] == 6, steps
    assert "shared_ip" not in page.text.split("<main", 1)[1]


async def test_the_review_queue_decides_many_at_once(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    _cid, held = await _held(engine, tenant, 9)
    assert len(held) == 8
    await _sign_in(client, engine, tenant)
    queue = await client.get("/console/fission/review")
    assert all(f'value="{i}"' in queue.text for i in held) and "同一 IP 多次受邀" in queue.text
    r = await browser.post(
        client,
        "/console/fission/review",
        {"invitation_id": [str(i) for i in held[:5]], "decision": "approve", "note": "人工核实"},
        page="/console/fission/review",
    )
    assert r.status_code == 303 and "done=approve:5:0" in r.headers["location"]
    r = await browser.post(
        client,
        "/console/fission/review",
        {"invitation_id": [str(i) for i in held[3:]], "decision": "reject"},
        page="/console/fission/review",
    )
    # Two of them were approved a moment ago: skipped, the three others rejected.
    assert r.status_code == 303 and "done=reject:3:2" in r.headers["location"]
    await run_events(engine)
    async with unit_of_work(readonly=True, engine=engine) as s:
        statuses = dict(
            (await s.execute(select(Invitation.id, Invitation.status).where(Invitation.id.in_(held)))).all()
        )
    assert [statuses[i] for i in held] == ["joined"] * 5 + ["rejected"] * 3 or all(
        statuses[i] in ("joined", "qualified", "rewarded") for i in held[:5]
    )
    assert [statuses[i] for i in held[5:]] == ["rejected"] * 3
    # Another workspace's invitation among the ticked: refused before anything is decided.
    _, theirs = await _held(engine, other_tenant, 2)
    mine_left = [i for i in held if statuses[i] == "held"]
    refused = await browser.post(
        client,
        "/console/fission/review",
        {"invitation_id": [str(theirs[0]), *map(str, mine_left)], "decision": "approve"},
        page="/console/fission/review",
    )
    assert refused.status_code == 404
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (await s.get(Invitation, theirs[0])).status == "held"  # type: ignore[union-attr]


async def test_fission_roles(client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine) -> None:
    cid, held = await _held(engine, tenant, 3)
    await _sign_in(client, engine, tenant, "analyst")
    assert (await client.get("/console/fission")).status_code == 200
    queue = await client.get("/console/fission/review")
    assert queue.status_code == 200 and 'name="invitation_id"' not in queue.text
    assert (await client.get("/console/fission/campaigns/new")).status_code == 403
    r = await browser.post(
        client,
        "/console/fission/review",
        {"invitation_id": str(held[0]), "decision": "approve"},
        page="/console/fission",
    )
    assert r.status_code == 403
    assert (await client.get(f"/console/fission/campaigns/{cid}/edit")).status_code == 403
    edit = await browser.post(
        client,
        f"/console/fission/campaigns/{cid}/edit",
        {"name": "x", "rules": "1", "stages.0.threshold": "9", "stages.0.rewards.0.kind": "points"},
        page="/console/fission",
    )
    assert edit.status_code == 403
    async with unit_of_work(readonly=True, engine=engine) as s:
        assert (await s.get(Invitation, held[0])).status == "held"  # type: ignore[union-attr]


async def test_a_campaign_is_paused_and_its_poster_art_set(
    client: httpx.AsyncClient, tenant: Tenant, engine: AsyncEngine
) -> None:
    cid = await make_campaign(engine, tenant)
    await _sign_in(client, engine, tenant)
    page = f"/console/fission/campaigns/{cid}"
    r = await browser.post(
        client,
        f"{page}/edit",
        {"name": "改名", "status": "paused", "poster.title": "新海报", "fraud.ip_limit": "5"},
        page=page,
    )
    assert r.status_code == 303
    api = (await client.get(f"/api/v1/referrals/campaigns/{cid}", headers=tenant.headers)).json()
    assert (api["name"], api["status"], api["poster"]["title"], api["fraud"]["ip_limit"]) == (
        "改名",
        "paused",
        "新海报",
        5,
    )
    png = io.BytesIO()
    Image.new("RGB", (750, 1334), (200, 120, 40)).save(png, format="PNG")
    token = await browser.csrf(client, page)
    up = await client.post(
        f"{page}/art",
        data={"csrf_token": token},
        files={"art": ("art.png", png.getvalue(), "image/png")},
        headers={"origin": browser.ORIGIN},
    )
    assert up.status_code == 303
    assert (await client.get(f"/api/v1/referrals/campaigns/{cid}", headers=tenant.headers)).json()[
        "has_art"
    ] is True
    not_a_picture = await client.post(
        f"{page}/art",
        data={"csrf_token": token},
        files={"art": ("art.png", b"not a picture", "image/png")},
        headers={"origin": browser.ORIGIN},
    )
    assert not_a_picture.status_code == 400 and 'role="alert"' in not_a_picture.text


async def test_the_rules_are_edited_until_someone_takes_part(
    client: httpx.AsyncClient, tenant: Tenant, other_tenant: Tenant, engine: AsyncEngine
) -> None:
    cid = await make_campaign(engine, tenant)
    tpl, theirs = await _template(engine, tenant), await _template(engine, other_tenant)
    await _sign_in(client, engine, tenant)
    page = f"/console/fission/campaigns/{cid}/edit"
    api = f"/api/v1/referrals/campaigns/{cid}"
    for lang, words in (("zh-CN", "还没有会员参与本活动"), ("en", "Nobody has taken part yet")):
        shown = await client.get(f"{page}?lang={lang}")
        assert shown.status_code == 200 and words in shown.text and 'name="stages.1.threshold"' in shown.text
    rules = {
        "name": "新规则",
        "rules": "1",
        "starts_at": "2030-01-01T00:00",
        "ends_at": "2030-02-01T00:00",
        "goal.kind": "order",
        "goal.min_total": "50",
        "stages.0.threshold": "4",
        "stages.0.rewards.0.kind": "points",
        "stages.0.rewards.0.amount": "40",
        "stages.0.rewards.1.ref": f"coupon:{tpl}",  # the kind read from the choice
        "invitee_rewards.0.kind": "wallet",
        "invitee_rewards.0.amount": "300",
        "max_per_inviter": "8",
    }
    before = (await client.get(api, headers=tenant.headers)).json()
    # Refused, beside the field, writing nothing: a repeated threshold; another workspace's coupon.
    same = await browser.post(
        client,
        page,
        {
            **rules,
            "stages.1.threshold": "4",
            "stages.1.rewards.0.kind": "points",
            "stages.1.rewards.0.amount": "1",
        },
        page=page,
    )
    assert same.status_code == 422 and 'role="alert"' in same.text and 'value="新规则"' in same.text
    foreign = await browser.post(
        client, page, {**rules, "stages.0.rewards.1.ref": f"coupon:{theirs}"}, page=page
    )
    assert foreign.status_code == 404
    beside = foreign.text.split('name="stages.0.rewards.1.ref"')[1].split("</td>")[0]
    assert ERROR_WORDS["unknown_coupon_template"]["en"] in beside  # beside its reward row
    assert (await client.get(api, headers=tenant.headers)).json() == before
    r = await browser.post(client, page, rules, page=page)
    assert r.status_code == 303, r.text[:800]
    got = (await client.get(api, headers=tenant.headers)).json()
    assert [(s["threshold"], s["rewards"]) for s in got["stages"]] == [
        (4, [{"kind": "points", "amount": 40}, {"kind": "coupon", "template_id": tpl}])
    ]
    assert got["invitee_rewards"] == [{"kind": "wallet", "amount": 300}] and got["max_per_inviter"] == 8
    assert got["goal"]["min_total_cents"] == 5000 and got["starts_at"].startswith("2029-12-31T16:00")
    # Someone takes part: the rules are shown, not offered; a form from before is refused whole.
    await client.patch(api, json={"starts_at": utcnow().isoformat()}, headers=tenant.headers)
    await take_part(engine, tenant, cid, await member(engine, tenant, "13800000001"))
    for lang, words in (("zh-CN", "已有会员参与本活动"), ("en", "Members have already taken part")):
        shown = await client.get(f"{page}?lang={lang}")
        assert (
            words in shown.text and 'name="stages.0.threshold"' not in shown.text and "30元券" in shown.text
        )
        assert 'name="name"' in shown.text and 'name="fraud.ip_limit"' in shown.text
    now = (await client.get(api, headers=tenant.headers)).json()
    stale = await browser.post(
        client, page, {**rules, "name": "旧表单", "ends_at": "2030-03-01T00:00"}, page=page
    )
    assert stale.status_code == 409 and ERROR_WORDS["campaign_started"]["en"] in stale.text
    assert (await client.get(api, headers=tenant.headers)).json() == now
    renamed = await browser.post(client, page, {"name": "只改名", "ends_at": "2030-03-01T00:00"}, page=page)
    assert renamed.status_code == 303
    after = (await client.get(api, headers=tenant.headers)).json()
    assert after["name"] == "只改名" and after["stages"] == now["stages"]

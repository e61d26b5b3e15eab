"""裂变 Fission & distribution: referral campaigns and distribution at a glance."""

from __future__ import annotations

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from yutang.kit.context import Ctx
from yutang.web.console.frame import (
    can,
    header,
    render,
    router,
)


@router.get("/console/fission", response_class=HTMLResponse)
async def fission_page(request: Request, ctx: Ctx = Depends(can("stats:read"))) -> HTMLResponse:
    from yutang.distribution import figures as dist_figures
    from yutang.referrals import figures as ref_figures
    from yutang.referrals import service as referrals

    campaigns = []
    for c in (await referrals.list_campaigns(ctx))[:5]:
        f = await ref_figures.figures(ctx, c.id)
        steps = [
            ("shares", f.shares),
            ("clicked", f.clicked),
            ("joined", f.joined),
            ("qualified", f.qualified),
            ("rewarded", f.rewarded),
        ]
        top = max((n for _, n in steps), default=0) or 1
        campaigns.append(
            {
                "campaign": c,
                "live": referrals.is_live(c),
                "figures": f,
                "funnel": [(k, n, round(100 * n / top, 1)) for k, n in steps],
                "board": await ref_figures.leaderboard(ctx, c.id, 5),
            }
        )
    rows = await dist_figures.per_distributor(ctx)
    return render(
        request,
        "console/fission/index.html",
        page="fission",
        campaigns=campaigns,
        distributors=sorted(rows, key=lambda r: -r.sales_cents)[:10],
        overall=dist_figures.overall(rows),
        **await header(ctx),
    )

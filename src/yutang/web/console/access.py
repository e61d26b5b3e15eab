"""Signing in and out, choosing the workspace, invitations to a workspace, and the
user's own account (password). Sign-in is rate limited (:mod:`yutang.auth.throttle`);
a user in several workspaces switches in the header and the console reopens the last
one chosen."""

from __future__ import annotations

import math
from typing import Annotated

from fastapi import Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from yutang.auth import repository as auth_repo
from yutang.auth import service as auth_service
from yutang.auth import sessions
from yutang.auth.throttle import keys_for
from yutang.kit.errors import BadRequest, NotFound, Unauthenticated
from yutang.models.workspaces import User, Workspace
from yutang.web import security
from yutang.web.console.frame import (
    _next_page,
    _settings,
    current_session,
    render,
    router,
    signed_in,
    user_frame,
)
from yutang.web.i18n import pick_language, translator
from yutang.web.security import PRESESSION_COOKIE, SESSION_COOKIE
from yutang.workspaces import invitations
from yutang.workspaces import repository as ws_repo


@router.get("/console/login", response_class=HTMLResponse)
async def login_page(request: Request) -> HTMLResponse:
    return render(request, "console/access/login.html", next=_next_page(request.query_params.get("next")))


@router.post("/console/login", response_class=HTMLResponse)
async def login(
    request: Request,
    email: Annotated[str, Form(max_length=254)],
    password: Annotated[str, Form(max_length=4096)],
    next: Annotated[str | None, Form(max_length=2048)] = None,
) -> Response:
    t = translator(pick_language(request))
    target = _next_page(next)
    throttle = request.app.state.sign_in_throttle
    keys = keys_for(throttle.policy, email, security.client_ip(request))
    wait = await throttle.attempt(keys)
    if wait:
        error = t("too_many_attempts").format(minutes=max(1, math.ceil(wait / 60)))
        page = render(request, "console/access/login.html", 429, error=error, email=email, next=target)
        page.headers["Retry-After"] = str(wait)
        return page
    session = request.state.session
    try:
        user = await auth_service.sign_in(session, email, password)
    except Unauthenticated:
        return render(
            request, "console/access/login.html", 401, error=t("wrong_login"), email=email, next=target
        )
    await throttle.succeeded(keys)
    memberships = await ws_repo.memberships_of(session, user.id)
    if not memberships and not await invitations.pending_for(session, user.email):
        return render(
            request, "console/access/login.html", 403, error=t("no_workspace"), email=email, next=target
        )
    ids = [ws.id for ws, _ in memberships]
    workspace_id = user.last_workspace_id if user.last_workspace_id in ids else (ids[0] if ids else None)
    # A new token at every sign-in: a session fixed before it is worth nothing.
    if old := request.cookies.get(SESSION_COOKIE):
        await sessions.end(session, old)
    settings = _settings(request)
    # Ended sessions are swept at their owner's next sign-in (rows only, never live ones).
    await sessions.purge_expired(session, idle_timeout=settings.session_idle_timeout, user_id=user.id)
    _, token = await sessions.start(session, user.id, workspace_id, max_age=settings.session_max_age)
    if workspace_id is None:
        target = "/console/invitations"
    response = RedirectResponse(target, status_code=303)
    security.set_cookie(request, response, SESSION_COOKIE, token, max_age=settings.session_max_age)
    response.delete_cookie(PRESESSION_COOKIE, path="/")
    return response


@router.post("/console/logout")
async def logout(request: Request) -> Response:
    if token := request.cookies.get(SESSION_COOKIE):
        await sessions.end(request.state.session, token)
    response = RedirectResponse("/console/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.post("/console/workspace")
async def switch_workspace(request: Request, workspace_id: Annotated[int, Form(ge=1)]) -> Response:
    """Open another of the user's workspaces (and reopen it at the next sign-in)."""
    row, user = await signed_in(request)
    if await auth_repo.membership(request.state.session, workspace_id, user.id) is None:
        raise NotFound("No such workspace.")
    await sessions.switch(request.state.session, row.id, workspace_id)
    user.last_workspace_id = workspace_id
    return RedirectResponse("/console", status_code=303)


@router.get("/console/invitations", response_class=HTMLResponse)
async def invitations_page(request: Request) -> HTMLResponse:
    row, user = await signed_in(request)
    pending = await invitations.pending_for(request.state.session, user.email)
    return render(
        request,
        "console/access/invitations.html",
        page="invitations",
        pending=pending,
        **await user_frame(request, row, user),
    )


@router.post("/console/invitations/{invitation_id}/accept")
async def accept_invitation(request: Request, invitation_id: int) -> Response:
    row, user = await signed_in(request)
    session = request.state.session
    inv = await invitations.pending_of_user(session, user, invitation_id)
    await invitations.accept(session, inv, user)
    await sessions.switch(session, row.id, inv.workspace_id)
    user.last_workspace_id = inv.workspace_id
    return RedirectResponse("/console", status_code=303)


@router.post("/console/invitations/{invitation_id}/decline")
async def decline_invitation(request: Request, invitation_id: int) -> Response:
    _, user = await signed_in(request)
    inv = await invitations.pending_of_user(request.state.session, user, invitation_id)
    await invitations.decline(request.state.session, inv, user)
    return RedirectResponse("/console/invitations", status_code=303)


@router.get("/console/invitations/{token}", response_class=HTMLResponse)
async def invitation_page(request: Request, token: str) -> HTMLResponse:
    """Where an accept URL leads: accept (signed in as the address), or sign in, or
    create an account."""
    session = request.state.session
    inv = await invitations.by_token(session, token)
    if inv is None:
        return render(request, "console/access/invitation.html", 404, invalid=True)
    ws = await session.get(Workspace, inv.workspace_id)
    row = await current_session(request)
    user = await session.get(User, row.user_id) if row is not None else None
    return render(
        request,
        "console/access/invitation.html",
        inv=inv,
        invited_to=ws,
        token=token,
        user=user,
        mine=user is not None and user.email == inv.email,
    )


@router.post("/console/invitations/{token}/register", response_class=HTMLResponse)
async def register_from_invitation(
    request: Request,
    token: str,
    password: Annotated[str, Form(max_length=4096)],
    name: Annotated[str, Form(max_length=120)] = "",
) -> HTMLResponse:
    """A new person accepts: same answer whether or not the address had an account."""
    session = request.state.session
    inv = await invitations.by_token(session, token)
    if inv is None:
        return render(request, "console/access/invitation.html", 404, invalid=True)
    t = translator(pick_language(request))
    try:
        await invitations.register(session, inv, name, password)
    except BadRequest:
        ws = await session.get(Workspace, inv.workspace_id)
        return render(
            request,
            "console/access/invitation.html",
            400,
            inv=inv,
            invited_to=ws,
            token=token,
            user=None,
            mine=False,
            error=t("password_too_short"),
        )
    return render(request, "console/access/invitation.html", registered=True)


@router.get("/console/account", response_class=HTMLResponse)
async def account_page(request: Request) -> HTMLResponse:
    row, user = await signed_in(request)
    return render(
        request, "console/access/account.html", page="account", **await user_frame(request, row, user)
    )


@router.post("/console/account/password", response_class=HTMLResponse)
async def change_password(
    request: Request,
    current: Annotated[str, Form(max_length=4096)],
    new: Annotated[str, Form(max_length=4096)],
) -> HTMLResponse:
    """A new password ends every other session of the account."""
    row, user = await signed_in(request)
    t = translator(pick_language(request))
    frame = await user_frame(request, row, user)
    throttle = request.app.state.sign_in_throttle
    keys = keys_for(throttle.policy, user.email, security.client_ip(request))
    if wait := await throttle.attempt(keys):
        error = t("too_many_attempts").format(minutes=max(1, math.ceil(wait / 60)))
        page = render(request, "console/access/account.html", 429, page="account", error=error, **frame)
        page.headers["Retry-After"] = str(wait)
        return page
    try:
        await auth_service.change_password(request.state.session, user, current, new, keep_session_id=row.id)
    except Unauthenticated:
        return render(
            request, "console/access/account.html", 400, page="account", error=t("wrong_password"), **frame
        )
    except BadRequest:
        return render(
            request,
            "console/access/account.html",
            400,
            page="account",
            error=t("password_too_short"),
            **frame,
        )
    await throttle.succeeded(keys)
    return render(request, "console/access/account.html", page="account", done=t("password_changed"), **frame)

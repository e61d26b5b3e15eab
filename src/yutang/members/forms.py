"""Info-collection forms (seed: selecting KOCs by name, address, ID, talent, social
accounts and follower count).

A form is a list of typed fields. Each answer is checked by its type; answers that
``maps_to`` a profile field (name, phone, email, gender, birthday, address, id_number,
``attribute.<name>``, ``tag.<group>``) update the member — who is found by the phone or
email answered, or created. The whole submission is kept sealed (it may hold an ID
number) and announced as ``form.submitted`` (earn rules may pay for it).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select

from yutang.kit import audit, crypto, events
from yutang.kit.context import Ctx
from yutang.kit.errors import BadRequest, Conflict, ErrorCode, NotFound
from yutang.members import identities, service
from yutang.members.errors import (
    FORM_CLOSED,
    FORM_TAKEN,
    IDENTITY_REQUIRED,
    INVALID_ADDRESS,
    INVALID_ANSWERS,
    INVALID_DATE,
    INVALID_FORM,
    INVALID_NUMBER,
    INVALID_OPTION,
    OUT_OF_RANGE,
    REQUIRED,
    TOO_LONG,
    UNKNOWN_FIELD,
    UNKNOWN_FORM,
)
from yutang.members.events import FormSubmitted
from yutang.members.schemas import Address, Identities, MemberIn, MemberPatch
from yutang.models.members import Form, FormSubmission

FIELD_TYPES = (
    "text",
    "textarea",
    "phone",
    "email",
    "select",
    "multiselect",
    "number",
    "date",
    "address",
    "cn_id",
)
PROFILE_TARGETS = ("name", "phone", "email", "gender", "birthday", "address", "id_number")
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,63}\Z")
KEY_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}\Z")
MAX_FIELDS = 40


@dataclass
class FieldError:
    key: str
    code: ErrorCode
    message: str


def check_definition(fields: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validate a form's field list; returns it normalised."""
    if not fields or len(fields) > MAX_FIELDS:
        raise BadRequest(f"A form has 1-{MAX_FIELDS} fields.", code=INVALID_FORM)
    keys: set[str] = set()
    targets: set[str] = set()
    out = []
    for i, f in enumerate(fields):
        where = {"field": i}
        key, kind = f.get("key"), f.get("type")
        if not isinstance(key, str) or not KEY_RE.match(key) or key in keys:
            raise BadRequest("Field keys are unique, lower-case, a-z0-9_.", code=INVALID_FORM, details=where)
        keys.add(key)
        if kind not in FIELD_TYPES:
            raise BadRequest(
                f"Field type is one of {', '.join(FIELD_TYPES)}.", code=INVALID_FORM, details=where
            )
        if not f.get("label"):
            raise BadRequest("Every field has a label.", code=INVALID_FORM, details=where)
        options = f.get("options")
        if kind in ("select", "multiselect") and (not isinstance(options, list) or not options):
            raise BadRequest("A select field lists its options.", code=INVALID_FORM, details=where)
        target = f.get("maps_to")
        if target is not None:
            ok = target in PROFILE_TARGETS or (
                isinstance(target, str) and target.startswith(("attribute.", "tag.")) and len(target) > 5
            )
            if not ok or target in targets:
                raise BadRequest(
                    f"maps_to {target!r} is unknown or used twice.", code=INVALID_FORM, details=where
                )
            targets.add(target)
        out.append(
            {
                k: v
                for k, v in f.items()
                if k
                in (
                    "key",
                    "label",
                    "label_en",
                    "type",
                    "required",
                    "options",
                    "min",
                    "max",
                    "max_length",
                    "maps_to",
                )
            }
        )
    if not targets & {"phone", "email"}:
        raise BadRequest(
            "A form asks for a phone or an email (mapped) to know who answered.", code=INVALID_FORM
        )
    return out


async def create_form(ctx: Ctx, data: dict[str, Any]) -> Form:
    slug = data["slug"]
    if not SLUG_RE.match(slug):
        raise BadRequest("A form slug is lower-case letters, digits and dashes.", code=INVALID_FORM)
    if await ctx.session.scalar(
        select(Form.id).where(Form.workspace_id == ctx.workspace_id, Form.slug == slug)
    ):
        raise Conflict(f"A form {slug!r} exists.", code=FORM_TAKEN)
    form = Form(
        workspace_id=ctx.workspace_id,
        slug=slug,
        title=data["title"],
        title_en=data.get("title_en") or "",
        description=data.get("description") or "",
        fields=check_definition(data["fields"]),
    )
    ctx.session.add(form)
    await ctx.session.flush()
    audit.record(ctx, "form.created", "form", form.id, {"slug": slug})
    return form


async def update_form(ctx: Ctx, form_id: int, changes: dict[str, Any]) -> Form:
    """Change the title, description or fields, or open / close the form (``active``).
    Answers given before keep their own keys: removing a field hides nothing of them."""
    form = await get_form(ctx, form_id)
    for name in ("title", "title_en", "description"):
        if changes.get(name) is not None:
            setattr(form, name, changes[name] or "")
    if changes.get("fields") is not None:
        form.fields = check_definition(changes["fields"])
    if changes.get("active") is not None:
        form.active = bool(changes["active"])
    await ctx.session.flush()
    audit.record(
        ctx,
        "form.updated",
        "form",
        form.id,
        {"fields": sorted(k for k, v in changes.items() if v is not None)},
    )
    return form


async def get_form(ctx: Ctx, form_id: int | None = None, *, slug: str | None = None) -> Form:
    stmt = select(Form).where(Form.workspace_id == ctx.workspace_id)
    stmt = stmt.where(Form.id == form_id) if form_id is not None else stmt.where(Form.slug == slug)
    form = await ctx.session.scalar(stmt)
    if form is None:
        raise NotFound("No such form.", code=UNKNOWN_FORM)
    return form


def _number(raw: Any) -> float | None:
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int | float):
        return float(raw)
    try:
        return float(str(raw).strip())
    except ValueError:
        return None


def validate(form: Form, answers: dict[str, Any]) -> tuple[dict[str, Any], list[FieldError]]:
    """Check every answer by its field's type; returns clean answers and the errors."""
    clean: dict[str, Any] = {}
    errors: list[FieldError] = []
    for f in form.fields:
        key, kind = f["key"], f["type"]
        raw = answers.get(key)
        empty = raw is None or raw == "" or raw == [] or (isinstance(raw, dict) and not any(raw.values()))
        if empty:
            if f.get("required"):
                errors.append(FieldError(key, REQUIRED, "This field is required."))
            continue
        try:
            clean[key] = _value(f, kind, raw)
        except BadRequest as exc:
            errors.append(FieldError(key, exc.code, exc.message))
    unknown = set(answers) - {f["key"] for f in form.fields}
    errors += [FieldError(k, UNKNOWN_FIELD, "This form has no such field.") for k in sorted(unknown)]
    return clean, errors


def _value(f: dict[str, Any], kind: str, raw: Any) -> Any:
    if kind in ("text", "textarea"):
        text = str(raw).strip()
        limit = int(f.get("max_length") or (2000 if kind == "textarea" else 200))
        if len(text) > limit:
            raise BadRequest(f"At most {limit} characters.", code=TOO_LONG)
        return text
    if kind == "phone":
        return identities.normalize_phone(str(raw))
    if kind == "email":
        return identities.normalize_identity("email", str(raw))
    if kind == "cn_id":
        return identities.check_cn_id_number(str(raw))
    if kind == "select":
        if raw not in f["options"]:
            raise BadRequest("Not one of the options.", code=INVALID_OPTION)
        return raw
    if kind == "multiselect":
        values = raw if isinstance(raw, list) else [raw]
        if not all(v in f["options"] for v in values):
            raise BadRequest("Not one of the options.", code=INVALID_OPTION)
        return list(dict.fromkeys(values))
    if kind == "number":
        value = _number(raw)
        if value is None:
            raise BadRequest("A number is expected.", code=INVALID_NUMBER)
        if (f.get("min") is not None and value < f["min"]) or (f.get("max") is not None and value > f["max"]):
            raise BadRequest(f"Between {f.get('min')} and {f.get('max')}.", code=OUT_OF_RANGE)
        return int(value) if value.is_integer() else value
    if kind == "date":
        try:
            return date.fromisoformat(str(raw)).isoformat()
        except ValueError as exc:
            raise BadRequest("A date (YYYY-MM-DD) is expected.", code=INVALID_DATE) from exc
    if kind == "address":
        data = raw if isinstance(raw, dict) else {"detail": str(raw)}
        try:
            return Address(**data).model_dump(exclude_none=True)
        except ValueError as exc:
            raise BadRequest("Not an address.", code=INVALID_ADDRESS) from exc
    raise AssertionError(kind)


async def submit(
    ctx: Ctx, form: Form, answers: dict[str, Any], *, visitor_id: str | None = None, via: str = "api"
) -> FormSubmission:
    if not form.active:
        raise Conflict("This form is closed.", code=FORM_CLOSED)
    clean, errors = validate(form, answers)
    if errors:
        raise BadRequest(
            "Some answers are not valid.",
            code=INVALID_ANSWERS,
            details={"errors": [e.__dict__ for e in errors]},
        )
    mapped = {f["maps_to"]: clean[f["key"]] for f in form.fields if f.get("maps_to") and f["key"] in clean}
    idents = Identities(phone=mapped.get("phone"), email=mapped.get("email"))
    if not idents.given():
        raise BadRequest("Give a phone number or an email.", code=IDENTITY_REQUIRED)
    member, _ = await service.join(ctx, MemberIn(**idents.model_dump(), visitor_id=visitor_id), via="form")
    patch: dict[str, Any] = {}
    for target in ("name", "gender", "id_number"):
        if target in mapped:
            patch[target] = mapped[target]
    if "birthday" in mapped:
        patch["birthday"] = date.fromisoformat(mapped["birthday"])
    if "address" in mapped:
        patch["address"] = Address(**mapped["address"])
    attrs = {t[len("attribute.") :]: v for t, v in mapped.items() if t.startswith("attribute.")}
    if attrs:
        patch["attributes"] = attrs
    if patch:
        if patch.get("gender") not in (None, "male", "female", "unknown"):
            patch.pop("gender")
        await service.update_member(ctx, member.id, MemberPatch(**patch))
    tags: list[str | int] = [
        f"{t[len('tag.') :]}/{v}"
        for t, value in mapped.items()
        if t.startswith("tag.")
        for v in (value if isinstance(value, list) else [value])
    ]
    if tags:
        await service.tag_member(ctx, member.id, tags, [])
    submission = FormSubmission(
        workspace_id=ctx.workspace_id,
        form_id=form.id,
        member_id=member.id,
        data_sealed=crypto.keyring().seal("form.submission", json.dumps(clean, ensure_ascii=False)),
        via=via,
    )
    ctx.session.add(submission)
    await ctx.session.flush()
    events.emit(
        ctx,
        FormSubmitted(
            member_id=member.id,
            form_id=form.id,
            submission_id=submission.id,
            external_id=f"form:{form.id}:member:{member.id}",
        ),
    )
    return submission


def opened(submission: FormSubmission) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(crypto.keyring().open("form.submission", submission.data_sealed))
    return data


async def submissions(ctx: Ctx, form_id: int, *, cursor_id: int | None, limit: int) -> list[FormSubmission]:
    stmt = select(FormSubmission).where(
        FormSubmission.workspace_id == ctx.workspace_id, FormSubmission.form_id == form_id
    )
    if cursor_id is not None:
        stmt = stmt.where(FormSubmission.id < cursor_id)
    return list((await ctx.session.scalars(stmt.order_by(FormSubmission.id.desc()).limit(limit + 1))).all())


async def count(ctx: Ctx, form_id: int) -> int:
    return int(
        await ctx.session.scalar(
            select(func.count()).select_from(FormSubmission).where(FormSubmission.form_id == form_id)
        )
        or 0
    )

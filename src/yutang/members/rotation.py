"""Re-seal PII with the active key and rehash the blind index (``yutang pii rotate``).

Run after putting a new key first in ``YUTANG_PII_KEYS`` (or changing
``YUTANG_PII_INDEX_KEY``). Works in batches, one transaction each, so it can be
stopped and run again: values already under the active key are only rehashed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from yutang.kit import crypto
from yutang.kit.db import unit_of_work
from yutang.models.members import FormSubmission, Member, MemberIdentity
from yutang.models.workspaces import Workspace

SEALED_MEMBER_FIELDS = (
    ("name_sealed", "member.name"),
    ("address_sealed", "member.address"),
    ("id_number_sealed", "member.id_number"),
)


@dataclass
class RotationReport:
    members: int = 0
    identities: int = 0
    submissions: int = 0
    resealed: int = 0
    rehashed: int = 0


@dataclass(frozen=True)
class Waiting:
    """The values of one workspace still sealed with a key other than the active one:
    what ``yutang pii rotate`` would re-seal there."""

    member_fields: int
    identities: int
    webhook_secret: bool
    submissions: int = 0

    @property
    def total(self) -> int:
        return self.member_fields + self.identities + self.submissions + int(self.webhook_secret)


def _older(column: Any, current: str) -> ColumnElement[int]:
    """1 for a value sealed with another key than the active one, else 0."""
    return case((and_(column.is_not(None), column.not_like(current)), 1), else_=0)


async def waiting(session: AsyncSession, workspace_id: int) -> Waiting:
    """Count, in one workspace, the sealed values :func:`rotate` would re-seal."""
    current = f"{crypto.PREFIX}.{crypto.keyring().active}."  # key ids are alphanumeric
    row = (
        await session.execute(
            select(
                *(
                    func.coalesce(func.sum(_older(getattr(Member, column), current + "%")), 0)
                    for column, _ in SEALED_MEMBER_FIELDS
                )
            ).where(Member.workspace_id == workspace_id)
        )
    ).one()
    identities = await session.scalar(
        select(func.count())
        .select_from(MemberIdentity)
        .where(
            MemberIdentity.workspace_id == workspace_id,
            MemberIdentity.value_sealed.not_like(current + "%"),
        )
    )
    secret = await session.scalar(
        select(Workspace.shop_webhook_secret_sealed).where(Workspace.id == workspace_id)
    )
    submissions = await session.scalar(
        select(func.count())
        .select_from(FormSubmission)
        .where(
            FormSubmission.workspace_id == workspace_id,
            FormSubmission.data_sealed.not_like(current + "%"),
        )
    )
    return Waiting(
        member_fields=sum(int(n or 0) for n in row),
        identities=int(identities or 0),
        submissions=int(submissions or 0),
        webhook_secret=secret is not None and not secret.startswith(current),
    )


async def total_rows() -> int:
    async with unit_of_work(readonly=True) as s:
        members = int(await s.scalar(select(func.count()).select_from(Member)) or 0)
        idents = int(await s.scalar(select(func.count()).select_from(MemberIdentity)) or 0)
        answers = int(await s.scalar(select(func.count()).select_from(FormSubmission)) or 0)
    return members + idents + answers


async def rotate(batch: int = 500, progress: Callable[[int], None] | None = None) -> RotationReport:
    keys = crypto.keyring()
    report = RotationReport()

    def reseal(field: str, sealed: str) -> str:
        if keys.key_of(sealed) == keys.active:
            return sealed
        report.resealed += 1
        return keys.seal(field, keys.open(field, sealed))

    last = 0
    while True:
        async with unit_of_work() as s:
            rows = (
                await s.scalars(select(Member).where(Member.id > last).order_by(Member.id).limit(batch))
            ).all()
            for m in rows:
                for column, field in SEALED_MEMBER_FIELDS:
                    value = getattr(m, column)
                    if value is not None:
                        setattr(m, column, reseal(field, value))
            report.members += len(rows)
        if progress:
            progress(len(rows))
        if len(rows) < batch:
            break
        last = rows[-1].id
    last = 0
    while True:  # form answers (sealed whole: they may hold any personal data)
        async with unit_of_work() as s:
            answers = (
                await s.scalars(
                    select(FormSubmission)
                    .where(FormSubmission.id > last)
                    .order_by(FormSubmission.id)
                    .limit(batch)
                )
            ).all()
            for answer in answers:
                answer.data_sealed = reseal("form.submission", answer.data_sealed)
            report.submissions += len(answers)
        if progress:
            progress(len(answers))
        if len(answers) < batch:
            break
        last = answers[-1].id
    last = 0
    while True:
        async with unit_of_work() as s:
            idents = (
                await s.scalars(
                    select(MemberIdentity)
                    .where(MemberIdentity.id > last)
                    .order_by(MemberIdentity.id)
                    .limit(batch)
                )
            ).all()
            for ident in idents:
                field = f"identity.{ident.kind}"
                value = keys.open(field, ident.value_sealed)
                new_hash = keys.blind_index(ident.workspace_id, ident.kind, value)
                if new_hash != ident.value_hash:
                    ident.value_hash = new_hash
                    report.rehashed += 1
                ident.value_sealed = reseal(field, ident.value_sealed)
            report.identities += len(idents)
        if progress:
            progress(len(idents))
        if len(idents) < batch:
            break
        last = idents[-1].id
    async with unit_of_work() as s:
        for ws in (
            await s.scalars(select(Workspace).where(Workspace.shop_webhook_secret_sealed.is_not(None)))
        ).all():
            assert ws.shop_webhook_secret_sealed is not None
            ws.shop_webhook_secret_sealed = reseal(
                "workspace.shop_webhook_secret", ws.shop_webhook_secret_sealed
            )
    return report

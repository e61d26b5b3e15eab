"""click spool offsets: the click writer's progress through each spool file

Revision ID: 9a1c3e5b7d20
Revises: 4087b40a443b
Create Date: 2026-12-04 10:00:00

Serving processes hand clicks off through append-only spool files under ``var/clicks/``;
the click writer persists them and moves the file's position here in the same
transaction (docs/decisions/0009-click-pipeline.md).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import yutang.models.base

revision: str = "9a1c3e5b7d20"
down_revision: str | None = "4087b40a443b"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "click_spool_offsets",
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("position", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("updated_at", yutang.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_click_spool_offsets")),
    )


def downgrade() -> None:
    op.drop_table("click_spool_offsets")

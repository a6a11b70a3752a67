"""key_checks: a known text encrypted with the data key at first use; estates.currency

The currency of an estate's fees (ISO 4217), from its region for the estates already there:
CN CNY, HK HKD, MO MOP, TW TWD.

Revision ID: 0007
Revises: 0003
Create Date: 2026-12-02 03:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "key_checks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_key_checks")),
    )
    with op.batch_alter_table("estates", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("currency", sa.String(length=3), server_default="CNY", nullable=False)
        )
    op.execute(
        "UPDATE estates SET currency = CASE region WHEN 'HK' THEN 'HKD' WHEN 'MO' THEN 'MOP' "
        "WHEN 'TW' THEN 'TWD' ELSE 'CNY' END"
    )


def downgrade() -> None:
    with op.batch_alter_table("estates", schema=None) as batch_op:
        batch_op.drop_column("currency")
    op.drop_table("key_checks")

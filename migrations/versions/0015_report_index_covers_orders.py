"""the index on an estate's orders by registration carries what the report's figures read of
each order (id, kind, category, team), so that on PostgreSQL they read the index alone

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02 16:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0015"
down_revision: str | Sequence[str] | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_orders_estate_id_created_at", table_name="orders")
    op.create_index(
        "ix_orders_estate_id_created_at",
        "orders",
        ["estate_id", "created_at"],
        postgresql_include=["id", "kind", "category_id", "team_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_orders_estate_id_created_at", table_name="orders")
    op.create_index("ix_orders_estate_id_created_at", "orders", ["estate_id", "created_at"])

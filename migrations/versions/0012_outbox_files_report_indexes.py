"""outbox_files: files uploaded with outgoing messages (report charts and workbooks); the
reports' indexes on orders, order_events and callbacks

Revision ID: 0012
Revises: 0008
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0012"
down_revision: str | Sequence[str] | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "outbox_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(["outbox_id"], ["outbox.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_outbox_files_outbox_id", "outbox_files", ["outbox_id"])
    op.create_index("ix_orders_estate_id_created_at", "orders", ["estate_id", "created_at"])
    op.create_index(
        "ix_orders_estate_id_fee_collected_at", "orders", ["estate_id", "fee_collected_at"]
    )
    op.create_index(
        "ix_order_events_order_id_action",
        "order_events",
        ["order_id", "action"],
        postgresql_include=["at", "actor_id", "from_status", "to_status"],
    )
    op.create_index(
        "ix_callbacks_order_id_satisfied",
        "callbacks",
        ["order_id"],
        postgresql_include=["satisfied"],
    )


def downgrade() -> None:
    op.drop_index("ix_callbacks_order_id_satisfied", table_name="callbacks")
    op.drop_index("ix_order_events_order_id_action", table_name="order_events")
    op.drop_index("ix_orders_estate_id_fee_collected_at", table_name="orders")
    op.drop_index("ix_orders_estate_id_created_at", table_name="orders")
    op.drop_index("ix_outbox_files_outbox_id", table_name="outbox_files")
    op.drop_table("outbox_files")

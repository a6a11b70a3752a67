"""callbacks: a spoken comment, the spot-check flag; special_events; the feedback library

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0011"
down_revision: str | Sequence[str] | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("comment_voice", sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column("comment_voice_seconds", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("spot_check", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
    op.create_table(
        "special_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("marked_by", sa.Integer(), nullable=True),
        sa.Column("marked_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("report", sa.Text(), nullable=True),
        sa.Column("reported_by", sa.Integer(), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_special_events_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["marked_by"], ["people.id"], name=op.f("fk_special_events_marked_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["order_id"], ["orders.id"], name=op.f("fk_special_events_order_id_orders")
        ),
        sa.ForeignKeyConstraint(
            ["reported_by"], ["people.id"], name=op.f("fk_special_events_reported_by_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_special_events")),
        sa.UniqueConstraint("order_id", name=op.f("uq_special_events_order_id")),
    )
    op.create_index(
        "ix_special_events_open_due", "special_events", ["reported_at", "due_at"], unique=False
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("voice_ref", sa.String(length=255), nullable=True),
        sa.Column("voice_seconds", sa.Integer(), nullable=True),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("order_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("worker_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["category_id"], ["categories.id"], name=op.f("fk_feedback_category_id_categories")
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_feedback_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name=op.f("fk_feedback_order_id_orders")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_feedback_team_id_teams")),
        sa.ForeignKeyConstraint(
            ["worker_id"], ["people.id"], name=op.f("fk_feedback_worker_id_people")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_feedback")),
    )
    op.create_index("ix_feedback_estate_at", "feedback", ["estate_id", "created_at"], unique=False)
    op.create_index(op.f("ix_feedback_order_id"), "feedback", ["order_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_feedback_order_id"), table_name="feedback")
    op.drop_index("ix_feedback_estate_at", table_name="feedback")
    op.drop_table("feedback")
    op.drop_index("ix_special_events_open_due", table_name="special_events")
    op.drop_table("special_events")
    with op.batch_alter_table("callbacks", schema=None) as batch_op:
        batch_op.drop_column("spot_check")
        batch_op.drop_column("comment_voice_seconds")
        batch_op.drop_column("comment_voice")

"""setting_changes: who changed which estate or team setting, when; teams.settings

Teams get their own values of team settings (their digest times); every change made with
`guanjia estate set` is recorded.

Revision ID: 0010
Revises: 0008
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.add_column(sa.Column("settings", sa.JSON(), nullable=True))
    op.create_table(
        "setting_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("old", sa.String(length=200), nullable=True),
        sa.Column("new", sa.String(length=200), nullable=True),
        sa.Column("changed_by", sa.String(length=100), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_setting_changes_estate_id_estates")
        ),
        sa.ForeignKeyConstraint(
            ["team_id"], ["teams.id"], name=op.f("fk_setting_changes_team_id_teams")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_setting_changes")),
    )
    op.create_index(
        op.f("ix_setting_changes_estate_id"), "setting_changes", ["estate_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_setting_changes_estate_id"), table_name="setting_changes")
    op.drop_table("setting_changes")
    with op.batch_alter_table("teams", schema=None) as batch_op:
        batch_op.drop_column("settings")

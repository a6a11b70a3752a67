"""satisfaction survey campaigns (survey_campaigns, survey_households, survey_deliveries,
survey_answers)

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "survey_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("estate_id", sa.Integer(), nullable=False),
        sa.Column("title_hans", sa.String(length=200), nullable=False),
        sa.Column("title_hant", sa.String(length=200), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("opens_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("remind_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cursor", sa.Integer(), nullable=False),
        sa.Column("remind_cursor", sa.Integer(), nullable=False),
        sa.Column("alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by"], ["people.id"], name=op.f("fk_survey_campaigns_created_by_people")
        ),
        sa.ForeignKeyConstraint(
            ["estate_id"], ["estates.id"], name=op.f("fk_survey_campaigns_estate_id_estates")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_campaigns")),
    )
    op.create_index("ix_survey_campaigns_status", "survey_campaigns", ["status"], unique=False)
    op.create_table(
        "survey_households",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("building_id", sa.Integer(), nullable=False),
        sa.Column("has_chat", sa.Boolean(), nullable=False),
        sa.Column("reached_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("answerer_id", sa.Integer(), nullable=True),
        sa.Column("by_office", sa.Boolean(), nullable=False),
        sa.Column("next_question", sa.Integer(), nullable=False),
        sa.Column("completed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("reminded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["answerer_id"], ["people.id"], name=op.f("fk_survey_households_answerer_id_people")
        ),
        sa.ForeignKeyConstraint(
            ["building_id"],
            ["buildings.id"],
            name=op.f("fk_survey_households_building_id_buildings"),
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_households_campaign_id_survey_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_survey_households_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("campaign_id", "unit_id", name=op.f("pk_survey_households")),
    )
    op.create_index(
        "ix_survey_households_campaign_building",
        "survey_households",
        ["campaign_id", "building_id"],
        unique=False,
    )
    op.create_table(
        "survey_deliveries",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("identity_id", sa.Integer(), nullable=False),
        sa.Column("outbox_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_deliveries_campaign_id_survey_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["identity_id"],
            ["chat_identities.id"],
            name=op.f("fk_survey_deliveries_identity_id_chat_identities"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_survey_deliveries_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "unit_id", "identity_id", name=op.f("pk_survey_deliveries")
        ),
    )
    op.create_table(
        "survey_answers",
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=False),
        sa.Column("question", sa.String(length=16), nullable=False),
        sa.Column("choice", sa.Integer(), nullable=True),
        sa.Column("score", sa.Integer(), nullable=True),
        sa.Column("text", sa.Text(), nullable=True),
        sa.Column("satisfied", sa.Boolean(), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["survey_campaigns.id"],
            name=op.f("fk_survey_answers_campaign_id_survey_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_survey_answers_unit_id_units")
        ),
        sa.PrimaryKeyConstraint(
            "campaign_id", "unit_id", "question", name=op.f("pk_survey_answers")
        ),
    )


def downgrade() -> None:
    op.drop_table("survey_answers")
    op.drop_table("survey_deliveries")
    op.drop_index("ix_survey_households_campaign_building", table_name="survey_households")
    op.drop_table("survey_households")
    op.drop_index("ix_survey_campaigns_status", table_name="survey_campaigns")
    op.drop_table("survey_campaigns")

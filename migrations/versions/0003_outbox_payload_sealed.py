"""outbox: the payload sealed with the data key (payload_enc), target_outbox_id indexed

The key is not a migration's to know, so the upgrade seals nothing itself: the payloads of
pending messages are kept as their JSON text (UTF-8 bytes, readable by
core.services.outbox.open_payload) until the bot's housekeeping seals them, within the hour of its
start; the payloads of finished messages, never read again, are blanked. On SQLite the old text
may linger in free pages of the file: VACUUM once after upgrading.

The downgrade cannot open sealed payloads: the pending ones among them are marked failed.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-08 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# Never import core.models (or other project code) here: a revision is frozen history.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("payload_enc", sa.LargeBinary(), nullable=True))
    as_bytes = "CAST(payload AS BLOB)" if sqlite else "convert_to(payload::text, 'UTF8')"
    op.execute(
        f"UPDATE outbox SET payload_enc = CASE WHEN status = 'pending' THEN {as_bytes} "
        f"ELSE {'X' if sqlite else ''}'' END"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("payload_enc", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("payload")
        batch_op.create_index(
            batch_op.f("ix_outbox_target_outbox_id"), ["target_outbox_id"], unique=False
        )


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_target_outbox_id"))
        batch_op.add_column(sa.Column("payload", sa.JSON(), nullable=True))
    if sqlite:
        clear = "substr(payload_enc, 1, 1) = X'7B'"
        as_json = "CAST(payload_enc AS TEXT)"
    else:
        clear = "substring(payload_enc from 1 for 1) = '\\x7b'::bytea"
        as_json = "convert_from(payload_enc, 'UTF8')::json"
    op.execute(f"UPDATE outbox SET payload = CASE WHEN {clear} THEN {as_json} ELSE '{{}}' END")
    op.execute(
        f"UPDATE outbox SET status = 'failed', error = 'sealed payload lost in a downgrade' "
        f"WHERE status = 'pending' AND NOT ({clear})"
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("payload", existing_type=sa.JSON(), nullable=False)
        batch_op.drop_column("payload_enc")

"""delivery of appeals: the shared outbox, the dead-letter queue, the 查询码 on tickets

``appeal_outbox`` is where action-server replicas queue confirmed appeals when the database
is PostgreSQL; ``dead_letters`` holds appeals the ticket API refused as invalid, for staff to
correct and resubmit; ``tickets.reference`` is the 查询码 the user was given while queued.

Revision ID: 0007_dead_letters
Revises: 0006_console
Create Date: 2026-12-01 10:05:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_dead_letters"
down_revision: str | Sequence[str] | None = "0006_console"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OUTBOX_STATE = sa.Enum("pending", "delivered", "dead_letter", name="outbox_state", create_constraint=True, length=16)
DEAD_LETTER_STATE = sa.Enum("open", "resubmitted", name="dead_letter_state", create_constraint=True, length=16)


def upgrade() -> None:
    op.create_table(
        "appeal_outbox",
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=False),
        sa.Column("sender_id", sa.String(length=128), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("state", OUTBOX_STATE, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ticket_number", sa.String(length=20), nullable=True),
        sa.Column("ticket", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("idempotency_key", name=op.f("pk_appeal_outbox")),
        sa.UniqueConstraint("reference", name=op.f("uq_appeal_outbox_reference")),
    )
    op.create_index("ix_appeal_outbox_sender_id", "appeal_outbox", ["sender_id"], unique=False)
    op.create_index(
        "ix_appeal_outbox_state_next_attempt_at", "appeal_outbox", ["state", "next_attempt_at"], unique=False
    )
    op.create_table(
        "dead_letters",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_by", sa.String(length=128), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("reference", sa.String(length=16), nullable=True),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("state", DEAD_LETTER_STATE, nullable=False),
        sa.Column("ticket_number", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("resubmitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resubmitted_by", sa.String(length=128), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_dead_letters")),
        sa.UniqueConstraint("created_by", "idempotency_key", name="uq_dead_letters_created_by_idempotency_key"),
    )
    op.create_index("ix_dead_letters_state_created_at", "dead_letters", ["state", "created_at"], unique=False)
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.add_column(sa.Column("reference", sa.String(length=16), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_tickets_reference"), ["reference"])


def downgrade() -> None:
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_tickets_reference"), type_="unique")
        batch_op.drop_column("reference")
    op.drop_index("ix_dead_letters_state_created_at", table_name="dead_letters")
    op.drop_table("dead_letters")
    op.drop_index("ix_appeal_outbox_state_next_attempt_at", table_name="appeal_outbox")
    op.drop_index("ix_appeal_outbox_sender_id", table_name="appeal_outbox")
    op.drop_table("appeal_outbox")
    DEAD_LETTER_STATE.drop(op.get_bind(), checkfirst=True)
    OUTBOX_STATE.drop(op.get_bind(), checkfirst=True)

"""public lookup failures move to the rate limiter (Redis or in-process), keyed by client and number

The table counted failures per ticket number only: anyone could lock anyone's ticket.

Revision ID: 0009_lookup_failures_out_of_db
Revises: 0008_ticket_state_enum
Create Date: 2026-12-01 10:07:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_lookup_failures_out_of_db"
down_revision: str | Sequence[str] | None = "0008_ticket_state_enum"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_ticket_lookup_failures_number_at", table_name="ticket_lookup_failures")
    op.drop_table("ticket_lookup_failures")


def downgrade() -> None:
    op.create_table(
        "ticket_lookup_failures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("number", sa.String(length=32), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ticket_lookup_failures")),
    )
    op.create_index("ix_ticket_lookup_failures_number_at", "ticket_lookup_failures", ["number", "at"], unique=False)

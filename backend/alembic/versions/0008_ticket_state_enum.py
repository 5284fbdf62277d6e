"""ticket states as an enum: a native type on PostgreSQL, a CHECK constraint on SQLite

Revision ID: 0008_ticket_state_enum
Revises: 0007_dead_letters
Create Date: 2026-12-01 10:06:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_ticket_state_enum"
down_revision: str | Sequence[str] | None = "0007_dead_letters"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATES = ("received", "assigned", "in_progress", "extended", "answered", "visited", "closed")
TICKET_STATE = sa.Enum(*STATES, name="ticket_state", create_constraint=True, length=16)


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        TICKET_STATE.create(bind, checkfirst=True)
        op.alter_column(
            "tickets",
            "state",
            type_=TICKET_STATE,
            existing_type=sa.String(length=16),
            existing_nullable=False,
            postgresql_using="state::ticket_state",
        )
        return
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.alter_column("state", type_=TICKET_STATE, existing_type=sa.String(length=16), existing_nullable=False)


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.alter_column("tickets", "state", type_=sa.String(length=16), postgresql_using="state::text")
        TICKET_STATE.drop(bind, checkfirst=True)
        return
    with op.batch_alter_table("tickets") as batch_op:
        batch_op.drop_constraint("ticket_state", type_="check")
        batch_op.alter_column("state", type_=sa.String(length=16), existing_nullable=False)

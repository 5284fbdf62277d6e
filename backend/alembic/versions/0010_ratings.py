"""ratings: 好差评 given in chat, linked to the conversation and, where there is one, the ticket

Revision ID: 0010_ratings
Revises: 0009_lookup_failures_out_of_db
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_ratings"
down_revision: str | Sequence[str] | None = "0009_lookup_failures_out_of_db"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conversation_id", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("ticket_number", sa.String(length=20), nullable=True),
        sa.Column("context", sa.String(length=16), nullable=False),
        sa.CheckConstraint("score BETWEEN 1 AND 5", name=op.f("ck_ratings_score_range")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    op.create_index("ix_ratings_conversation_id_created_at", "ratings", ["conversation_id", "created_at"])
    op.create_index("ix_ratings_created_at", "ratings", ["created_at"])
    op.create_index(op.f("ix_ratings_ticket_number"), "ratings", ["ticket_number"])


def downgrade() -> None:
    op.drop_index(op.f("ix_ratings_ticket_number"), table_name="ratings")
    op.drop_index("ix_ratings_created_at", table_name="ratings")
    op.drop_index("ix_ratings_conversation_id_created_at", table_name="ratings")
    op.drop_table("ratings")

"""matters.aliases: the words people use for a matter (食经证, 特行证), for 索引式导办

Revision ID: 0005_matter_aliases
Revises: 0004_provenance
Create Date: 2026-12-01 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005_matter_aliases"
down_revision: str | Sequence[str] | None = "0004_provenance"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.add_column(sa.Column("aliases", sa.JSON(), nullable=False, server_default="[]"))


def downgrade() -> None:
    with op.batch_alter_table("matters") as batch:
        batch.drop_column("aliases")

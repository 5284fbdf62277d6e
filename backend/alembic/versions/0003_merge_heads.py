"""merge the policies and tickets branches into one head

Both grew from the knowledge snapshot independently; with two heads `alembic upgrade head` refuses to run.
Later migrations revise this one (or a later single head), so the history stays linear.

Revision ID: 0003_merge_heads
Revises: 0002_policies, 0002_tickets
Create Date: 2026-12-01 09:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0003_merge_heads"
down_revision: str | Sequence[str] | None = ("0002_policies", "0002_tickets")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass

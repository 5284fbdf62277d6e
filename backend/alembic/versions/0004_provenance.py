"""provenance of matters and policies; several yearly application windows per policy

Every matter and policy now records its sources, when and by which role it was reviewed and how it
was verified (issue 8). A policy's single ``annual_window`` becomes ``annual_windows`` (研发费用加计扣除
is claimed at 汇算清缴 and at two 预缴). ``source``/``source_url`` are replaced by ``sources``.

The knowledge tables are a snapshot of knowledge/: the rows written before this revision have no
provenance, so the published versions are dropped and the next ``make knowledge`` publishes afresh
(until then the API answers "knowledge not loaded" instead of serving unreviewed rows).

Revision ID: 0004_provenance
Revises: 0003_merge_heads
Create Date: 2026-12-01 10:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_provenance"
down_revision: str | Sequence[str] | None = "0003_merge_heads"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_EMPTY = sa.text("'[]'")


def _provenance(table: str) -> None:
    with op.batch_alter_table(table) as batch:
        batch.add_column(sa.Column("sources", sa.JSON(), nullable=False, server_default=_EMPTY))
        batch.add_column(sa.Column("reviewed_on", sa.Date(), nullable=False, server_default="1970-01-01"))
        batch.add_column(sa.Column("reviewed_by", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("verification", sa.String(length=32), nullable=False, server_default="unverified"))
        batch.add_column(sa.Column("replaces", sa.JSON(), nullable=False, server_default=_EMPTY))
        batch.add_column(sa.Column("superseded_by", sa.JSON(), nullable=False, server_default=_EMPTY))


def upgrade() -> None:
    op.execute("DELETE FROM knowledge_versions")
    _provenance("matters")
    _provenance("policies")
    with op.batch_alter_table("policies") as batch:
        batch.add_column(sa.Column("annual_windows", sa.JSON(), nullable=False, server_default=_EMPTY))
        batch.drop_column("annual_window")
        batch.drop_column("source")
        batch.drop_column("source_url")
        batch.create_index("ix_policies_reviewed_on", ["reviewed_on"])
        batch.create_index("ix_policies_verification", ["verification"])


def downgrade() -> None:
    op.execute("DELETE FROM knowledge_versions")
    with op.batch_alter_table("policies") as batch:
        batch.drop_index("ix_policies_verification")
        batch.drop_index("ix_policies_reviewed_on")
        batch.add_column(sa.Column("source_url", sa.Text(), nullable=True))
        batch.add_column(sa.Column("source", sa.Text(), nullable=False, server_default=""))
        batch.add_column(sa.Column("annual_window", sa.JSON(), nullable=True))
        batch.drop_column("annual_windows")
    for table in ("policies", "matters"):
        with op.batch_alter_table(table) as batch:
            for column in ("superseded_by", "replaces", "verification", "reviewed_by", "reviewed_on", "sources"):
                batch.drop_column(column)

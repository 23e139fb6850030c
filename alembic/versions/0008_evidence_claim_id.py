"""evidence: an index on (claim_id, id), so that the tracker's check of a claim's evidence (count,
greatest and sum of ids) and its load of the rows stored since (id > the last it holds) read one
narrow index range, not every index entry of the claim

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evidence_claim_id", "evidence", ["claim_id", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_claim_id", table_name="evidence")

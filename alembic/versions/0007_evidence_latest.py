"""evidence: an index on (claim_id, created_at, id), so a claim's latest evidence (the silence check, run
every cycle) is read from the end of the index instead of sorting all the claim's evidence, which
grows with the store

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_evidence_claim_created", "evidence", ["claim_id", "created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_claim_created", table_name="evidence")

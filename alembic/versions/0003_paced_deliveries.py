"""deliveries: due time, lease, group and batch (paced, leased, retried with backoff)

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.add_column(
            sa.Column("due_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now())
        )
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("group_key", sa.String(length=300), nullable=True))
        batch.add_column(sa.Column("batch", sa.String(length=64), nullable=True))
        batch.drop_index("ix_deliveries_state")
        batch.create_index("ix_deliveries_state_due", ["state", "due_at"], unique=False)
    with op.batch_alter_table("deliveries") as batch:
        batch.alter_column("due_at", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("deliveries") as batch:
        batch.drop_index("ix_deliveries_state_due")
        batch.create_index("ix_deliveries_state", ["state"], unique=False)
        batch.drop_column("batch")
        batch.drop_column("group_key")
        batch.drop_column("lease_until")
        batch.drop_column("due_at")

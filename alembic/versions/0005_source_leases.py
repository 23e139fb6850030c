"""sources: leases for several workers (owner, expiry), a requested poll, an index on the due time;
articles: the canonical link is unique (the database arbitrates between workers storing one article)

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("sources") as batch:
        batch.add_column(sa.Column("poll_requested", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch.add_column(sa.Column("lease_owner", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True))
        batch.create_index("ix_sources_next_check_at", ["next_check_at"], unique=False)
    with op.batch_alter_table("sources") as batch:
        batch.alter_column("poll_requested", server_default=None)
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_url_key")
        batch.create_index("ix_articles_url_key", ["url_key"], unique=True)


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_index("ix_articles_url_key")
        batch.create_index("ix_articles_url_key", ["url_key"], unique=False)
    with op.batch_alter_table("sources") as batch:
        batch.drop_index("ix_sources_next_check_at")
        batch.drop_column("lease_until")
        batch.drop_column("lease_owner")
        batch.drop_column("poll_requested")

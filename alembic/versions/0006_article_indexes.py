"""story_bands and evidence: an index on article_id, so replacing one article's bands and evidence (every
new or updated article) looks rows up instead of scanning tables that grow with the store

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_story_bands_article_id", "story_bands", ["article_id"], unique=False)
    op.create_index("ix_evidence_article_id", "evidence", ["article_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_evidence_article_id", table_name="evidence")
    op.drop_index("ix_story_bands_article_id", table_name="story_bands")

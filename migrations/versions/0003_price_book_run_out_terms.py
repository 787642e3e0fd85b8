"""price book: top-up lead time, blocked-day cost, top-up block

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("price_books", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("top_up_lead_days", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column(
                "blocked_day_cost",
                sa.Numeric(precision=14, scale=4),
                nullable=False,
                server_default="0",
            )
        )
        batch_op.add_column(
            sa.Column("top_up_block_tokens", sa.Integer(), nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("price_books", schema=None) as batch_op:
        batch_op.drop_column("top_up_block_tokens")
        batch_op.drop_column("blocked_day_cost")
        batch_op.drop_column("top_up_lead_days")

"""idempotency keys belong to the API key that sent them (a reply is replayed to it alone)

The stored records are deleted: they cannot be told apart by API key, and replies of
POST /v1/keys among them hold secrets that are no longer kept. A retry of a request made before
the upgrade, within the idempotency TTL, runs again. The downgrade deletes them too (two API keys
may hold the same Idempotency-Key, which the old per-organization constraint forbids).

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-12
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_keys"))
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("api_key_id", sa.Uuid(), nullable=False))
        batch_op.create_foreign_key(
            batch_op.f("fk_idempotency_keys_api_key_id_api_keys"),
            "api_keys",
            ["api_key_id"],
            ["id"],
            ondelete="CASCADE",
        )
        batch_op.drop_constraint(
            batch_op.f("uq_idempotency_keys_organization_id_key"), type_="unique"
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_keys_organization_id_api_key_id_key"),
            ["organization_id", "api_key_id", "key"],
        )


def downgrade() -> None:
    op.execute(sa.text("DELETE FROM idempotency_keys"))
    with op.batch_alter_table("idempotency_keys", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("uq_idempotency_keys_organization_id_api_key_id_key"), type_="unique"
        )
        batch_op.drop_constraint(
            batch_op.f("fk_idempotency_keys_api_key_id_api_keys"), type_="foreignkey"
        )
        batch_op.drop_column("api_key_id")
        batch_op.create_unique_constraint(
            batch_op.f("uq_idempotency_keys_organization_id_key"), ["organization_id", "key"]
        )

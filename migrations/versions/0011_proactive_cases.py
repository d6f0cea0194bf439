"""未诉先办: proactive cases are tickets of channel "proactive", so the channel column grows to 16 characters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 12:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # SQLite does not enforce VARCHAR lengths (and a batch copy of the tickets table would be slow for
    # nothing); on PostgreSQL growing a varchar rewrites neither the table nor its indexes.
    if op.get_bind().dialect.name != "sqlite":
        op.alter_column('tickets', 'channel', type_=sa.String(length=16), existing_type=sa.String(length=8),
                        existing_nullable=False)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        # Refused by PostgreSQL while a proactive case exists: its channel no longer fits.
        op.alter_column('tickets', 'channel', type_=sa.String(length=8), existing_type=sa.String(length=16),
                        existing_nullable=False)

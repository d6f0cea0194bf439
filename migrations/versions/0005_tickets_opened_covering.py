"""tickets opened in a period: cover group and channel so a year of volume is read from the index alone

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28 12:00:00
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_tickets_opened_group_channel', 'tickets', ['opened_at', 'group', 'channel'], unique=False)
    op.drop_index('ix_tickets_opened', table_name='tickets')


def downgrade() -> None:
    op.create_index('ix_tickets_opened', 'tickets', ['opened_at'], unique=False)
    op.drop_index('ix_tickets_opened_group_channel', table_name='tickets')

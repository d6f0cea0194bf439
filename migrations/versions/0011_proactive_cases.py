"""未诉先办: tickets.proactive marks a case the hotline opened itself from a hotspot, with an index to list them

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
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('proactive', sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index('ix_tickets_proactive', 'tickets', ['opened_at'], postgresql_where=sa.text('proactive'),
                    sqlite_where=sa.text('proactive'))


def downgrade() -> None:
    op.drop_index('ix_tickets_proactive', table_name='tickets')
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('proactive')

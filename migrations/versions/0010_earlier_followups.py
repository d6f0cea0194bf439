"""earlier_followups: a 回访 answer superseded after a reopen still counts in its month

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 10:00:00
"""
from alembic import op
import sqlalchemy as sa

import hotline.store.db


revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'earlier_followups',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('ticket_id', sa.Integer(), nullable=False),
        sa.Column('followed_up_at', hotline.store.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column('followup_solved', sa.Boolean(), nullable=True),
        sa.Column('followup_satisfaction', sa.String(length=16), nullable=True),
        sa.Column('unit_type', sa.String(length=16), nullable=False),
        sa.Column('unit_code', sa.String(length=40), nullable=True),
        sa.Column('district_code', sa.String(length=12), nullable=True),
        sa.ForeignKeyConstraint(['ticket_id'], ['tickets.id']),
        sa.PrimaryKeyConstraint('id'))
    op.create_index('ix_earlier_followups_at', 'earlier_followups', ['followed_up_at'])
    op.create_index(op.f('ix_earlier_followups_ticket_id'), 'earlier_followups', ['ticket_id'])


def downgrade() -> None:
    op.drop_index(op.f('ix_earlier_followups_ticket_id'), table_name='earlier_followups')
    op.drop_index('ix_earlier_followups_at', table_name='earlier_followups')
    op.drop_table('earlier_followups')

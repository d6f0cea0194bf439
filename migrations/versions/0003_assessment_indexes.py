"""assessment indexes: clocks due in a month, follow-ups answered in a month, tickets opened in a period

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-28 10:00:00
"""
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_deadlines_clock_due', 'deadlines', ['clock', 'due_at', 'ticket_id'], unique=False)
    op.create_index('ix_tickets_followed_up', 'tickets', ['followed_up_at'], unique=False)
    op.create_index('ix_tickets_opened', 'tickets', ['opened_at'], unique=False)


def downgrade() -> None:
    op.drop_index('ix_tickets_opened', table_name='tickets')
    op.drop_index('ix_tickets_followed_up', table_name='tickets')
    op.drop_index('ix_deadlines_clock_due', table_name='deadlines')

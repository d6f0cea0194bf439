"""Indexes the SMS path needed as tables grow: a caller's tickets by number, a citizen's thread, the masters

ix_tickets_callback_phone: the SMS 回访 answer (and the console's search by phone) find a caller's tickets
without walking every follow-up clock. ix_tickets_similar_masters: the similar-complaint lookup reads only
tickets not merged into another, instead of stepping over a whole hotspot's linked tickets.
ix_conversations_thread (citizen, channel, updated_at) replaces ix_conversations_citizen_id: PostgreSQL, with a
new database's statistics, had planned the open-thread lookup as a walk over the channel's conversations.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04 10:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0013'
down_revision = '0012'
branch_labels = None
depends_on = None

MASTER = "master_id IS NULL"


def upgrade() -> None:
    op.create_index('ix_tickets_callback_phone', 'tickets', ['callback_phone'], unique=False)
    op.create_index('ix_conversations_thread', 'conversations', ['citizen_id', 'channel', 'updated_at'],
                    unique=False)
    op.drop_index('ix_conversations_citizen_id', table_name='conversations')  # the new one's first column
    op.create_index('ix_tickets_similar_masters', 'tickets', ['service_code', 'township_code', 'opened_at'],
                    unique=False, postgresql_where=sa.text(MASTER), sqlite_where=sa.text(MASTER))


def downgrade() -> None:
    op.drop_index('ix_tickets_similar_masters', table_name='tickets')
    op.create_index('ix_conversations_citizen_id', 'conversations', ['citizen_id'], unique=False)
    op.drop_index('ix_conversations_thread', table_name='conversations')
    op.drop_index('ix_tickets_callback_phone', table_name='tickets')

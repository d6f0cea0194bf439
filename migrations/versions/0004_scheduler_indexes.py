"""scheduler indexes: clocks waiting to be planned, follow-up surveys waiting for an SMS answer

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-28 11:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

UNPLANNED = "stage = 0 AND next_action_at IS NOT NULL"
SMS_SURVEY = "clock = 'followup' AND state = 'pending' AND stage IN (3, 4)"


def upgrade() -> None:
    op.create_index('ix_deadlines_unplanned', 'deadlines', ['id'], unique=False,
                    postgresql_where=sa.text(UNPLANNED), sqlite_where=sa.text(UNPLANNED))
    op.create_index('ix_deadlines_sms_survey', 'deadlines', ['ticket_id'], unique=False,
                    postgresql_where=sa.text(SMS_SURVEY), sqlite_where=sa.text(SMS_SURVEY))


def downgrade() -> None:
    op.drop_index('ix_deadlines_sms_survey', table_name='deadlines')
    op.drop_index('ix_deadlines_unplanned', table_name='deadlines')

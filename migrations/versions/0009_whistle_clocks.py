"""whistles: the report-in and part-done clocks the scheduler sweeps (done_due_at, stages, next_action_at)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 09:00:00
"""
from alembic import op
import sqlalchemy as sa

from hotline.store.db import UTCDateTime


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('whistles', schema=None) as batch_op:
        batch_op.add_column(sa.Column('done_due_at', UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('report_stage', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('done_stage', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('next_action_at', UTCDateTime(timezone=True), nullable=True))
    op.create_index('ix_whistles_due', 'whistles', ['next_action_at'],
                    postgresql_where=sa.text('next_action_at IS NOT NULL'),
                    sqlite_where=sa.text('next_action_at IS NOT NULL'))


def downgrade() -> None:
    op.drop_index('ix_whistles_due', table_name='whistles')
    with op.batch_alter_table('whistles', schema=None) as batch_op:
        batch_op.drop_column('next_action_at')
        batch_op.drop_column('done_stage')
        batch_op.drop_column('report_stage')
        batch_op.drop_column('done_due_at')

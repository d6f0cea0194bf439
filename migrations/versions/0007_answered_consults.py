"""consultations the hotline answered itself: a flag the rates can leave out, and the knowledge-base entry used

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.add_column(sa.Column('answered_by_hotline', sa.Boolean(), server_default=sa.false(),
                                   nullable=False))
        batch.add_column(sa.Column('knowledge_entry', sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets') as batch:
        batch.drop_column('knowledge_entry')
        batch.drop_column('answered_by_hotline')

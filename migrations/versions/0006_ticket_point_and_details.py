"""tickets: a map point (lat, long), answers to the service's questions (details), the reporter's name and e-mail

Open311 partners (api/open311/) send these; every other channel leaves them empty.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 09:00:00
"""
from alembic import op
import sqlalchemy as sa


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('lat', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('long', sa.Float(), nullable=True))
        batch_op.add_column(sa.Column('details', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('reporter_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('reporter_email', sa.String(length=254), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_column('reporter_email')
        batch_op.drop_column('reporter_name')
        batch_op.drop_column('details')
        batch_op.drop_column('long')
        batch_op.drop_column('lat')

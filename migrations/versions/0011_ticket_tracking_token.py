"""tickets.tracking_token: the unguessable token of the citizen's tracking page (/t/<token>)

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03 10:00:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.add_column(sa.Column('tracking_token', sa.String(length=24), nullable=True))
    # Every existing ticket gets its own token from `secrets` (the database's random() is not unguessable).
    conn = op.get_bind()
    tickets = sa.table('tickets', sa.column('id', sa.Integer), sa.column('tracking_token', sa.String))
    update = (sa.update(tickets).where(tickets.c.id == sa.bindparam('tid'))
              .values(tracking_token=sa.bindparam('token')))
    last = 0
    while True:
        ids = conn.execute(sa.select(tickets.c.id).where(tickets.c.id > last).order_by(tickets.c.id)
                           .limit(BATCH)).scalars().all()
        if not ids:
            break
        conn.execute(update, [{'tid': i, 'token': secrets.token_urlsafe(12)} for i in ids])
        last = ids[-1]
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.alter_column('tracking_token', existing_type=sa.String(length=24), nullable=False)
        batch_op.create_index(batch_op.f('ix_tickets_tracking_token'), ['tracking_token'], unique=True)


def downgrade() -> None:
    with op.batch_alter_table('tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_tickets_tracking_token'))
        batch_op.drop_column('tracking_token')

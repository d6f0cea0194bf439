"""tickets.tracking_token: the unguessable token of the citizen's tracking page (/t/<token>)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03 10:00:00
"""
import secrets

from alembic import op
import sqlalchemy as sa


revision = '0012'
down_revision = '0011'
branch_labels = None
depends_on = None

BATCH = 5000


def upgrade() -> None:
    # Plain ALTERs, no batch copy: SQLite cannot recreate `tickets` while its foreign keys are enforced, and
    # adds a NOT NULL column only with a default: '' there (the unique index lets at most one row forget
    # its token, and the model's default never does), nullable then NOT NULL on PostgreSQL.
    conn = op.get_bind()
    sqlite = conn.dialect.name == 'sqlite'
    op.add_column('tickets', sa.Column('tracking_token', sa.String(length=24), nullable=not sqlite,
                                       server_default='' if sqlite else None))
    # Every existing ticket gets its own token from `secrets` (the database's random() is not unguessable).
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
    if not sqlite:
        op.alter_column('tickets', 'tracking_token', existing_type=sa.String(length=24), nullable=False)
    op.create_index(op.f('ix_tickets_tracking_token'), 'tickets', ['tracking_token'], unique=True)


def downgrade() -> None:
    op.drop_index(op.f('ix_tickets_tracking_token'), table_name='tickets')
    op.drop_column('tickets', 'tracking_token')

"""edit versions against lost updates, job failure kind, superseded events of requeued dead letters

Revision ID: 0104
Revises: 0103
Create Date: 2026-12-03 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0104'
down_revision = '0103'
branch_labels = None
depends_on = None

# Tables whose edit forms carry the version they were rendered from (SQLAlchemy version_id_col).
VERSIONED = ("household", "person", "visit", "ticket", "credit_record", "dispatch_target", "user_account", "region")


def upgrade():
    for table in VERSIONED:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('row_version', sa.Integer(), server_default='1', nullable=False))
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('error_kind', sa.String(length=16), nullable=True))
    with op.batch_alter_table('dispatch_dead_letter', schema=None) as batch_op:
        batch_op.add_column(sa.Column('superseded_ids', sa.JSON(), nullable=True))


def downgrade():
    with op.batch_alter_table('dispatch_dead_letter', schema=None) as batch_op:
        batch_op.drop_column('superseded_ids')
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('error_kind')
    for table in reversed(VERSIONED):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('row_version')

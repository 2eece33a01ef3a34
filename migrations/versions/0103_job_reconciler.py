"""job reconciler: re-runnable job rows, one live import batch per file, database counters

Revision ID: 0103
Revises: 0005
Create Date: 2026-12-03 08:10:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0103'
down_revision = '0005'
branch_labels = None
depends_on = None

LIVE = sa.text("state <> 'failed'")


def upgrade():
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.add_column(sa.Column('func', sa.String(length=255), nullable=True))
        batch_op.add_column(sa.Column('args', sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column('timeout', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('idempotent', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('requeues', sa.Integer(), server_default=sa.text('0'), nullable=False))

    # A batch whose job failed was never imported: it no longer blocks its file.
    op.execute(sa.text(
        "UPDATE import_batch SET state = 'failed', error = '导入未完成' WHERE state <> 'done' AND state <> 'failed' "
        "AND job_id IN (SELECT id FROM job WHERE state = 'failed')"))
    # Earlier duplicates of one file (two uploads at once) step aside for the newest live batch.
    op.execute(sa.text(
        "UPDATE import_batch SET state = 'failed', error = '重复的导入批次' WHERE state <> 'failed' AND id NOT IN "
        "(SELECT max_id FROM (SELECT MAX(id) AS max_id FROM import_batch WHERE state <> 'failed' "
        "GROUP BY source, content_hash) AS keep)"))
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.create_index('uq_import_batch_active_file', ['source', 'content_hash'], unique=True,
                              sqlite_where=LIVE, postgresql_where=LIVE)

    op.create_table('counter',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_counter'))
    )


def downgrade():
    op.drop_table('counter')
    with op.batch_alter_table('import_batch', schema=None) as batch_op:
        batch_op.drop_index('uq_import_batch_active_file', sqlite_where=LIVE, postgresql_where=LIVE)
    with op.batch_alter_table('job', schema=None) as batch_op:
        batch_op.drop_column('requeues')
        batch_op.drop_column('idempotent')
        batch_op.drop_column('timeout')
        batch_op.drop_column('args')
        batch_op.drop_column('func')

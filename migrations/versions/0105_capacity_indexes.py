"""capacity indexes: live households per grid in list order; trigram search on address and tags (PostgreSQL)

Revision ID: 0105
Revises: 0106
Create Date: 2026-12-03 08:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0105'
down_revision = '0106'
branch_labels = None
depends_on = None

LIVE = sa.text('deleted_at IS NULL')


def upgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    with op.batch_alter_table('household', schema=None) as batch_op:
        # The scoped list: one grid's live households already in list order (and an index-only count).
        batch_op.create_index('ix_household_live_region_updated', ['region_id', 'updated_at', 'id'], unique=False,
                              sqlite_where=LIVE, postgresql_where=LIVE)
        if not postgres:
            batch_op.create_index('ix_household_tags', ['tags'], unique=False)
    if postgres:
        # "address contains" and "has tag" are LIKE '%…%': only a trigram index avoids reading every household.
        op.execute('CREATE EXTENSION IF NOT EXISTS pg_trgm')
        op.drop_index('ix_household_address', table_name='household')
        op.create_index('ix_household_address', 'household', ['address'], unique=False, postgresql_using='gin',
                        postgresql_ops={'address': 'gin_trgm_ops'})
        op.create_index('ix_household_tags', 'household', ['tags'], unique=False, postgresql_using='gin',
                        postgresql_ops={'tags': 'gin_trgm_ops'})


def downgrade():
    postgres = op.get_bind().dialect.name == 'postgresql'
    if postgres:
        op.drop_index('ix_household_tags', table_name='household')
        op.drop_index('ix_household_address', table_name='household')
        op.create_index('ix_household_address', 'household', ['address'], unique=False)
    with op.batch_alter_table('household', schema=None) as batch_op:
        if not postgres:
            batch_op.drop_index('ix_household_tags')
        batch_op.drop_index('ix_household_live_region_updated')

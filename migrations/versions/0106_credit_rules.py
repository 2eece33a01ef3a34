"""credit rules: record classes and 双公示 fields, repair by the source department, objection deadlines,
score models per subject kind, named credit lists

Revision ID: 0106
Revises: 0102
Create Date: 2026-12-03 08:10:00

Existing records are not rewritten: blacklist entries are 严重 by definition and get that class; every other
record that does not fit the new bounds stays as it is and is listed at 规则核查 for the credit office.
"""
from alembic import op
import sqlalchemy as sa


revision = '0106'
down_revision = '0102'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.add_column(sa.Column('publish_necessary', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('basis_record_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('penalty_kind', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('fine_amount', sa.Numeric(precision=16, scale=6), nullable=True))
        batch_op.add_column(sa.Column('license_valid_from', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('license_valid_to', sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f('ix_credit_record_basis_record_id'), ['basis_record_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_credit_record_basis_record_id_credit_record'),
                                    'credit_record', ['basis_record_id'], ['id'])
    # The serious-dishonesty list is 严重 by definition (Order 36); nothing else is reclassified here.
    op.execute("UPDATE credit_record SET severity = 'serious' WHERE category = 'blacklist' AND severity IS NULL")

    with op.batch_alter_table('credit_objection', schema=None) as batch_op:
        batch_op.add_column(sa.Column('check_due_at', sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column('escalated_at', sa.DateTime(), nullable=True))

    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.add_column(sa.Column('department', sa.String(length=64), server_default='', nullable=False))
        batch_op.add_column(sa.Column('commitment_accepted', sa.Boolean(), server_default=sa.false(),
                                      nullable=False))
        batch_op.add_column(sa.Column('fulfilment_note', sa.Text(), server_default='', nullable=False))
        batch_op.add_column(sa.Column('forwarded_at', sa.DateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_credit_repair_department'), ['department'], unique=False)
    op.execute("UPDATE credit_repair SET department = (SELECT department FROM credit_record "
               "WHERE credit_record.id = credit_repair.record_id)")

    with op.batch_alter_table('credit_score_model', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sa.String(length=16), server_default='person', nullable=False))
        batch_op.drop_constraint('uq_credit_score_model_version', type_='unique')
        batch_op.create_unique_constraint('uq_credit_score_model_kind_version', ['kind', 'version'])

    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.add_column(sa.Column('model_kind', sa.String(length=16), server_default='person', nullable=False))

    op.create_table('credit_list_entry',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('list_kind', sa.String(length=16), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('record_id', sa.Integer(), nullable=True),
    sa.Column('basis', sa.Text(), nullable=False),
    sa.Column('authority', sa.String(length=128), nullable=False),
    sa.Column('doc_number', sa.String(length=64), nullable=False),
    sa.Column('entered_on', sa.Date(), nullable=False),
    sa.Column('valid_until', sa.Date(), nullable=True),
    sa.Column('removed_on', sa.Date(), nullable=True),
    sa.Column('removal_reason', sa.String(length=16), nullable=True),
    sa.Column('removal_note', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(), nullable=False),
    sa.ForeignKeyConstraint(['record_id'], ['credit_record.id'], name=op.f('fk_credit_list_entry_record_id_credit_record')),
    sa.ForeignKeyConstraint(['subject_id'], ['credit_subject.id'], name=op.f('fk_credit_list_entry_subject_id_credit_subject')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credit_list_entry'))
    )
    with op.batch_alter_table('credit_list_entry', schema=None) as batch_op:
        batch_op.create_index('ix_credit_list_entry_kind_subject', ['list_kind', 'subject_id'], unique=False)


def downgrade():
    with op.batch_alter_table('credit_list_entry', schema=None) as batch_op:
        batch_op.drop_index('ix_credit_list_entry_kind_subject')
    op.drop_table('credit_list_entry')

    with op.batch_alter_table('credit_report', schema=None) as batch_op:
        batch_op.drop_column('model_kind')

    # Organisation models cannot live in the one-kind table: keep only the personal versions.
    op.execute("DELETE FROM credit_score_model WHERE kind <> 'person'")
    with op.batch_alter_table('credit_score_model', schema=None) as batch_op:
        batch_op.drop_constraint('uq_credit_score_model_kind_version', type_='unique')
        batch_op.create_unique_constraint('uq_credit_score_model_version', ['version'])
        batch_op.drop_column('kind')

    op.execute("UPDATE credit_repair SET state = 'pending' WHERE state = 'forwarded'")
    with op.batch_alter_table('credit_repair', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_credit_repair_department'))
        batch_op.drop_column('forwarded_at')
        batch_op.drop_column('fulfilment_note')
        batch_op.drop_column('commitment_accepted')
        batch_op.drop_column('department')

    with op.batch_alter_table('credit_objection', schema=None) as batch_op:
        batch_op.drop_column('escalated_at')
        batch_op.drop_column('check_due_at')

    with op.batch_alter_table('credit_record', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_credit_record_basis_record_id_credit_record'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_credit_record_basis_record_id'))
        batch_op.drop_column('license_valid_to')
        batch_op.drop_column('license_valid_from')
        batch_op.drop_column('fine_amount')
        batch_op.drop_column('penalty_kind')
        batch_op.drop_column('basis_record_id')
        batch_op.drop_column('publish_necessary')

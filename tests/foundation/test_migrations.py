"""Migrations build the whole schema from empty, and go down and up again, on SQLite and PostgreSQL."""
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from app import create_app
from app.config import TestConfig
from app.extensions import db
from tests.conftest import TEST_DATABASE_URL


def _tables(app):
    with app.app_context():
        return set(inspect(db.engine).get_table_names())


def test_migrations_match_models_and_round_trip(tmp_path):
    url = TEST_DATABASE_URL or f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    app = create_app(TestConfig(tmp_path, url))
    expected = set(db.metadata.tables)
    with app.app_context():
        upgrade()
        assert expected <= set(inspect(db.engine).get_table_names())
        downgrade(revision="base")
        assert set(inspect(db.engine).get_table_names()) <= {"alembic_version"}
        upgrade()
        assert expected <= set(inspect(db.engine).get_table_names())
        db.engine.dispose()


def test_models_have_no_unmigrated_changes(app):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    with db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
    assert diff == []

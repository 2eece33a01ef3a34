"""Alembic migrations (Flask-Migrate)."""

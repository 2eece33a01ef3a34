"""Configuration: keys generated with safe permissions, production refuses to start without keys."""
import os
import stat

import pytest

from app.config import Config, ConfigError, normalize_database_url
from tests.conftest import _reachable


def test_secret_key_is_generated_once_with_0600(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    first = Config(tmp_path)
    second = Config(tmp_path)
    assert first.SECRET_KEY == second.SECRET_KEY and len(first.SECRET_KEY) >= 40
    mode = stat.S_IMODE(os.stat(tmp_path / "secret_key").st_mode)
    assert mode == 0o600
    assert first.PII_KEY != first.SECRET_KEY


def test_production_without_secret_key_refuses_to_start(tmp_path, monkeypatch):
    monkeypatch.setenv("PORTAL_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        Config(tmp_path)
    monkeypatch.setenv("SECRET_KEY", "x" * 48)
    monkeypatch.delenv("PORTAL_PII_KEY", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_PII_KEY"):
        Config(tmp_path)
    monkeypatch.setenv("PORTAL_PII_KEY", "y" * 48)
    monkeypatch.delenv("PORTAL_PUBLIC_URL", raising=False)
    with pytest.raises(ConfigError, match="PORTAL_PUBLIC_URL"):
        Config(tmp_path)
    monkeypatch.setenv("PORTAL_PUBLIC_URL", "https://portal.qinghe.example/")
    config = Config(tmp_path)
    assert config.SESSION_COOKIE_SECURE and not (tmp_path / "secret_key").exists()
    assert config.PUBLIC_URL == "https://portal.qinghe.example"


@pytest.mark.parametrize("value", ["portal.qinghe.example", "ftp://portal", "https://", "https://p.example/?x=1"])
def test_public_url_must_be_an_http_address(tmp_path, monkeypatch, value):
    monkeypatch.delenv("PORTAL_ENV", raising=False)
    monkeypatch.setenv("PORTAL_PUBLIC_URL", value)
    with pytest.raises(ConfigError, match="PORTAL_PUBLIC_URL"):
        Config(tmp_path)


def test_postgres_urls_use_psycopg3():
    assert normalize_database_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_database_url("sqlite:///x") == "sqlite:///x"


def test_unreachable_service_is_reported_not_waited_for():
    problem = _reachable("postgresql://postgres@127.0.0.1:9/test", 5432)  # discard port: nothing listens
    assert problem and "无法连接" in problem

"""Configuration read from the environment (PORTAL_* / DATABASE_URL / REDIS_URL)."""
import os
import secrets
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

BASE_DIR = Path(__file__).resolve().parent.parent
DEFAULT_INSTANCE = BASE_DIR / "instance"


class ConfigError(RuntimeError):
    """Raised when the environment cannot give a safe configuration."""


def _env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def load_or_create_secret(instance: Path, filename: str = "secret_key") -> str:
    """Read a key file from the instance folder, creating it (mode 0600) on first run."""
    path = instance / filename
    if path.exists():
        return path.read_text().strip()
    instance.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    # O_EXCL: two processes starting at once must not write two different keys.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key)
    return key


class Config:
    """Settings for development and production; every value can come from the environment."""

    def __init__(self, instance_dir: Path | None = None) -> None:
        self.ENV_NAME = os.environ.get("PORTAL_ENV", "development")
        self.PRODUCTION = self.ENV_NAME == "production"
        self.INSTANCE_DIR = Path(instance_dir or os.environ.get("PORTAL_INSTANCE_DIR") or DEFAULT_INSTANCE)
        self.FILES_DIR = Path(os.environ.get("PORTAL_FILES_DIR", self.INSTANCE_DIR / "files"))
        self.BACKUP_DIR = Path(os.environ.get("PORTAL_BACKUP_DIR", self.INSTANCE_DIR / "backups"))

        secret = os.environ.get("SECRET_KEY")
        if not secret:
            if self.PRODUCTION:
                raise ConfigError("PORTAL_ENV=production 时必须设置 SECRET_KEY 环境变量")
            secret = load_or_create_secret(self.INSTANCE_DIR)
        self.SECRET_KEY = secret
        # Separate keys so a leaked session key does not also unlock stored PII.
        self.PII_KEY = os.environ.get("PORTAL_PII_KEY") or (
            None if self.PRODUCTION else load_or_create_secret(self.INSTANCE_DIR, "pii_key")
        )
        if self.PII_KEY is None:
            raise ConfigError("PORTAL_ENV=production 时必须设置 PORTAL_PII_KEY 环境变量")

        # Absolute links in QR codes, SMS and e-mails; never taken from the request's Host header.
        self.PUBLIC_URL = public_url_from_env(self.PRODUCTION)

        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(
            os.environ.get("DATABASE_URL") or f"sqlite:///{self.INSTANCE_DIR / 'portal.sqlite3'}"
        )
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REDIS_URL = os.environ.get("REDIS_URL") or None
        self.EMBEDDED_WORKER = _env_bool("PORTAL_EMBEDDED_WORKER", self.REDIS_URL is None)

        self.SESSION_COOKIE_HTTPONLY = True
        self.SESSION_COOKIE_SAMESITE = "Lax"
        self.SESSION_COOKIE_SECURE = self.PRODUCTION
        self.SESSION_COOKIE_NAME = "portal_session"
        self.PERMANENT_SESSION_LIFETIME = timedelta(hours=12)
        self.IDLE_TIMEOUT_STAFF = timedelta(minutes=int(os.environ.get("PORTAL_IDLE_MINUTES", 30)))
        self.IDLE_TIMEOUT_KIOSK = timedelta(minutes=2)

        # WTForms' own zh messages (Flask-WTF's translations need Flask-Babel, which the portal does not use).
        self.WTF_I18N_ENABLED = False
        self.WTF_CSRF_TIME_LIMIT = None  # the session's own lifetime bounds the token
        self.WTF_CSRF_SSL_STRICT = self.PRODUCTION
        # Uploads above this are refused with 413 before any parsing.
        self.MAX_CONTENT_LENGTH = int(os.environ.get("PORTAL_MAX_UPLOAD_MB", 20)) * 1024 * 1024
        self.MAX_FORM_MEMORY_SIZE = 512 * 1024
        self.MAX_FORM_PARTS = 200

        self.COMPRESS_MIMETYPES = [
            "text/html", "text/css", "application/javascript", "text/javascript", "application/json",
            "image/svg+xml",
        ]
        self.COMPRESS_ALGORITHM = ["br", "gzip"]
        # Browsers offer br only over HTTPS; intranet HTTP clients need gzip for static files too.
        self.COMPRESS_ALGORITHM_STREAMING = ["br", "gzip"]
        self.COMPRESS_MIN_SIZE = 256
        self.SEND_FILE_MAX_AGE_DEFAULT = timedelta(hours=1)

        self.LOGIN_MAX_FAILURES = 5
        self.LOGIN_WINDOW = timedelta(minutes=15)
        self.LOGIN_LOCK = timedelta(minutes=15)
        self.LOGIN_MAX_FAILURES_PER_ADDRESS = int(os.environ.get("PORTAL_LOGIN_MAX_PER_ADDRESS", 20))
        # Reverse proxies in front of waitress whose X-Forwarded-For/-Proto are believed (0: none, headers ignored).
        self.PROXY_HOPS = int(os.environ.get("PORTAL_PROXY_HOPS", 0))

        self.SMS_GATEWAY = os.environ.get("PORTAL_SMS_GATEWAY", "log")
        self.SMTP_HOST = os.environ.get("PORTAL_SMTP_HOST") or None
        self.SMTP_PORT = int(os.environ.get("PORTAL_SMTP_PORT", 25))
        self.SMTP_USER = os.environ.get("PORTAL_SMTP_USER") or None
        self.SMTP_PASSWORD = os.environ.get("PORTAL_SMTP_PASSWORD") or None
        self.SMTP_FROM = os.environ.get("PORTAL_SMTP_FROM") or None
        self.SMTP_STARTTLS = _env_bool("PORTAL_SMTP_STARTTLS")

        self.DISPATCH_DROP_ROOT = Path(os.environ.get("PORTAL_DISPATCH_DROP_ROOT", self.INSTANCE_DIR / "dispatch-drop"))
        # Events younger than this wait, so a slower transaction's earlier id is never skipped by the cursor.
        self.DISPATCH_SETTLE_SECONDS = float(os.environ.get("PORTAL_DISPATCH_SETTLE_SECONDS", 5))
        self.DISPATCH_BACKOFF_BASE = float(os.environ.get("PORTAL_DISPATCH_BACKOFF_BASE", 10))
        self.DISPATCH_BACKOFF_MAX = 900.0
        self.DISPATCH_HTTP_TIMEOUT = 10
        # host:port pairs that reach this portal; a target pointing there would loop events back.
        self.SELF_HOSTS = [h.strip() for h in os.environ.get("PORTAL_SELF_HOSTS", "127.0.0.1:8000,localhost:8000")
                           .split(",") if h.strip()]

        self.PAGE_SIZE = 20
        self.PAGE_SIZE_MAX = 100
        self.JOB_TIMEOUT = int(os.environ.get("PORTAL_JOB_TIMEOUT", 600))
        self.JOB_RESULT_TTL = 24 * 3600
        self.JOB_FAILURE_TTL = 7 * 24 * 3600
        # A forking worker beats for its running job this often; the reconciler calls three missed beats a death.
        self.JOB_HEARTBEAT_SECONDS = int(os.environ.get("PORTAL_JOB_HEARTBEAT_SECONDS", 10))
        self.RECONCILE_SECONDS = int(os.environ.get("PORTAL_RECONCILE_SECONDS", 15))
        self.TESTING = False


class TestConfig(Config):
    __test__ = False  # not a pytest test class

    """Settings for the test suite: TEST_DATABASE_URL / TEST_REDIS_URL or SQLite + fakeredis."""

    def __init__(self, instance_dir: Path, database_url: str | None = None) -> None:
        super().__init__(instance_dir)
        self.FILES_DIR = Path(instance_dir) / "files"
        self.TESTING = True
        self.SECRET_KEY = "test-secret-key-not-for-production"
        self.PII_KEY = "test-pii-key-not-for-production"
        self.PUBLIC_URL = "https://portal.qinghe.example"
        url = database_url or os.environ.get("TEST_DATABASE_URL") or f"sqlite:///{self.INSTANCE_DIR / 'test.sqlite3'}"
        self.SQLALCHEMY_DATABASE_URI = normalize_database_url(url)
        self.SQLALCHEMY_ENGINE_OPTIONS = engine_options(self.SQLALCHEMY_DATABASE_URI)
        self.REDIS_URL = os.environ.get("TEST_REDIS_URL") or None
        self.EMBEDDED_WORKER = False
        self.DISPATCH_SETTLE_SECONDS = 0.0
        self.DISPATCH_BACKOFF_BASE = 0.0


def public_url_from_env(production: bool) -> str:
    """PORTAL_PUBLIC_URL checked: http(s)://host[:port][/prefix], required in production."""
    value = (os.environ.get("PORTAL_PUBLIC_URL") or "").strip().rstrip("/")
    if not value:
        if production:
            raise ConfigError("PORTAL_ENV=production 时必须设置 PORTAL_PUBLIC_URL（如 https://portal.example.gov.cn）")
        return "http://127.0.0.1:8000"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
        raise ConfigError(f"PORTAL_PUBLIC_URL 应为 http(s)://主机[:端口][/路径]，当前为 {value}")
    return value


def normalize_database_url(url: str) -> str:
    """Use psycopg 3 for PostgreSQL URLs written the common way."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def engine_options(url: str) -> dict:
    """Pool settings per database: SQLite waits on locks, PostgreSQL fails fast when unreachable."""
    if url.startswith("sqlite"):
        return {"connect_args": {"timeout": 30}}
    return {"pool_pre_ping": True, "pool_size": 10, "max_overflow": 20, "connect_args": {"connect_timeout": 5}}

"""Application factory for the 基层治理一张表 portal."""
from flask import Flask

from app.config import Config


def create_app(config: Config | None = None) -> Flask:
    """Build the app: extensions, blueprints, CLI and error handlers. Nothing runs at import time."""
    app = Flask(__name__, instance_relative_config=False)
    config = config or Config()
    app.config.from_object(config)
    app.config["FILES_DIR"].mkdir(parents=True, exist_ok=True)

    from app import assets, compression, errors, navigation, versioning, web
    from app.extensions import compress, csrf, db, htmx, login_manager, migrate
    from app.security import audit_labels, headers, idempotency, pii, proxy, region_cache, sessions

    db.init_app(app)
    migrate.init_app(app, db, directory=str(config_migrations_dir()), render_as_batch=True, compare_type=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    htmx.init_app(app)
    compress.init_app(app)
    compression.init_app(app)

    proxy.init_app(app)
    sessions.init_app(app)
    region_cache.init_app(app)
    idempotency.init_app(app)
    headers.init_app(app)
    pii.init_app(app)
    audit_labels.init_app(app)
    assets.init_app(app)
    web.init_app(app)
    navigation.init_app(app)
    errors.init_app(app)
    versioning.init_app(app)
    _register_blueprints(app)

    from app import cli

    cli.init_app(app)
    return app


def config_migrations_dir():
    """The Alembic folder beside the package."""
    from app.config import BASE_DIR

    return BASE_DIR / "migrations"


def _register_blueprints(app: Flask) -> None:
    from app.blueprints.admin import bp as admin_bp
    from app.blueprints.auth import bp as auth_bp
    from app.blueprints.home import bp as home_bp
    from app.blueprints.dispatch import bp as dispatch_bp
    from app.blueprints.jobs import bp as jobs_bp
    from app.blueprints.monitor import bp as monitor_bp
    from app.blueprints.notifications import bp as notifications_bp
    from app.blueprints.reports import bp as reports_bp
    from app.blueprints.tickets import bp as tickets_bp
    from app.blueprints.households import bp as households_bp
    from app.blueprints.pool import bp as pool_bp
    from app.blueprints.credit import bp as credit_bp
    from app.blueprints.kiosk import bp as kiosk_bp
    from app.blueprints.verify import bp as verify_bp
    from app.blueprints.visits import bp as visits_bp
    from app.blueprints.moves import bp as moves_bp

    app.register_blueprint(auth_bp)
    app.register_blueprint(home_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(jobs_bp, url_prefix="/jobs")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(monitor_bp, url_prefix="/admin/jobs")
    app.register_blueprint(dispatch_bp, url_prefix="/dispatch")
    app.register_blueprint(reports_bp, url_prefix="/reports")
    app.register_blueprint(tickets_bp, url_prefix="/tickets")
    app.register_blueprint(households_bp, url_prefix="/households")
    app.register_blueprint(pool_bp, url_prefix="/pool")
    app.register_blueprint(credit_bp, url_prefix="/credit")
    app.register_blueprint(kiosk_bp, url_prefix="/kiosk")
    app.register_blueprint(verify_bp, url_prefix="/verify")
    app.register_blueprint(visits_bp, url_prefix="/visits")
    app.register_blueprint(moves_bp, url_prefix="/moves")

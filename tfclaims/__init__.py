"""tfclaims: Troubled Families / Supporting Families payment-by-results claims for English councils."""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from jinja2 import ChoiceLoader, FileSystemLoader, PackageLoader, PrefixLoader

REPO_ROOT = Path(__file__).resolve().parent.parent


SQLITE_IN_PRODUCTION = (
    "tfclaims is running in production on SQLite. SQLite suits one small team: it lets one request write at a "
    "time, so users wait for each other, and it runs on one machine only. For a whole service (several users at "
    "once, several workers or machines, background jobs) set DATABASE_URL to PostgreSQL (README, 'Running in "
    "production')."
)


def create_app(test_config: dict | None = None) -> Flask:
    """Config -> extensions -> blueprints -> errors -> CLI."""
    app = Flask(
        __name__,
        instance_path=str(REPO_ROOT / "instance"),
        template_folder=str(REPO_ROOT / "templates"),
        static_folder="static",
        static_url_path="/static",
    )

    from tfclaims.config import load_config

    app.config.from_mapping(load_config(app.instance_path, test_config))
    app.config.setdefault("GOVUK_ASSETS_DIR", str(Path(app.root_path) / "assets_build"))
    if app.config.get("TFCLAIMS_ENV") == "production" and str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith(
        "sqlite"
    ):
        app.logger.warning(SQLITE_IN_PRODUCTION)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)  # type: ignore[method-assign]

    app.jinja_loader = ChoiceLoader(
        [
            FileSystemLoader(str(REPO_ROOT / "templates")),
            PrefixLoader(
                {
                    "govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja"),
                    "govuk_frontend_wtf": PackageLoader("govuk_frontend_wtf"),
                }
            ),
        ]
    )
    app.jinja_env.trim_blocks = True
    app.jinja_env.lstrip_blocks = True

    from tfclaims.inputs import BoundedIntConverter

    app.url_map.converters["int"] = BoundedIntConverter  # ids beyond a PostgreSQL integer are a 404, not a 500
    _init_extensions(app)
    _register_blueprints(app)

    from tfclaims import security, web

    security.init_app(app)
    web.init_app(app)

    from tfclaims import cli

    cli.init_app(app)
    from tfclaims import logs

    logs.init_app(app)
    return app


def _init_extensions(app: Flask) -> None:
    import tfclaims.models  # noqa: F401  (every model registered before the mappers configure)
    from tfclaims.audit import services as _audit_listeners  # noqa: F401
    from tfclaims.extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(REPO_ROOT / "migrations"))
    csrf.init_app(app)
    login_manager.init_app(app)
    limiter.init_app(app)
    from tfclaims.jobs import queue

    queue.init_app(app)


def _register_blueprints(app: Flask) -> None:
    from tfclaims.audit.views import bp as audit_bp
    from tfclaims.auth.views import admin_bp
    from tfclaims.auth.views import bp as auth_bp
    from tfclaims.claims.views import bp as claims_bp
    from tfclaims.core.views import bp as core_bp
    from tfclaims.dataprotection.views import bp as dataprotection_bp
    from tfclaims.engine.views import bp as engine_bp
    from tfclaims.families.views import bp as families_bp
    from tfclaims.forecasts.views import bp as forecasts_bp
    from tfclaims.imports.views import bp as imports_bp
    from tfclaims.jobs.views import bp as jobs_bp
    from tfclaims.outcomes_plan.views import bp as plans_bp
    from tfclaims.pathway.views import bp as pathway_bp
    from tfclaims.progress.views import bp as progress_bp
    from tfclaims.retention.views import bp as retention_bp
    from tfclaims.returns.views import bp as returns_bp
    from tfclaims.scorecard.views import bp as scorecard_bp

    app.register_blueprint(core_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    app.register_blueprint(audit_bp, url_prefix="/audit-trail")
    app.register_blueprint(plans_bp, url_prefix="/outcomes-plans")
    app.register_blueprint(families_bp, url_prefix="/families")
    app.register_blueprint(progress_bp, url_prefix="/families")
    app.register_blueprint(engine_bp, url_prefix="/cohort")
    app.register_blueprint(returns_bp, url_prefix="/returns")
    app.register_blueprint(claims_bp, url_prefix="/claims")
    app.register_blueprint(scorecard_bp, url_prefix="/scorecard")
    app.register_blueprint(forecasts_bp, url_prefix="/forecasts")
    app.register_blueprint(retention_bp, url_prefix="/retention")
    app.register_blueprint(dataprotection_bp, url_prefix="/data-protection")
    app.register_blueprint(jobs_bp, url_prefix="/jobs")
    app.register_blueprint(imports_bp, url_prefix="/partner-data")
    app.register_blueprint(pathway_bp)

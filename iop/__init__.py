"""Stepwise: measurement-based care for virtual intensive outpatient programs."""

from pathlib import Path

from flask import Flask

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Build the application; nothing is created at import time."""
    app = Flask(
        __name__,
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
        instance_path=str(ROOT / "instance"),
    )
    from iop import config as settings

    app.config.from_mapping(settings.DEFAULTS)
    app.config.from_mapping(settings.from_environment())
    if config:
        app.config.from_mapping(config)
    app.config.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", settings.engine_options(app.config["SQLALCHEMY_DATABASE_URI"])
    )
    _check_secret_key(app)
    _trust_proxies(app)
    Path(app.instance_path).mkdir(exist_ok=True)

    from iop import assets, cli, compression, ids, security, templating
    from iop.extensions import csrf, db, htmx, login_manager, migrate

    ids.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, render_as_batch=True)
    csrf.init_app(app)
    htmx.init_app(app)
    login_manager.init_app(app)
    assets.init_app(app)
    security.init_app(app)
    compression.init_app(app)
    templating.init_app(app)
    _register_blueprints(app)
    cli.init_app(app)
    return app


def _check_secret_key(app: Flask) -> None:
    """Refuse to start a real deployment without its own secret key."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config["IOP_DEMO"] or app.config.get("TESTING"):
        # The demo and tests get a fixed key; sessions still live server-side.
        app.config["SECRET_KEY"] = "stepwise-demo-only-secret-key"
        return
    raise RuntimeError("SECRET_KEY is not set; see the README's configuration section")


def _trust_proxies(app: Flask) -> None:
    """Behind N trusted proxies, the client's address is the Nth from the right in X-Forwarded-For.

    Without this every sign-in looks as if it came from the proxy, and per-address throttling would
    treat the whole clinic as one visitor. Headers from anyone else are ignored.
    """
    proxies = app.config["IOP_TRUSTED_PROXIES"]
    if proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies)


def _register_blueprints(app: Flask) -> None:
    from iop.account.routes import bp as account_bp
    from iop.admin.routes import bp as admin_bp
    from iop.alerts.routes import bp as alerts_bp
    from iop.api.routes import bp as api_bp
    from iop.auth.routes import bp as auth_bp
    from iop.breakglass.routes import bp as breakglass_bp
    from iop.clients.routes import bp as clients_bp
    from iop.cohorts.routes import bp as cohorts_bp
    from iop.consents.routes import bp as consents_bp
    from iop.family.routes import bp as family_bp
    from iop.goals.routes import bp as goals_bp
    from iop.home.routes import bp as home_bp
    from iop.me.routes import bp as me_bp
    from iop.medications.routes import bp as medications_bp
    from iop.messages.routes import bp as messages_bp
    from iop.reviews.routes import bp as reviews_bp
    from iop.self_reports.routes import bp as self_reports_bp
    from iop.sessions.routes import bp as sessions_bp
    from iop.symptoms.routes import bp as symptoms_bp

    for blueprint in (
        auth_bp,
        home_bp,
        cohorts_bp,
        sessions_bp,
        clients_bp,
        symptoms_bp,
        goals_bp,
        medications_bp,
        reviews_bp,
        consents_bp,
        family_bp,
        admin_bp,
        api_bp,
        alerts_bp,
        account_bp,
        breakglass_bp,
        self_reports_bp,
        messages_bp,
        me_bp,
    ):
        app.register_blueprint(blueprint)

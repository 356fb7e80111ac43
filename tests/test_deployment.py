"""The production settings the README's deployment guide names: pools, the statement timeout, gunicorn."""

from __future__ import annotations

import os
import runpy

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

from iop import ROOT, create_app
from iop.config import engine_options
from iop.extensions import db
from tests.conftest import TEST_CONFIG

PG_URL = "postgresql://postgres@127.0.0.1:5432/stepwise"


def gunicorn_settings(monkeypatch, **env) -> dict:
    for name in ("WEB_CONCURRENCY", "GUNICORN_THREADS", "GUNICORN_TIMEOUT", "IOP_DB_STATEMENT_TIMEOUT_MS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_postgresql_pools_follow_the_environment(monkeypatch):
    monkeypatch.setenv("IOP_DB_POOL_SIZE", "3")
    monkeypatch.setenv("IOP_DB_MAX_OVERFLOW", "0")
    options = engine_options(PG_URL)
    assert (options["pool_size"], options["max_overflow"], options["pool_pre_ping"]) == (3, 0, True)


def test_the_statement_timeout_is_passed_to_postgresql_only_when_set(monkeypatch):
    monkeypatch.delenv("IOP_DB_STATEMENT_TIMEOUT_MS", raising=False)
    assert "connect_args" not in engine_options(PG_URL)
    monkeypatch.setenv("IOP_DB_STATEMENT_TIMEOUT_MS", "0")
    assert "connect_args" not in engine_options(PG_URL)
    monkeypatch.setenv("IOP_DB_STATEMENT_TIMEOUT_MS", "1")
    assert engine_options(PG_URL)["connect_args"] == {"options": "-c statement_timeout=1"}


def test_sqlite_gets_no_pool_or_timeout_arguments(monkeypatch):
    monkeypatch.setenv("IOP_DB_STATEMENT_TIMEOUT_MS", "5000")
    assert engine_options("sqlite:////tmp/x.sqlite") == {"pool_pre_ping": True}
    assert engine_options("sqlite://") == {"pool_pre_ping": True}


def test_engine_options_given_to_the_app_win(monkeypatch):
    monkeypatch.setenv("IOP_DB_STATEMENT_TIMEOUT_MS", "5000")
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://", "SQLALCHEMY_ENGINE_OPTIONS": {}})
    assert app.config["SQLALCHEMY_ENGINE_OPTIONS"] == {}


@pytest.mark.postgresql
def test_postgresql_cancels_a_statement_past_the_timeout(make_app, monkeypatch):
    make_app()  # the first app empties the database afterwards, with no limit
    monkeypatch.setenv("IOP_DB_STATEMENT_TIMEOUT_MS", "200")
    limited = make_app()
    if not limited.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only")
    with limited.app_context():
        assert db.session.scalar(text("SHOW statement_timeout")) == "200ms"
        assert db.session.scalar(text("SELECT 1 FROM pg_sleep(0.05)")) == 1  # under the limit
        db.session.rollback()
        with pytest.raises(OperationalError, match="statement timeout"):
            db.session.execute(text("SELECT pg_sleep(0.5)"))
        db.session.rollback()
        db.session.remove()


def test_gunicorn_sizes_itself_from_the_environment(monkeypatch):
    settings = gunicorn_settings(
        monkeypatch, WEB_CONCURRENCY="3", GUNICORN_THREADS="2", GUNICORN_TIMEOUT="40"
    )
    assert (settings["workers"], settings["threads"], settings["timeout"]) == (3, 2, 40)
    assert settings["preload_app"] is True
    assert settings["forwarded_allow_ips"] == "127.0.0.1,::1"


def test_web_statements_stop_before_the_worker_timeout(monkeypatch):
    gunicorn_settings(monkeypatch, GUNICORN_TIMEOUT="30")
    assert os.environ["IOP_DB_STATEMENT_TIMEOUT_MS"] == "25000"
    gunicorn_settings(monkeypatch, GUNICORN_TIMEOUT="30", IOP_DB_STATEMENT_TIMEOUT_MS="7000")
    assert os.environ["IOP_DB_STATEMENT_TIMEOUT_MS"] == "7000"  # an operator's own value stays


def test_the_access_log_never_holds_a_link_secret_or_a_query_string(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    redact = settings["redact_path"]
    assert redact("/me/l/AbC-123_xyz") == "/me/l/[redacted]"
    assert redact("/family/invitations/s3cret") == "/family/invitations/[redacted]"
    assert redact("/auth/reset/s3cret") == "/auth/reset/[redacted]"
    assert redact("/me/checkin") == "/me/checkin"
    assert redact("/clients/12") == "/clients/12"
    assert "%(U)s" in settings["access_log_format"] and "%(r)s" not in settings["access_log_format"]
    assert "%(q)s" not in settings["access_log_format"] and "%(f)s" not in settings["access_log_format"]


class FakeWorker:
    started: list = []

    def __init__(self, queues, connection):
        self.queues = queues

    def work(self, burst, with_scheduler):
        FakeWorker.started.append(([q.name for q in self.queues], burst, with_scheduler))


def test_a_worker_can_serve_one_queue_so_each_scales_on_its_own(make_app, monkeypatch):
    import rq

    app = make_app(REDIS_URL="redis://127.0.0.1:6379/15")  # never reached: the worker is a stand-in
    monkeypatch.setattr(rq, "Worker", FakeWorker)
    FakeWorker.started = []
    runner = app.test_cli_runner()
    with app.app_context():
        assert runner.invoke(args=["worker", "--burst"]).exit_code == 0
        assert runner.invoke(args=["worker", "--burst", "--queue", "reviews"]).exit_code == 0
        refused = runner.invoke(args=["worker", "--queue", "everything"])
    assert refused.exit_code != 0 and "everything" in refused.output
    assert FakeWorker.started == [(["default", "reviews"], True, True), (["reviews"], True, True)]


def test_the_load_run_crowd_has_every_role_and_adds_up():
    from tests.load.server import crowd

    assert crowd(50) == {"case_manager": 8, "family": 6, "client": 6, "clinician": 30}
    small = crowd(4)
    assert sum(small.values()) == 4 and min(small.values()) == 1


def test_the_load_run_counts_every_answer_but_a_200_as_an_error():
    from tests.load.server import summarise

    row = summarise("cohort page", [10.0] * 98 + [300.0, 900.0], {"200": 97, "302": 2, "500": 1}, seconds=10)
    assert (row["requests"], row["throughput_rps"], row["errors"]) == (100, 10.0, 3)
    assert (row["p50_ms"], row["p95_ms"], row["p99_ms"]) == (10.0, 10.0, 300.0)


class FakeLog:
    def __init__(self):
        self.lines = []
        self.warnings = []

    def info(self, message, *args):
        self.lines.append(message % args)

    def warning(self, message, *args):
        self.warnings.append(message % args)


class FakeServer:
    """What gunicorn's hooks use of the arbiter: its settings, its app and its log."""

    def __init__(self, app, preload: bool):
        self.cfg = type("Cfg", (), {"preload_app": preload})()
        self.app = type("Loaded", (), {"wsgi": staticmethod(lambda: app)})()
        self.log = FakeLog()


def template_names(app) -> set[str]:
    return {template.name for template in app.jinja_env.cache.values()}


def test_warming_compiles_every_template_and_resolves_the_bundles_without_the_database():
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    from iop.assets import BUNDLES
    from iop.warm import warm

    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    names = set(app.jinja_env.list_templates(extensions=("html", "txt")))
    assert len(names) > 50 and "sessions/detail.html" in names
    assert not names <= template_names(app)  # the app alone compiles one macro file, not the pages
    connections = []

    def connected(*args):
        connections.append(args)

    event.listen(Pool, "connect", connected)
    try:
        warmed = warm(app)
    finally:
        event.remove(Pool, "connect", connected)
    assert warmed["templates"] == len(names) and names <= template_names(app)
    assert set(app.extensions["iop_bundle_urls"]) == set(BUNDLES) == set(warmed["bundles"])
    assert connections == []

    def no_disk(*args):
        raise AssertionError("a template was read from disk after warming")

    app.jinja_env.loader.get_source = no_disk
    with app.test_request_context("/"):
        assert app.jinja_env.get_template("sessions/detail.html") is not None


def test_gunicorn_warms_the_preloaded_app_once_before_the_fork(monkeypatch):
    import gc

    settings = gunicorn_settings(monkeypatch)
    frozen = []
    monkeypatch.setattr(gc, "freeze", lambda: frozen.append(True))
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    server = FakeServer(app, preload=True)
    settings["when_ready"](server)
    assert "sessions/detail.html" in template_names(app) and frozen == [True]
    assert server.log.lines and "templates" in server.log.lines[0]
    settings["post_fork"](server, worker=None)
    assert len(server.log.lines) == 1  # a forked worker does not warm again


def test_without_preload_each_worker_warms_itself_after_the_fork(monkeypatch):
    settings = gunicorn_settings(monkeypatch)
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": "sqlite://"})
    server = FakeServer(app, preload=False)
    settings["when_ready"](server)
    assert "sessions/detail.html" not in template_names(app) and server.log.lines == []
    settings["post_fork"](server, worker=None)
    assert "sessions/detail.html" in template_names(app) and len(server.log.lines) == 1


def server_row(name, p50, p95, p99, requests=100, errors=0, ratio=None):
    return {
        "name": name,
        "requests": requests,
        "throughput_rps": round(requests / 60, 1),
        "p50_ms": p50,
        "p95_ms": p95,
        "p99_ms": p99,
        "errors": errors,
        "ratio_p50": ratio,
    }


SAMPLE_SERVER = {
    "measured_at": "2027-03-01T09:00:00+00:00",
    "users": {"case_manager": 8, "family": 6, "client": 6, "clinician": 30},
    "seconds": 60,
    "think_seconds": [1.0, 3.0],
    "gunicorn": {"workers": 4, "threads": 1},
    "cpus": 2,
    "load_average_after": 1.5,
    "worker_cpu_ms_per_request": 16.7,
    "worker_cpu_cores_busy": 0.41,
    "rows": [
        server_row("bare route", 6.5, 13.2, 20.1, ratio=1.0),
        server_row("session grid", 30.3, 246.2, 526.7, errors=2, ratio=4.7),
    ],
    "overall": {
        **server_row("all requests", 25.3, 73.4, 412.9, requests=200, errors=2, ratio=3.9),
        "slowest": [
            {"name": "session grid", "ms": 526.7, "at_s": 0.02},
            {"name": "session grid", "ms": 450.0, "at_s": 31.5},
        ],
        "after_first_second": {
            "seconds": 1.0,
            "requests": 150,
            "p50_ms": 24.0,
            "p95_ms": 60.1,
            "p99_ms": 88.0,
        },
    },
    "goal": {"p95_ms": 100.0, "met": False},
    "error_samples": ["session grid: 500"],
    "lighthouse": [
        {
            "page": "clinician: home",
            "performance": 100,
            "accessibility": 100,
            "best-practices": 100,
            "failing_audits": [],
            "met": True,
        },
        {
            "page": "family: portal",
            "performance": 91,
            "accessibility": 100,
            "best-practices": 100,
            "failing_audits": ["largest-contentful-paint"],
            "met": False,
        },
        {"page": "client: today (/me)", "error": "Chromium could not record the trace", "met": False},
    ],
}


def test_the_bench_prints_the_loaded_server_and_lighthouse_as_tables():
    from tests.load.server import server_tables

    lines = server_tables(SAMPLE_SERVER).splitlines()
    header = next(line for line in lines if line.startswith("request"))
    assert header.split() == [
        "request",
        "count",
        "req/s",
        "p50",
        "ms",
        "p95",
        "ms",
        "p99",
        "ms",
        "x",
        "bare",
        "errors",
    ]
    grid = next(line for line in lines if line.startswith("session grid"))
    assert grid.split()[-6:] == [
        "1.7",
        "30.3",
        "246.2",
        "526.7",
        "4.7",
        "2",
    ]  # req/s, p50, p95, p99, x, errors
    overall = next(line for line in lines if line.startswith("all requests"))
    assert overall.split()[2:] == ["200", "3.3", "25.3", "73.4", "412.9", "3.9", "2"]
    assert "goal p95 <= 100 ms and 0 errors: MISSED" in lines
    assert any(
        "2 requests slower than the overall p99: 1 sent in the run's first second" in line for line in lines
    )
    assert "the 150 requests sent after the run's first second: p50 24.0, p95 60.1, p99 88.0 ms" in lines
    assert "session grid: 500" in "\n".join(lines)
    pages = {line.split("  ")[0].strip(): line for line in lines[lines.index("") + 2 :]}
    assert pages["clinician: home"].split()[-4:] == ["100", "100", "100", "met"]
    assert (
        "91" in pages["family: portal"]
        and "MISSED (failing: largest-contentful-paint)" in pages["family: portal"]
    )
    assert "error" in pages["client: today (/me)"] and pages["client: today (/me)"].endswith("MISSED")


def test_the_server_tables_leave_out_lighthouse_when_it_did_not_run():
    from tests.load.server import server_tables

    text = server_tables({**SAMPLE_SERVER, "lighthouse": [], "goal": {"p95_ms": 100.0, "met": True}})
    assert "Lighthouse" not in text and "0 errors: met" in text


def test_the_slowest_requests_carry_when_they_were_sent():
    from tests.load.server import slowest

    found = {
        "latencies_ms": {"bare route": [5.0, 400.0], "cohort page": [30.0, 600.0, 90.0]},
        "starts": {"bare route": [100.5, 100.0], "cohort page": [101.0, 130.0, 100.2]},
    }
    assert slowest(found, above_ms=80.0) == [
        {"name": "cohort page", "ms": 600.0, "at_s": 30.0},
        {"name": "bare route", "ms": 400.0, "at_s": 0.0},
        {"name": "cohort page", "ms": 90.0, "at_s": 0.2},
    ]
    assert slowest({"latencies_ms": {"bare route": [500.0]}}, above_ms=80.0) == [
        {"name": "bare route", "ms": 500.0, "at_s": None}
    ]


def test_the_steady_percentiles_leave_out_only_the_first_second():
    from tests.load.server import after_start

    found = {
        "latencies_ms": {"bare route": [900.0, 800.0, 5.0], "cohort page": [700.0, 30.0, 40.0]},
        "starts": {"bare route": [50.0, 50.4, 52.0], "cohort page": [50.9, 51.0, 55.0]},
    }
    assert after_start(found, 1.0) == {
        "seconds": 1.0,
        "requests": 3,
        "p50_ms": 30.0,
        "p95_ms": 40.0,
        "p99_ms": 40.0,
    }
    assert after_start(found, 0.0)["requests"] == 6
    assert after_start({"latencies_ms": {"bare route": [5.0]}}, 1.0) is None


def test_a_forked_worker_opens_its_first_database_connection_before_any_request(monkeypatch, tmp_path):
    from sqlalchemy import event
    from sqlalchemy.pool import Pool

    settings = gunicorn_settings(monkeypatch)
    connections = []

    def connected(*args):
        connections.append(args)

    event.listen(Pool, "connect", connected)
    try:
        app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/worker.sqlite"})
        server = FakeServer(app, preload=True)
        settings["post_fork"](server, worker=None)
        assert len(connections) == 1 and server.log.warnings == []
        with app.app_context():
            assert db.engine.pool.checkedin() == 1  # kept open in the pool for the first request
            assert db.session.scalar(text("SELECT 1")) == 1
            db.session.remove()
        assert len(connections) == 1  # the first request used it: no second connection
    finally:
        event.remove(Pool, "connect", connected)


def test_a_worker_still_starts_when_the_database_is_not_there_yet(monkeypatch, tmp_path):
    settings = gunicorn_settings(monkeypatch)
    missing = tmp_path / "no-such-folder" / "x.sqlite"
    app = create_app({**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    server = FakeServer(app, preload=True)
    settings["post_fork"](server, worker=None)  # does not raise
    assert len(server.log.warnings) == 1 and "no database connection" in server.log.warnings[0]

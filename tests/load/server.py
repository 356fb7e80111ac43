"""A real server under load, and Lighthouse on each role's main page (issue 12, DESIGN.md §10).

`measure_server(database_url)` serves an already seeded database (the demo sign-ins must exist: `make
bench` passes its scale data set, `flask seed-demo` makes a smaller one) with gunicorn and the committed
gunicorn.conf.py on loopback, signs in a mixed crowd of users (clinicians, case managers, family members,
clients by personal link), loads it with locust headless for a bounded time (tests/load/locustfile.py),
then runs Lighthouse on each role's main page against the same server. It returns throughput, p50, p95,
p99 and errors per kind of request and overall, the bare route beside them, and the Lighthouse scores.

    python -m tests.load.server [--users 50] [--seconds 60] [--no-lighthouse]

reads LOADTEST_DATABASE_URL (or DATABASE_URL), serves on LOADTEST_SERVER_PORT (8766) and writes
instance/load-server-results.json. WEB_CONCURRENCY and GUNICORN_THREADS size gunicorn as in production.
The personal links the client users open are made in that database through the app's services.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from itertools import zip_longest
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
PASSWORD = "stepwise-demo"
EMAILS = {
    "admin": "admin@example.org",
    "clinician": "clinician@example.org",
    "case_manager": "casemanager@example.org",
    "family": "family@example.org",
}
# The share of the crowd in each role (clinicians take the rest): a clinic's day, staff-heavy.
SHARES = {"case_manager": 0.16, "family": 0.12, "client": 0.12}
THINK_SECONDS = (1.0, 3.0)  # between two clicks of one user
GOAL_P95_MS = 100.0
CSRF_FIELD = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRFToken": "([^"]+)"')
LIGHTHOUSE_CATEGORIES = ("performance", "accessibility", "best-practices")
LIGHTHOUSE_GOALS = {"performance": 95, "accessibility": 100, "best-practices": 100}


def crowd(users: int) -> dict[str, int]:
    """How many users of each role: at least one of each, clinicians the rest."""
    counts = {role: max(1, round(users * share)) for role, share in SHARES.items()}
    counts["clinician"] = max(1, users - sum(counts.values()))
    return counts


# --- the world the users need, made in the database through the services -------------------------------


def prepare(database_url: str, counts: dict[str, int]) -> dict:
    """Targets in the clinician's first program, a row of its own for each clinician to toggle, and a
    personal link for each client user (enabled by the clinician, as in the clinic)."""
    from sqlalchemy import select

    from iop import create_app
    from iop.config import normalise_database_url
    from iop.extensions import db
    from iop.models import Attendance, Client, Cohort, Enrollment, GroupSession, User
    from iop.services.client_links import EnableInput, enable_checkins

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
            "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-test-secret-key-not-for-production",
            "REDIS_URL": None,
            "ASSETS_AUTO_BUILD": False,
        }
    )
    with app.app_context():
        clinician = db.session.scalar(select(User).where(User.email == EMAILS["clinician"]))
        if clinician is None:
            raise RuntimeError("the database has no demo sign-ins: seed it first (flask seed-demo)")
        program_id = min(clinician.program_ids)
        cohorts = db.session.scalars(
            select(Cohort).where(Cohort.program_id == program_id).order_by(Cohort.id)
        ).all()
        cohort_ids = [cohort.id for cohort in cohorts][:20]
        current = db.session.scalars(
            select(Enrollment)
            .where(Enrollment.cohort_id.in_(cohort_ids), Enrollment.ended_on.is_(None))
            .order_by(Enrollment.id)
        ).all()
        if not current:
            raise RuntimeError(f"program {program_id} has no current clients")
        today = cohorts[0].program.today()
        sessions = db.session.scalars(
            select(GroupSession)
            .where(
                GroupSession.cohort_id.in_(cohort_ids),
                GroupSession.status != "cancelled",  # held, or past and still "scheduled" in bulk data
                GroupSession.session_date < today,
            )
            .order_by(GroupSession.session_date.desc(), GroupSession.id)
            .limit(60)
        ).all()
        members = {}
        for enrollment in current:
            members.setdefault(enrollment.cohort_id, []).append(enrollment)
        versions = {
            (row.session_id, row.enrollment_id): row.version
            for row in db.session.scalars(
                select(Attendance).where(Attendance.session_id.in_([s.id for s in sessions]))
            )
        }
        rows = [
            {
                "session_id": s.id,
                "enrollment_id": e.id,
                "version": versions.get((s.id, e.id), 0),
            }
            for s in sessions
            for e in members.get(s.cohort_id, [])
            if e.is_active_on(s.session_date)
        ]
        # Spread the clinicians over the sessions (one row each, round robin), so the grids they open differ.
        by_session: dict[int, list[dict]] = {}
        for row in rows:
            by_session.setdefault(row["session_id"], []).append(row)
        spread = [row for group in zip_longest(*by_session.values()) for row in group if row]
        if len(spread) < counts["clinician"]:
            raise RuntimeError(
                f"only {len(spread)} attendance rows to toggle for {counts['clinician']} clinicians"
            )
        tokens = []
        linked = db.session.scalars(
            select(Client).where(Client.id.in_([e.client_id for e in current])).order_by(Client.id)
        ).all()
        for client in linked[: counts["client"]]:
            client.email = client.email or f"client{client.id}@load.test"
            made = {}

            def link_url(token: str, made=made) -> str:
                made["token"] = token
                return f"/me/l/{token}"

            enable_checkins(
                client,
                EnableInput("Daily check-ins (load test).", today, "email"),
                clinician,
                link_url,
            )
            tokens.append(made["token"])
        db.session.commit()
        world = {
            "program_id": program_id,
            "cohort_ids": cohort_ids,
            "client_ids": sorted({e.client_id for e in current})[:200],
            "rows": spread[: counts["clinician"]],
            "link_tokens": tokens,
            "session_id": spread[0]["session_id"],
        }
        db.session.remove()
        for engine in db.engines.values():
            engine.dispose()
    return world


# --- gunicorn -------------------------------------------------------------------------------------------


def server_env(database_url: str, port: int, log_dir: Path) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": os.environ.get("LOADTEST_REDIS_URL", ""),
        "SECRET_KEY": os.environ.get("SECRET_KEY") or "load-test-secret-key-not-for-production",
        "IOP_DEMO": "0",
        "IOP_REQUIRE_MFA": "0",  # the demo accounts have no second factor
        "IOP_SECURE_COOKIES": "0",  # plain HTTP on loopback
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_ACCESS_LOG": str(log_dir / "load-server-access.log"),
        "GUNICORN_ERROR_LOG": str(log_dir / "load-server-error.log"),
    }


def start_gunicorn(env: dict, base_url: str) -> subprocess.Popen:
    for log in ("GUNICORN_ACCESS_LOG", "GUNICORN_ERROR_LOG"):
        Path(env[log]).unlink(missing_ok=True)
    server = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "tests.load.app:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the logs go to files; an unread pipe could stall the server
    )
    for _ in range(150):
        if server.poll() is not None:
            raise RuntimeError(f"gunicorn exited: see {env['GUNICORN_ERROR_LOG']}")
        try:
            if httpx.get(f"{base_url}/bench-hello", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    server.terminate()
    raise RuntimeError("gunicorn did not start")


def worker_cpu_seconds(master_pid: int) -> float:
    """CPU time (user + system) used so far by the gunicorn workers under this master (Linux /proc)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return float("nan")
    for pid in children:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
    return total


# --- signing in -----------------------------------------------------------------------------------------


def _cookie_header(http: httpx.Client) -> str:
    return "; ".join(f"{name}={value}" for name, value in http.cookies.items())


def sign_in(base_url: str, role: str) -> dict:
    """A staff or family browser signed in with the demo password: its cookie and CSRF token."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        page = http.get("/auth/login")
        token = CSRF_FIELD.search(page.text).group(1)
        answer = http.post(
            "/auth/login", data={"email": EMAILS[role], "password": PASSWORD, "csrf_token": token}
        )
        if answer.status_code not in (302, 303):
            raise RuntimeError(f"{role} could not sign in: {answer.status_code}")
        home = http.get(answer.headers["location"], follow_redirects=True)
        # Where the role lands: a family member's portal is the form for the person they support.
        return {
            "cookie": _cookie_header(http),
            "csrf": CSRF_HEADER.search(home.text).group(1),
            "home": home.url.path,
        }


def open_link(base_url: str, token: str) -> dict:
    """A client's browser that opened its personal link."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        page = http.get(f"/me/l/{token}")
        csrf = CSRF_FIELD.search(page.text).group(1)
        answer = http.post(f"/me/l/{token}", data={"csrf_token": csrf})
        if answer.status_code != 303:
            raise RuntimeError(f"a personal link did not open: {answer.status_code}")
        home = http.get("/me/")
        return {"cookie": _cookie_header(http), "csrf": CSRF_HEADER.search(home.text).group(1)}


def sign_in_crowd(base_url: str, counts: dict[str, int], world: dict) -> dict[str, list[dict]]:
    jobs = [(role, number) for role, n in counts.items() if role != "client" for number in range(n)]
    with ThreadPoolExecutor(4) as pool:
        staff = list(pool.map(lambda job: (job[0], sign_in(base_url, job[0])), jobs))
        clients = list(pool.map(lambda token: open_link(base_url, token), world["link_tokens"]))
    identities: dict[str, list[dict]] = {role: [] for role in counts}
    for role, identity in staff:
        identities[role].append(identity)
    identities["client"] = clients
    for identity, row in zip(identities["clinician"], world["rows"], strict=False):
        identity["row"] = row
    return identities


def warm_up(base_url: str, identities: dict, world: dict) -> None:
    """Each page a few times before the clock starts, so every worker has its templates compiled."""
    paths = {
        "clinician": [
            "/",
            f"/cohorts/{world['cohort_ids'][0]}",
            f"/sessions/{world['session_id']}",
            f"/clients/{world['client_ids'][0]}",
        ],
        "case_manager": ["/reviews/"],
        "family": [identities["family"][0]["home"]],
        "client": ["/me/checkin"],
    }
    with httpx.Client(base_url=base_url, timeout=30) as http:
        for role, role_paths in paths.items():
            cookie = identities[role][0]["cookie"]
            for _ in range(8):
                for path in role_paths:
                    http.get(path, headers={"Cookie": cookie})


# --- the load -------------------------------------------------------------------------------------------


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))
    return ordered[index]


def summarise(name: str, latencies: list[float], statuses: dict[str, int], seconds: float) -> dict:
    errors = sum(n for code, n in statuses.items() if code != "200")
    return {
        "name": name,
        "requests": len(latencies),
        "throughput_rps": round(len(latencies) / seconds, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "errors": errors,
        "statuses": dict(sorted(statuses.items())),
    }


def slowest(found: dict, above_ms: float, limit: int = 30) -> list[dict]:
    """The requests slower than `above_ms` (the overall p99), slowest first, each with the moment it was
    sent in seconds since the first request of the run: where in the run the tail lies."""
    starts = found.get("starts") or {}
    first = min((t for times in starts.values() for t in times if t), default=0.0)
    slow = [
        {"name": name, "ms": round(ms, 1), "at_s": round(sent - first, 2) if sent else None}
        for name, latencies in found["latencies_ms"].items()
        for ms, sent in zip(latencies, starts.get(name) or [0.0] * len(latencies), strict=True)
        if ms > above_ms
    ]
    return sorted(slow, key=lambda row: -row["ms"])[:limit]


def after_start(found: dict, seconds: float) -> dict | None:
    """p50, p95 and p99 of the requests sent `seconds` or more after the run's first request: the
    crowd's steady clicking, without the first clicks of users who all arrived at once."""
    starts = found.get("starts") or {}
    first = min((t for times in starts.values() for t in times if t), default=0.0)
    later = [
        ms
        for name, latencies in found["latencies_ms"].items()
        for ms, sent in zip(latencies, starts.get(name) or [], strict=False)
        if sent and sent - first >= seconds
    ]
    if not later:
        return None
    return {
        "seconds": seconds,
        "requests": len(later),
        **{f"p{n}_ms": round(percentile(later, n / 100), 1) for n in (50, 95, 99)},
    }


def run_locust(base_url: str, world: dict, identities: dict, users: int, seconds: int) -> dict:
    with tempfile.TemporaryDirectory(prefix="stepwise-load-") as folder:
        world_file, results_file = Path(folder) / "world.json", Path(folder) / "results.json"
        world_file.write_text(
            json.dumps(
                {**world, "base_url": base_url, "identities": identities, "think_seconds": THINK_SECONDS}
            )
        )
        env = {**os.environ, "LOAD_WORLD": str(world_file), "LOAD_RESULTS": str(results_file)}
        started = time.monotonic()
        done = subprocess.run(
            [
                str(BIN / "locust"),
                "-f",
                str(Path(__file__).with_name("locustfile.py")),
                "--headless",
                "-u",
                str(users),
                "-r",
                str(users),
                "-t",
                f"{seconds}s",
                "--stop-timeout",
                "5",
                "--only-summary",
                "--loglevel",
                "WARNING",
            ],
            cwd=ROOT,
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=seconds + 120,
        )
        elapsed = time.monotonic() - started
        if not results_file.exists():
            raise RuntimeError(f"locust wrote no results:\n{(done.stderr or done.stdout)[-2000:]}")
        found = json.loads(results_file.read_text())
    rows = [
        summarise(name, latencies, found["statuses"][name], seconds)
        for name, latencies in sorted(found["latencies_ms"].items())
    ]
    everything = [value for values in found["latencies_ms"].values() for value in values]
    overall_statuses: dict[str, int] = {}
    for statuses in found["statuses"].values():
        for code, n in statuses.items():
            overall_statuses[code] = overall_statuses.get(code, 0) + n
    overall = summarise("all requests", everything, overall_statuses, seconds)
    overall["slowest"] = slowest(found, overall["p99_ms"])
    overall["after_first_second"] = after_start(found, 1.0)
    hello = next((row for row in rows if row["name"] == "bare route"), None)
    for row in [*rows, overall]:
        row["ratio_p50"] = round(row["p50_ms"] / hello["p50_ms"], 1) if hello and hello["p50_ms"] else None
    return {
        "rows": rows,
        "overall": overall,
        "elapsed_s": round(elapsed, 1),
        "error_samples": found["errors"][:10],
    }


# --- Lighthouse -----------------------------------------------------------------------------------------


def lighthouse_pages(world: dict) -> list[tuple[str, str, str]]:
    """(page, role, path): each role's main page, and the clinician's cohort page and session grid."""
    return [
        ("admin: main page", "admin", "/admin/"),
        ("clinician: home", "clinician", "/"),
        ("clinician: cohort page", "clinician", f"/cohorts/{world['cohort_ids'][0]}"),
        ("clinician: session grid", "clinician", f"/sessions/{world['session_id']}"),
        ("case manager: review queue", "case_manager", "/reviews/"),
        ("family: portal", "family", world["family_home"]),
        ("client: today (/me)", "client", "/me/"),
    ]


def lighthouse(url: str, cookie: str) -> dict:
    """One Lighthouse run (its default: a mobile device, simulated throttling) signed in by cookie."""
    with tempfile.TemporaryDirectory(prefix="stepwise-lh-") as folder:
        report = Path(folder) / "report.json"
        done = subprocess.run(
            [
                str(ROOT / "node_modules" / ".bin" / "lighthouse"),
                url,
                f"--only-categories={','.join(LIGHTHOUSE_CATEGORIES)}",
                "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
                f"--extra-headers={json.dumps({'Cookie': cookie})}",
                "--output=json",
                f"--output-path={report}",
                "--quiet",
            ],
            env={**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")},
            capture_output=True,
            text=True,
            check=False,
            timeout=180,
        )
        if done.returncode or not report.exists():
            return {"error": (done.stderr or done.stdout)[-500:]}
        data = json.loads(report.read_text())
    scores = {key: round(100 * (data["categories"][key]["score"] or 0)) for key in LIGHTHOUSE_CATEGORIES}
    failing = sorted(
        audit_id
        for category in LIGHTHOUSE_CATEGORIES
        for ref in data["categories"][category]["auditRefs"]
        if ref["weight"] > 0
        for audit_id in [ref["id"]]
        if (data["audits"][audit_id].get("score") is not None and data["audits"][audit_id]["score"] < 0.9)
    )
    return {
        **scores,
        "failing_audits": failing,
        "final_url": data.get("finalDisplayedUrl") or data.get("finalUrl"),
    }


def measure_lighthouse(base_url: str, world: dict) -> list[dict]:
    """Lighthouse on each role's main page, signed in; a fresh browser session per role."""
    results = []
    cookies: dict[str, str] = {}
    for page, role, path in lighthouse_pages(world):
        if role not in cookies:
            if role == "client":
                cookies[role] = open_link(base_url, world["link_tokens"][0])["cookie"]
            else:
                cookies[role] = sign_in(base_url, role)["cookie"]
        found = lighthouse(base_url + path, cookies[role])
        if "error" in found:  # Chromium now and then fails to record the trace on a busy machine
            found = lighthouse(base_url + path, cookies[role])
        met = all(found.get(key, 0) >= goal for key, goal in LIGHTHOUSE_GOALS.items())
        results.append({"page": page, "path": path, **found, "met": met})
    return results


# --- the whole measurement ------------------------------------------------------------------------------


def measure_server(
    database_url: str, users: int = 50, seconds: int = 60, *, with_lighthouse: bool = True
) -> dict:
    """Gunicorn (gunicorn.conf.py) on the seeded database, `users` signed-in users for `seconds`, then
    Lighthouse on each role's main page: throughput, p50/p95/p99 and errors per kind and overall."""
    counts = crowd(users)
    world = prepare(database_url, counts)
    port = int(os.environ.get("LOADTEST_SERVER_PORT", "8766"))
    base_url = f"http://127.0.0.1:{port}"
    (ROOT / "instance").mkdir(exist_ok=True)
    env = server_env(database_url, port, ROOT / "instance")
    server = start_gunicorn(env, base_url)
    try:
        identities = sign_in_crowd(base_url, counts, world)
        world["family_home"] = identities["family"][0]["home"]
        warm_up(base_url, identities, world)
        cpu_before = worker_cpu_seconds(server.pid)
        load = run_locust(base_url, world, identities, sum(counts.values()), seconds)
        cpu_used = worker_cpu_seconds(server.pid) - cpu_before
        lighthouse_results = measure_lighthouse(base_url, world) if with_lighthouse else []
    finally:
        server.terminate()
        server.wait(timeout=30)
    overall = load["overall"]
    return {
        "measured_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "users": counts,
        "seconds": seconds,
        "think_seconds": list(THINK_SECONDS),
        "gunicorn": {
            "workers": int(env.get("WEB_CONCURRENCY") or 2 * (os.cpu_count() or 1)),
            "threads": int(env.get("GUNICORN_THREADS") or 1),
        },
        "cpus": os.cpu_count(),
        "load_average_after": round(os.getloadavg()[0], 2),
        # What sizes a deployment, and what the other tenants of a shared machine do not change much:
        # the web workers' CPU per request (the database's is on top), and their CPU per second.
        "worker_cpu_ms_per_request": round(1000 * cpu_used / max(1, overall["requests"]), 1),
        "worker_cpu_cores_busy": round(cpu_used / seconds, 2),
        **load,
        "goal": {
            "p95_ms": GOAL_P95_MS,
            "met": overall["p95_ms"] <= GOAL_P95_MS and overall["errors"] == 0,
        },
        "lighthouse": lighthouse_results,
    }


def server_tables(result: dict) -> str:
    """The loaded server and Lighthouse as text tables: per kind of request its throughput, p50, p95,
    p99, ratio to the bare route and errors, the overall row and the goal; where the slowest requests
    fell in the run; then each Lighthouse page's scores and whether it meets the goals."""
    lines = [
        f"loaded server, {result['measured_at']}: {sum(result['users'].values())} users {result['users']}, "
        f"{result['seconds']} s, think {result['think_seconds'][0]}-{result['think_seconds'][1]} s, "
        f"gunicorn {result['gunicorn']['workers']} workers x {result['gunicorn']['threads']} threads",
        f"{'request':<24}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
        f"{'x bare':>8}{'errors':>8}",
    ]
    for row in [*result["rows"], result["overall"]]:
        lines.append(
            f"{row['name']:<24}{row['requests']:>7}{row['throughput_rps']:>8}{row['p50_ms']:>9}"
            f"{row['p95_ms']:>9}{row['p99_ms']:>9}{row['ratio_p50'] or '':>8}{row['errors']:>8}"
        )
    lines.append(
        "(x bare: the row's p50 over the bare route's p50, served by the same workers in the same run)"
    )
    slow = result["overall"].get("slowest") or []
    timed = [row["at_s"] for row in slow if row.get("at_s") is not None]
    if timed:
        first = sum(1 for at in timed if at < 1.0)
        lines.append(
            f"the {len(slow)} requests slower than the overall p99: {first} sent in the run's first second, "
            f"the last at {max(timed):.1f} s"
        )
    later = result["overall"].get("after_first_second")
    if later:
        lines.append(
            f"the {later['requests']} requests sent after the run's first second: p50 {later['p50_ms']}, "
            f"p95 {later['p95_ms']}, p99 {later['p99_ms']} ms"
        )
    lines.append(
        f"web workers' CPU {result['worker_cpu_ms_per_request']} ms per request, "
        f"{result['worker_cpu_cores_busy']} cores busy; load average after {result['load_average_after']} "
        f"on {result['cpus']} cores"
    )
    goal = result["goal"]
    lines.append(f"goal p95 <= {goal['p95_ms']:.0f} ms and 0 errors: {'met' if goal['met'] else 'MISSED'}")
    lines.extend(f"   {sample}" for sample in result.get("error_samples", []))
    if result.get("lighthouse"):
        wanted = ", ".join(f"{key} {value}" for key, value in LIGHTHOUSE_GOALS.items())
        lines.append("")
        lines.append(f"{'Lighthouse page':<30}{'perf':>6}{'a11y':>6}{'best':>6}  goals ({wanted})")
        for page in result["lighthouse"]:
            if "error" in page:
                lines.append(f"{page['page']:<30} error: {page['error'][:100]}  MISSED")
                continue
            failing = ", ".join(page.get("failing_audits") or [])
            lines.append(
                f"{page['page']:<30}{page['performance']:>6}{page['accessibility']:>6}"
                f"{page['best-practices']:>6}  {'met' if page['met'] else 'MISSED'}"
                + (f" (failing: {failing})" if failing else "")
            )
    return "\n".join(lines)


def print_result(result: dict) -> None:
    print("\n" + server_tables(result))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--no-lighthouse", action="store_true")
    args = parser.parse_args(argv)
    url = os.environ.get("LOADTEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not url or not url.startswith("postgres"):
        sys.exit("set LOADTEST_DATABASE_URL (or DATABASE_URL) to a seeded PostgreSQL database")
    result = measure_server(url, args.users, min(args.seconds, 60), with_lighthouse=not args.no_lighthouse)
    (ROOT / "instance" / "load-server-results.json").write_text(json.dumps(result, indent=2))
    print_result(result)
    return 0 if result["goal"]["met"] and all(p.get("met") for p in result["lighthouse"]) else 1


if __name__ == "__main__":
    sys.exit(main())

"""A bounded load test on loopback (`make loadtest`, never part of `make test`; DESIGN.md §9).

Gunicorn (gunicorn.conf.py) serves the app on PostgreSQL and Redis. Twenty simulated clinicians sign in
and, for 60 seconds, record attendance rows and save group notes on a few shared sessions, so they run
into each other: a write made from an out-of-date version must answer 409 and change nothing. Then:

- 0 errors: every response is the 200 (or sign-in 303) expected, or a 409 on a conflict;
- 0 lost updates: each attendance row and each note holds the last accepted write, its version equals
  the number of writes accepted for it, and no two accepted writes claimed the same version;
- `flask audit verify` passes on the chain the run wrote.

It prints throughput and latency (median and p95 per kind of request) and exits non-zero when a check
fails. Settings: LOADTEST_DATABASE_URL (a database of its own, dropped and created),
LOADTEST_REDIS_URL, LOADTEST_PORT, LOADTEST_CLINICIANS, LOADTEST_SECONDS, WEB_CONCURRENCY.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import httpx

from iop.clinical.attendance import takes_participation
from iop.models import ATTENDANCE_STATUSES
from tests.load.server import measure_server  # noqa: F401 - the bench's entry point to the loaded server

ROOT = Path(__file__).resolve().parents[2]
DATABASE_URL = os.environ.get("LOADTEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/stepwise_load")
REDIS_URL = os.environ.get("LOADTEST_REDIS_URL", "redis://127.0.0.1:6379/0")
PORT = int(os.environ.get("LOADTEST_PORT", "8765"))
CLINICIANS = int(os.environ.get("LOADTEST_CLINICIANS", "20"))
SECONDS = float(os.environ.get("LOADTEST_SECONDS", "60"))
SESSIONS = 3
MEMBERS_PER_SESSION = 8
PASSWORD = "load test passphrase 2026"
BASE = f"http://127.0.0.1:{PORT}"
STATUSES = tuple(ATTENDANCE_STATUSES)
RATED = tuple(status for status in STATUSES if takes_participation(status))
SETUP_KINDS = ("sign-in page", "sign in")

ENV = {
    **os.environ,
    "DATABASE_URL": DATABASE_URL,
    "REDIS_URL": REDIS_URL,
    "SECRET_KEY": "load-test-secret-key-not-for-production",
    "IOP_DEMO": "0",
    "IOP_REQUIRE_MFA": "0",
    "IOP_SECURE_COOKIES": "0",  # plain HTTP on loopback
    "GUNICORN_BIND": f"127.0.0.1:{PORT}",
    "WEB_CONCURRENCY": os.environ.get("WEB_CONCURRENCY", "4"),
    "GUNICORN_ACCESS_LOG": os.environ.get(
        "GUNICORN_ACCESS_LOG", str(ROOT / "instance" / "loadtest-access.log")
    ),
    "GUNICORN_ERROR_LOG": os.environ.get("GUNICORN_ERROR_LOG", str(ROOT / "instance" / "loadtest-error.log")),
}
VERSION_OF_ROW = re.compile(r'id="att-(\d+)-version" value="(\d+)"')
NOTE_VERSION = re.compile(r'<input type="hidden" name="version" id="note-version" value="(\d+)">')
CSRF = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')


def flask(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(ROOT / ".venv" / "bin" / "flask"), "--app", "wsgi", *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        check=False,
    )


def fresh_database() -> None:
    """Drop and create the load test's own database, then migrate it."""
    import psycopg

    name = DATABASE_URL.rsplit("/", 1)[1]
    admin_url = DATABASE_URL.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
    upgraded = flask("db", "upgrade")
    if upgraded.returncode:
        sys.exit(f"db upgrade failed:\n{upgraded.stderr}")


def seed() -> dict:
    """One program, SESSIONS cohorts with a session under way today, their members, the clinicians."""
    os.environ.update({key: ENV[key] for key in ("DATABASE_URL", "REDIS_URL", "SECRET_KEY", "IOP_DEMO")})
    from iop import clock, create_app
    from iop.extensions import db
    from iop.models import Client, Cohort, Enrollment, GroupSession, Program, ProgramRole, User
    from iop.services.passwords import hash_password

    app = create_app()
    with app.app_context():
        program = Program(
            name="Load Test IOP", timezone="America/New_York", population="adult", min_weekly_hours=9
        )
        db.session.add(program)
        db.session.flush()
        today = program.today()
        password_hash = hash_password(PASSWORD)
        clinicians = []
        for number in range(CLINICIANS):
            user = User(
                email=f"clinician{number}@load.test",
                full_name=f"Load Clinician {number}",
                password_hash=password_hash,
                kind="staff",
            )
            user.role_rows = [ProgramRole(program_id=program.id, role="clinician")]
            user.programs = [program]
            clinicians.append(user)
        db.session.add_all(clinicians)
        sessions = {}
        for number in range(SESSIONS):
            cohort = Cohort(
                program=program,
                name=f"Group {number}",
                meeting_days="0123456",
                start_time=(clock.now() - timedelta(minutes=30))
                .astimezone(program.zone)
                .time()
                .replace(microsecond=0),
                duration_minutes=180,
            )
            members = []
            for member in range(MEMBERS_PER_SESSION):
                client = Client(program=program, first_name=f"Member{member}", last_name=f"Group{number}")
                enrollment = Enrollment(client=client, cohort=cohort, started_on=today - timedelta(days=7))
                members.append(enrollment)
            group_session = GroupSession(
                cohort=cohort,
                session_date=today,
                starts_at=clock.now() - timedelta(minutes=30),
                duration_minutes=180,
                status="scheduled",
            )
            db.session.add_all([cohort, group_session, *members])
            db.session.flush()
            sessions[group_session.id] = [enrollment.id for enrollment in members]
        db.session.commit()
        return {"sessions": sessions, "emails": [user.email for user in clinicians]}


@dataclass
class Window:
    """The measured period: it starts once every clinician has signed in and opened the sessions."""

    ready: threading.Barrier
    started: float = 0.0
    stop_at: float = 0.0


@dataclass
class Results:
    lock: threading.Lock = field(default_factory=threading.Lock)
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[tuple[str, int], int] = field(default_factory=lambda: defaultdict(int))
    errors: list[str] = field(default_factory=list)
    # (session, enrollment) -> [(version, status, participation, note)] for each accepted write
    rows: dict[tuple[int, int], list[tuple]] = field(default_factory=lambda: defaultdict(list))
    # session -> [(version, observations)]
    notes: dict[int, list[tuple]] = field(default_factory=lambda: defaultdict(list))
    measured: int = 0  # requests inside the window, for the throughput

    def count(self, kind: str, response: httpx.Response, seconds: float) -> None:
        with self.lock:
            self.latencies[kind].append(seconds)
            self.statuses[(kind, response.status_code)] += 1
            if kind not in SETUP_KINDS:
                self.measured += 1


class Clinician(threading.Thread):
    def __init__(self, number: int, email: str, sessions: dict, results: Results, window: Window):
        super().__init__(daemon=True)
        self.number, self.email, self.sessions, self.results, self.window = (
            number,
            email,
            sessions,
            results,
            window,
        )
        self.random = random.Random(number)
        self.http = httpx.Client(base_url=BASE, timeout=30, follow_redirects=False)
        self.versions: dict[tuple[int, int], int] = {}
        self.note_versions: dict[int, int] = {}
        self.token = ""
        self.writes = 0

    def timed(self, kind: str, method: str, url: str, **kwargs) -> httpx.Response:
        started = time.perf_counter()
        response = self.http.request(method, url, **kwargs)
        self.results.count(kind, response, time.perf_counter() - started)
        return response

    def sign_in(self) -> None:
        page = self.timed("sign-in page", "GET", "/auth/login")
        token = CSRF.search(page.text).group(1)
        response = self.timed(
            "sign in",
            "POST",
            "/auth/login",
            data={"email": self.email, "password": PASSWORD, "csrf_token": token},
        )
        if response.status_code not in (302, 303):
            self.fail(f"sign in answered {response.status_code}")

    def open_session(self, session_id: int) -> None:
        response = self.timed("session page", "GET", f"/sessions/{session_id}")
        if response.status_code != 200:
            return self.fail(f"session page answered {response.status_code}")
        self.token = CSRF.search(response.text).group(1)
        for member_id, version in VERSION_OF_ROW.findall(response.text):
            self.versions[(session_id, int(member_id))] = int(version)
        self.note_versions[session_id] = int(NOTE_VERSION.search(response.text).group(1))

    def record_row(self, session_id: int) -> None:
        member_id = self.random.choice(self.sessions[session_id])
        status = self.random.choice(STATUSES)
        participation = self.random.randint(1, 5) if status in RATED else None
        self.writes += 1
        note = f"c{self.number} w{self.writes}"
        response = self.timed(
            "attendance save",
            "POST",
            f"/sessions/{session_id}/attendance/{member_id}",
            data={
                "csrf_token": self.token,
                "version": str(self.versions.get((session_id, member_id), 0)),
                "status": status,
                "minutes_attended": "",
                "participation": "" if participation is None else str(participation),
                "note": note,
            },
            headers={"HX-Request": "true", "HX-Trigger-Name": "status"},
        )
        if response.status_code not in (200, 409):
            return self.fail(f"attendance save answered {response.status_code}")
        found = dict(VERSION_OF_ROW.findall(response.text))
        version = int(found[str(member_id)])
        self.versions[(session_id, member_id)] = version
        if response.status_code == 200:
            with self.results.lock:
                self.results.rows[(session_id, member_id)].append((version, status, participation, note))

    def save_note(self, session_id: int) -> None:
        self.writes += 1
        observations = f"Group observations by clinician {self.number}, write {self.writes}."
        version = self.note_versions.get(session_id, 0)
        response = self.timed(
            "note save",
            "POST",
            f"/sessions/{session_id}/note",
            data={
                "csrf_token": self.token,
                "version": str(version),
                "topic": "Coping skills",
                "interventions": "",
                "observations": observations,
            },
            headers={"HX-Request": "true", "HX-Target": "note"},
        )
        if response.status_code == 200:
            with self.results.lock:
                self.results.notes[session_id].append((version + 1, observations))
            self.note_versions[session_id] = version + 1
        elif response.status_code == 409:
            self.open_session(session_id)  # what a clinician does: reload, then write again
        else:
            self.fail(f"note save answered {response.status_code}")

    def fail(self, message: str) -> None:
        with self.results.lock:
            self.results.errors.append(f"clinician {self.number}: {message}")

    def run(self) -> None:
        try:
            self.sign_in()
            for session_id in self.sessions:
                self.open_session(session_id)
        except Exception as error:  # noqa: BLE001 - any failure is a finding to report, not a crash
            self.fail(f"{type(error).__name__}: {error}")
        # Everyone is signed in before the clock starts: the window measures the recording, not argon2.
        self.window.ready.wait()
        try:
            while time.monotonic() < self.window.stop_at:
                session_id = self.random.choice(list(self.sessions))
                roll = self.random.random()
                if roll < 0.7:
                    self.record_row(session_id)
                elif roll < 0.85:
                    self.save_note(session_id)
                else:
                    self.open_session(session_id)
                time.sleep(self.random.uniform(0, 0.2))  # a moment between clicks
        except Exception as error:  # noqa: BLE001 - any failure is a finding to report, not a crash
            self.fail(f"{type(error).__name__}: {error}")


def check_database(results: Results) -> list[str]:
    """Every row and note holds the last accepted write; versions count the accepted writes exactly."""
    from sqlalchemy import create_engine, text

    from iop.config import normalise_database_url

    problems = []
    engine = create_engine(normalise_database_url(DATABASE_URL))
    with engine.connect() as conn:
        stored = {
            (row.session_id, row.enrollment_id): row
            for row in conn.execute(
                text("SELECT session_id, enrollment_id, version, status, participation, note FROM attendance")
            )
        }
        notes = dict(conn.execute(text("SELECT id, note_version FROM group_sessions")).all())
        observations = dict(conn.execute(text("SELECT id, observations FROM group_sessions")).all())
    engine.dispose()
    for key in set(stored) | set(results.rows):
        accepted = sorted(results.rows.get(key, []))
        versions = [write[0] for write in accepted]
        row = stored.get(key)
        if versions != list(range(1, len(versions) + 1)):
            problems.append(f"row {key}: accepted versions {versions} are not 1..{len(versions)}")
        if row is None or row.version != len(versions):
            problems.append(
                f"row {key}: stored version {row and row.version}, {len(versions)} writes accepted"
            )
        elif (row.status, row.participation, row.note) != accepted[-1][1:]:
            problems.append(
                f"row {key}: stores {(row.status, row.participation, row.note)}, last accepted {accepted[-1]}"
            )
    for session_id, accepted in results.notes.items():
        versions = sorted(version for version, _ in accepted)
        if versions != list(range(1, len(versions) + 1)) or notes[session_id] != len(versions):
            problems.append(f"note {session_id}: accepted {versions}, stored version {notes[session_id]}")
        elif observations[session_id] != max(accepted)[1]:
            problems.append(f"note {session_id}: the stored text is not the last accepted one")
    return problems


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(results: Results, elapsed: float, problems: list[str], audit: subprocess.CompletedProcess) -> bool:
    measured = [
        value for kind, values in results.latencies.items() if kind not in SETUP_KINDS for value in values
    ]
    print(
        f"\n{CLINICIANS} clinicians, {SESSIONS} shared sessions of {MEMBERS_PER_SESSION}, "
        f"{elapsed:.1f} s of recording (sign-in before it, not in the throughput)"
    )
    print(f"{'request':<18}{'count':>8}{'median ms':>12}{'p95 ms':>10}  statuses")
    for kind, values in sorted(results.latencies.items()):
        statuses = ", ".join(f"{code}: {n}" for (k, code), n in sorted(results.statuses.items()) if k == kind)
        print(
            f"{kind:<18}{len(values):>8}{statistics.median(values) * 1000:>12.1f}"
            f"{percentile(values, 0.95) * 1000:>10.1f}  {statuses}"
        )
    print(
        f"{'recording, all':<18}{len(measured):>8}{statistics.median(measured) * 1000:>12.1f}"
        f"{percentile(measured, 0.95) * 1000:>10.1f}  throughput {results.measured / elapsed:.1f} requests/s"
    )
    conflicts = sum(n for (kind, code), n in results.statuses.items() if code == 409)
    accepted = sum(len(writes) for writes in results.rows.values()) + sum(
        len(n) for n in results.notes.values()
    )
    print(f"accepted writes {accepted}, conflicts (409) {conflicts}")
    print(f"errors: {len(results.errors)}", *results.errors[:10], sep="\n  ")
    print(f"lost updates: {len(problems)}", *problems[:10], sep="\n  ")
    print(f"audit verify: {'passed' if audit.returncode == 0 else 'FAILED'} ({audit.stdout.strip()[:200]})")
    return not results.errors and not problems and audit.returncode == 0 and conflicts > 0


def main() -> int:
    (ROOT / "instance").mkdir(exist_ok=True)
    for log in ("GUNICORN_ACCESS_LOG", "GUNICORN_ERROR_LOG"):
        Path(ENV[log]).unlink(missing_ok=True)
    fresh_database()
    world = seed()
    (ROOT / "instance").mkdir(exist_ok=True)
    server = subprocess.Popen(
        [str(ROOT / ".venv" / "bin" / "gunicorn"), "-c", "gunicorn.conf.py", "wsgi:app"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,  # the logs go to the files above; an unread pipe could stall the server
    )
    try:
        for _ in range(100):
            try:
                health = httpx.get(f"{BASE}/healthz", timeout=2).json()
                break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            sys.exit("gunicorn did not start")
        print(f"gunicorn with {ENV['WEB_CONCURRENCY']} workers on {BASE}; healthz {health}")
        results = Results()

        def open_window():
            window.started = time.monotonic()
            window.stop_at = window.started + SECONDS

        window = Window(threading.Barrier(CLINICIANS, action=open_window))
        clinicians = [
            Clinician(number, email, world["sessions"], results, window)
            for number, email in enumerate(world["emails"])
        ]
        for clinician in clinicians:
            clinician.start()
        for clinician in clinicians:
            clinician.join()
        elapsed = time.monotonic() - window.started
    finally:
        server.terminate()
        server.wait(timeout=30)
    problems = check_database(results)
    audit = flask("audit", "verify")
    return 0 if report(results, elapsed, problems, audit) else 1


if __name__ == "__main__":
    sys.exit(main())

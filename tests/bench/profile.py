"""Profile the benchmark's requests with pyinstrument, on the scale data set.

`.venv/bin/python -m tests.bench.profile [--clients 200] [--repeat 50] NAME ...` with NAME one of
cohort, grid, overview, queue, family, checkin, toggle, reviews, explain; prints pyinstrument's text
report of each (`reviews`: the weekly reviews of every cohort; `explain`: the plan of each statement of
one cohort's review) (the database as `make bench` builds it: PostgreSQL when DATABASE_URL points at it).
"""

from __future__ import annotations

import argparse
import sys

from pyinstrument import Profiler
from sqlalchemy import event, select

from iop.extensions import db
from tests.bench.run import (
    HTMX,
    attendance_version,
    bench_database_url,
    build_app,
    pick_targets,
    seed,
    sign_in_everyone,
)


def review_work() -> list:
    """Every cohort-week of the last completed week, as the bench's review run computes them."""
    from iop.models import Program
    from iop.services.review_runs import cohort_ids_with_members, completed_week_starts

    work = []
    for program in db.session.scalars(select(Program).order_by(Program.id)).all():
        monday = completed_week_starts(program, 1)[0]
        work += [(cohort_id, monday) for cohort_id in cohort_ids_with_members(program, monday)]
    db.session.remove()
    return work


def profile_reviews() -> None:
    """pyinstrument over compute_cohort_reviews of every cohort (one cohort first, to build the SQL)."""
    from iop.models import Cohort
    from iop.services.reviews import compute_cohort_reviews

    work = review_work()
    profiler = Profiler(interval=0.0005)
    for index, (cohort_id, monday) in enumerate(work):
        if index == 1:
            profiler.start()
        compute_cohort_reviews(db.session.get(Cohort, cohort_id), monday)
        db.session.rollback()
        db.session.remove()
    profiler.stop()
    print(f"== reviews: {len(work) - 1} cohort-weeks")
    print(profiler.output_text(unicode=True, color=False, show_all=False))


def explain_reviews() -> None:
    """EXPLAIN ANALYZE (PostgreSQL) or EXPLAIN QUERY PLAN (SQLite) of each statement one cohort's
    review runs, with its values."""
    from iop.models import Cohort
    from iop.services.reviews import compute_cohort_reviews

    cohort_id, monday = review_work()[0]
    captured = []

    def capture(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT") and "pg_advisory" not in statement:
            captured.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    compute_cohort_reviews(db.session.get(Cohort, cohort_id), monday)
    event.remove(db.engine, "before_cursor_execute", capture)
    db.session.rollback()
    prefix = (
        "EXPLAIN (ANALYZE, BUFFERS) " if db.engine.dialect.name == "postgresql" else "EXPLAIN QUERY PLAN "
    )
    cursor = db.session.connection().connection.cursor()
    for statement, parameters in captured:
        cursor.execute(prefix + statement, parameters)
        print("==", " ".join(statement.split())[:150])
        print("\n".join(str(row[0] if len(row) == 1 else row) for row in cursor.fetchall()))
    db.session.rollback()
    db.session.remove()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="+")
    parser.add_argument("--clients", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args(argv)
    url, remove = bench_database_url()
    try:
        app = build_app(url)
        seed(app, args.clients, 12, 2026)
        with app.app_context():
            t = pick_targets(1)
            who = sign_in_everyone(app, t)
            version = attendance_version(t.session_id, t.toggle_enrollment_id)
            db.session.remove()
        state = {"version": version, "status": "present"}

        def toggle():
            state["status"] = "late" if state["status"] == "present" else "present"
            response = who.clinician.post(
                f"/sessions/{t.session_id}/attendance/{t.toggle_enrollment_id}",
                data={
                    "version": str(state["version"]),
                    "status": state["status"],
                    "minutes_attended": "",
                    "note": "",
                },
                headers={**HTMX, "HX-Trigger-Name": "status"},
            )
            state["version"] += 1
            return response

        def reviews():
            from tests.bench.run import bench_review_run

            with app.app_context():
                print(bench_review_run(url, (1,)))

        requests = {
            "cohort": lambda: who.clinician.get(f"/cohorts/{t.cohort_id}"),
            "grid": lambda: who.clinician.get(f"/sessions/{t.session_id}"),
            "overview": lambda: who.clinician.get(f"/clients/{t.client_id}"),
            "queue": lambda: who.case_manager.get("/reviews/"),
            "family": lambda: who.family.get(f"/family/{t.consent_id}/observation"),
            "checkin": lambda: who.client.get("/me/checkin"),
            "toggle": toggle,
        }
        for name in args.names:
            if name in ("reviews", "explain"):
                with app.app_context():
                    if name == "reviews":
                        profile_reviews()
                    else:
                        explain_reviews()
                continue
            send = requests[name]
            for _ in range(5):
                send()
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(args.repeat):
                response = send()
            profiler.stop()
            print(f"== {name}: {response.status_code}")
            print(profiler.output_text(unicode=True, color=False, show_all=False))
    finally:
        remove()
    return 0


if __name__ == "__main__":
    sys.exit(main())

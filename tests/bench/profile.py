"""Profile the benchmark's requests with pyinstrument, on the scale data set.

`.venv/bin/python -m tests.bench.profile [--clients 200] [--repeat 50] NAME ...` with NAME one of
cohort, grid, overview, queue, family, checkin, toggle, reviews; prints pyinstrument's text report
of each (the database as `make bench` builds it: PostgreSQL when DATABASE_URL points at it).
"""

from __future__ import annotations

import argparse
import sys

from pyinstrument import Profiler

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
            if name == "reviews":
                from iop.models import Cohort, Program
                from iop.services.review_runs import cohort_ids_with_members, completed_week_starts
                from iop.services.reviews import compute_cohort_reviews

                with app.app_context():
                    program = db.session.get(Program, 1)
                    monday = completed_week_starts(program, 1)[0]
                    ids = cohort_ids_with_members(program, monday)
                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                    for cohort_id in ids:
                        compute_cohort_reviews(db.session.get(Cohort, cohort_id), monday)
                        db.session.rollback()
                    profiler.stop()
                print(profiler.output_text(unicode=True, color=False, show_all=False))
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

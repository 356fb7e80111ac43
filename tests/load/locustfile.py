"""The loaded-server workload (tests.load.server starts `locust --headless -f` on this file).

Each simulated user is one browser already signed in (the cookie and CSRF token come from the world
file that tests.load.server wrote, so argon2 at sign-in is not in the measured window). Clinicians
open their home page, a cohort page, a session grid and a client overview and toggle attendance on a
row of their own (so no two users fight over one version); case managers work the review queue;
family members open their portal; clients their check-in page. Every user also asks for the bare
route now and then, so it is timed by the same server in the same run.

A response counts as an error unless it is the expected status (200, never a redirect to sign-in).
Every latency is kept, with the moment its request was sent (seconds since the epoch), and written to
LOAD_RESULTS at the end: exact percentiles, and when in the run the slow requests fell.
"""

from __future__ import annotations

import json
import os
import random
import re
from collections import defaultdict
from itertools import count

from locust import FastHttpUser, between, events, task

WORLD = json.loads(open(os.environ["LOAD_WORLD"], encoding="utf-8").read())  # noqa: SIM115
THINK = tuple(WORLD["think_seconds"])
VERSION = re.compile(r'id="att-(\d+)-version" value="(\d+)"')
LATENCIES: dict[str, list[float]] = defaultdict(list)
STARTS: dict[str, list[float]] = defaultdict(list)  # the send time of each latency, in the same order
STATUSES: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
ERRORS: list[str] = []
_next = defaultdict(count)


def _identity(role: str) -> dict:
    people = WORLD["identities"][role]
    return people[next(_next[role]) % len(people)]


@events.request.add_listener
def _keep(request_type, name, response_time, response_length, response, exception, **kwargs):
    LATENCIES[name].append(response_time)
    STARTS[name].append(kwargs.get("start_time") or 0.0)
    STATUSES[name][str(getattr(response, "status_code", 0) or 0)] += 1
    if exception is not None and len(ERRORS) < 50:
        ERRORS.append(f"{name}: {exception}")


@events.quitting.add_listener
def _write(environment, **kwargs):
    with open(os.environ["LOAD_RESULTS"], "w", encoding="utf-8") as out:
        json.dump({"latencies_ms": LATENCIES, "starts": STARTS, "statuses": STATUSES, "errors": ERRORS}, out)


class SignedIn(FastHttpUser):
    abstract = True
    host = WORLD["base_url"]
    wait_time = between(*THINK)
    role = ""

    def on_start(self):
        self.me = _identity(self.role)
        self.headers = {"Cookie": self.me["cookie"]}

    def page(self, name: str, path: str, headers: dict | None = None):
        with self.client.get(
            path,
            name=name,
            headers={**self.headers, **(headers or {})},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(1)
    def hello(self):
        self.page("bare route", "/bench-hello")


class Clinician(SignedIn):
    role = "clinician"
    fixed_count = len(WORLD["identities"]["clinician"])

    def on_start(self):
        super().on_start()
        self.row = dict(self.me["row"])
        self.status = "present"

    @task(2)
    def home(self):
        self.page("clinician home", "/")

    @task(3)
    def cohort(self):
        self.page("cohort page", f"/cohorts/{random.choice(WORLD['cohort_ids'])}")  # noqa: S311

    @task(3)
    def grid(self):
        self.page("session grid", f"/sessions/{self.row['session_id']}")

    @task(3)
    def overview(self):
        self.page("client overview", f"/clients/{random.choice(WORLD['client_ids'])}")  # noqa: S311

    @task(4)
    def toggle(self):
        self.status = "late" if self.status == "present" else "present"
        row = self.row
        with self.client.post(
            f"/sessions/{row['session_id']}/attendance/{row['enrollment_id']}",
            name="attendance toggle",
            data={
                "csrf_token": self.me["csrf"],
                "version": str(row["version"]),
                "status": self.status,
                "minutes_attended": "",
                "participation": "",
                "note": "",
                "reason": "Load test correction",
            },
            headers={**self.headers, "HX-Request": "true", "HX-Trigger-Name": "status"},
            allow_redirects=False,
            catch_response=True,
        ) as response:
            found = dict(VERSION.findall(response.text or ""))
            if str(row["enrollment_id"]) in found:
                row["version"] = int(found[str(row["enrollment_id"])])
            if response.status_code != 200:
                response.failure(f"{response.status_code}")


class CaseManager(SignedIn):
    role = "case_manager"
    fixed_count = len(WORLD["identities"]["case_manager"])

    @task(4)
    def queue(self):
        self.page("review queue", "/reviews/")

    @task(1)
    def overview(self):
        self.page("client overview", f"/clients/{random.choice(WORLD['client_ids'])}")  # noqa: S311


class Family(SignedIn):
    role = "family"
    fixed_count = len(WORLD["identities"]["family"])

    @task(4)
    def portal(self):
        self.page("family portal", self.me["home"])


class Client(SignedIn):
    role = "client"
    fixed_count = len(WORLD["identities"]["client"])

    @task(4)
    def checkin(self):
        self.page("client check-in page", "/me/checkin")

"""The scale data set of DESIGN.md §10, written in bulk: `build_scale_clinic(clients=2000)`.

5 programs, 100 cohorts of about 20, 2,000 active clients plus the ones discharged before them, 12 weeks
of history: three groups a week with attendance and participation, signed notes, weekly PHQ-9 and GAD-7,
daily dose logs and monthly fills, goals with weekly ratings, family observations for a third of the
clients, daily check-ins by personal link, weekly reviews (computed by the review code itself) and
decisions. The same generator at 200 clients makes one program of 10 cohorts of the same size.

Rows are written with SQLAlchemy Core `insert()` and lists of dicts, with explicit ids (the sequences are
moved past them at the end), deterministic from the seed. They are the rows the services would write:
the same defaults, versions (attendance version 1, a saved note version 1), severities and flags from
`iop.clinical.instruments.score`, alerts for item 9, enrollment ends matching decisions, and reviews
whose revisions `compute_cohort_reviews` finds unchanged. Bulk history carries no audit events: the
chain starts with the first request, as on a clinic migrated from another system.

Demo sign-ins (password stepwise-demo, hashed once): admin@ (admin of every program), clinician@ and
casemanager@ (care team of program 1) and family@ (linked with consent to a client of program 1).
"""

from __future__ import annotations

import hashlib
import json
import random
import time as timer
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Table, insert, inspect, text, update

from iop import clock
from iop.clinical.attendance import default_minutes, takes_participation
from iop.clinical.checkins import DEFAULT_COPING_SKILLS, SOCIAL_CATEGORIES
from iop.clinical.instruments import score
from iop.clinical.weeks import week_start as monday_of
from iop.demo.content import (
    ADMIN_EMAIL,
    CASE_MANAGER_EMAIL,
    CLINICIAN_EMAIL,
    FAMILY_EMAIL,
    FAMILY_NAME,
    FIRST_NAMES,
    LAST_NAMES,
    OBSERVATIONS,
    PARTICIPATION_WEIGHTS,
    PASSWORD,
    ROW_NOTES,
    STATUS_WEIGHTS,
    TOPICS,
)
from iop.extensions import db
from iop.models import (
    Alert,
    AssessmentResponse,
    Attendance,
    Client,
    ClientLink,
    Cohort,
    Consent,
    DailyCheckin,
    DoseLog,
    Enrollment,
    FamilyObservation,
    Fill,
    Goal,
    GoalRating,
    GroupSession,
    LevelOfCareDecision,
    Medication,
    Program,
    ProgramRole,
    ReviewRevision,
    ReviewRun,
    User,
    WeeklyReview,
    cohort_facilitators,
    program_staff,
)
from iop.services.client_links import LINK_DAYS
from iop.services.passwords import hash_password

CLIENTS_PER_COHORT = 20
COHORTS_PER_PROGRAM = 20
PROGRAM_SPECS = (
    ("Adult Mood & Anxiety IOP", "America/New_York", "adult", 9),
    ("Adolescent IOP", "America/Chicago", "adolescent", 6),
    ("Adult Dual Diagnosis IOP", "America/Denver", "adult", 9),
    ("Young Adult IOP", "America/Los_Angeles", "adult", 9),
    ("Adolescent Mood IOP", "America/Phoenix", "adolescent", 6),
)
PATTERNS = ("024", "013", "124", "023", "134")
STARTS = {"adult": (time(9, 0), time(12, 30), time(17, 30)), "adolescent": (time(15, 30), time(16, 0))}
DURATION = {"adult": 180, "adolescent": 120}  # three a week reach the level-of-care minimum exactly
PERSONAS = {"steady": 30, "typical": 50, "struggling": 12, "technical": 8}
SCORE_SLOPE = {"steady": -1.3, "typical": -0.8, "struggling": 0.15, "technical": -0.6}
DOSE_TAKEN = {"steady": 0.96, "typical": 0.86, "struggling": 0.62, "technical": 0.84}
MEDICATIONS = (("Sertraline", "50 mg"), ("Escitalopram", "10 mg"), ("Bupropion XL", "150 mg"))
END_REASONS = (("stepped_down", 60), ("discharged", 25), ("stepped_up", 15))
DECISION_FOR_END = {"stepped_down": "step_down", "discharged": "discharge", "stepped_up": "step_up"}
DESTINATION_FOR = {
    "step_down": "standard_outpatient",
    "discharge": "completed",
    "step_up": "partial_hospitalization",
}
CHUNK = 5000
COHORT_NAMES = ("Morning", "Midday", "Evening", "After-School", "Late")


@dataclass(frozen=True)
class ScaleSpec:
    clients: int  # active at the end
    programs: int
    cohorts: int
    weeks: int
    seed: int


def spec_for(clients: int, weeks: int = 12, seed: int = 2026) -> ScaleSpec:
    """2,000 clients: 5 programs of 20 cohorts; fewer clients: proportionally fewer, groups still ~20."""
    cohorts = max(1, round(clients / CLIENTS_PER_COHORT))
    programs = max(1, min(len(PROGRAM_SPECS), round(cohorts / COHORTS_PER_PROGRAM)))
    return ScaleSpec(clients, programs, cohorts, weeks, seed)


class _Rows:
    """Rows per table with ids handed out here, inserted in chunks at the end of each stage."""

    def __init__(self) -> None:
        self.rows: dict[object, list[dict]] = defaultdict(list)
        self.next_id: dict[object, int] = defaultdict(lambda: 1)

    def add(self, model, **values) -> int:
        if "id" not in values:
            values["id"] = self.next_id[model]
        self.next_id[model] = max(self.next_id[model], values["id"] + 1)
        self.rows[model].append(values)
        return values["id"]

    def flush(self, *models) -> None:
        for model in models:
            rows = self.rows.pop(model, [])
            if not rows:
                continue
            if isinstance(model, Table):
                table, names = model, {key: key for key in rows[0]}
            else:  # attribute names to column names (answers_json is the column "answers")
                table, attrs = model.__table__, inspect(model).column_attrs
                names = {key: attrs[key].columns[0].name for key in rows[0]}
            for start in range(0, len(rows), CHUNK):
                chunk = [
                    {names[key]: value for key, value in row.items()} for row in rows[start : start + CHUNK]
                ]
                db.session.execute(insert(table), chunk)


@dataclass
class _Stint:
    enrollment_id: int
    client_id: int
    cohort_id: int
    program_index: int
    started_on: date
    ended_on: date | None
    end_reason: str | None
    persona: str
    facilitator_id: int
    sessions: list = field(default_factory=list)


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date, clock_time: time, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, clock_time, tzinfo=zone).astimezone(UTC)


def _answers(rng: random.Random, total: int, items: int, last: int | None) -> list[int]:
    """Item answers 0–3 summing to `total`; the last item fixed when given (PHQ-9 item 9)."""
    free = items - (1 if last is not None else 0)
    total = max(0, min(total - (last or 0), 3 * free))
    values = [total // free] * free
    for index in rng.sample(range(free), total % free):
        values[index] += 1
    return values + ([last] if last is not None else [])


def build_scale_clinic(clients: int = 2000, weeks: int = 12, seed: int = 2026) -> dict:
    """Write the whole data set into an empty, migrated database (committed); returns what it holds."""
    spec = spec_for(clients, weeks, seed)
    started = timer.perf_counter()
    builder = _Builder(spec)
    builder.staff_and_programs()
    builder.cohorts_and_sessions()
    builder.enrollments()
    builder.attendance()
    builder.measures()
    builder.medication()
    builder.goals()
    builder.family()
    builder.checkins()
    db.session.commit()
    stages = {"rows": round(timer.perf_counter() - started, 1)}
    builder.reviews()
    builder.reset_sequences()
    db.session.commit()
    # Fresh statistics, as autovacuum would gather after such a load: without them PostgreSQL planned
    # the review's goal query as a scan of every rating (12.6 ms; 0.14 ms once analysed).
    db.session.execute(text("ANALYZE"))
    db.session.commit()
    stages["reviews"] = round(timer.perf_counter() - started - stages["rows"], 1)
    return {"spec": spec.__dict__, "seconds": stages, "rows": builder.counts}


class _Builder:
    def __init__(self, spec: ScaleSpec) -> None:
        self.spec = spec
        self.rng = random.Random(spec.seed)
        self.rows = _Rows()
        self.counts: dict[str, int] = defaultdict(int)
        self.now = clock.now()
        self.programs: list[dict] = []
        self.cohorts: list[dict] = []
        self.stints: list[_Stint] = []
        self.clinicians: dict[int, list[int]] = {}  # program index -> user ids
        self.case_managers: dict[int, list[int]] = {}

    def _add(self, model, **values) -> int:
        self.counts[getattr(model, "__tablename__", getattr(model, "name", str(model)))] += 1
        return self.rows.add(model, **values)

    # --- people and places ---------------------------------------------------------------------------

    def staff_and_programs(self) -> None:
        self.password_hash = hash_password(PASSWORD)  # argon2 is slow by design: once for every account

        def user(email: str, name: str, kind: str = "staff") -> int:
            return self._add(
                User,
                email=email,
                full_name=name,
                password_hash=self.password_hash,
                kind=kind,
                active=True,
                must_change_password=False,
                created_at=self.now - timedelta(days=200),
            )

        admin = user(ADMIN_EMAIL, "Morgan Ellis")
        for index in range(self.spec.programs):
            name, zone, population, hours = PROGRAM_SPECS[index]
            program_id = self._add(
                Program,
                name=name,
                timezone=zone,
                population=population,
                min_weekly_hours=hours,
                break_glass_enabled=False,
                created_at=self.now - timedelta(days=200),
            )
            zoneinfo = ZoneInfo(zone)
            self.programs.append(
                {"id": program_id, "zone": zoneinfo, "population": population, "today": clock.today(zoneinfo)}
            )
            cohorts = self._cohorts_in(index)
            clinicians = [
                CLINICIAN_EMAIL if index == 0 and n == 0 else f"clinician{index + 1}.{n + 1}@example.org"
                for n in range(max(1, (cohorts + 4) // 5))
            ]
            managers = [
                CASE_MANAGER_EMAIL if index == 0 and n == 0 else f"casemanager{index + 1}.{n + 1}@example.org"
                for n in range(2)
            ]
            staff = {admin: "admin"}
            self.clinicians[index] = []
            for n, email in enumerate(clinicians):
                uid = user(
                    email, "Jordan Rivera" if email == CLINICIAN_EMAIL else f"Clinician {index + 1}-{n + 1}"
                )
                staff[uid] = "clinician"
                self.clinicians[index].append(uid)
            self.case_managers[index] = []
            for n, email in enumerate(managers):
                uid = user(
                    email,
                    "Sam Okafor" if email == CASE_MANAGER_EMAIL else f"Case Manager {index + 1}-{n + 1}",
                )
                staff[uid] = "case_manager"
                self.case_managers[index].append(uid)
            for uid, role in staff.items():
                self._add(program_staff, id=0, user_id=uid, program_id=program_id)
                self._add(ProgramRole, id=0, user_id=uid, program_id=program_id, role=role)
        self._strip_ids(program_staff, ProgramRole)
        self.rows.flush(User, Program, program_staff, ProgramRole)

    def _strip_ids(self, *models) -> None:
        for model in models:
            for row in self.rows.rows[model]:
                row.pop("id", None)

    def _cohorts_in(self, program_index: int) -> int:
        base, extra = divmod(self.spec.cohorts, self.spec.programs)
        return base + (1 if program_index < extra else 0)

    def cohorts_and_sessions(self) -> None:
        rng = self.rng
        for index, program in enumerate(self.programs):
            population = program["population"]
            history_start = monday_of(program["today"]) - timedelta(days=7 * self.spec.weeks)
            program["history_start"] = history_start
            horizon = monday_of(program["today"]) + timedelta(days=7 * 4)
            for n in range(self._cohorts_in(index)):
                starts = STARTS[population]
                start_time = starts[n % len(starts)]
                facilitator = self.clinicians[index][n // 5 % len(self.clinicians[index])]
                cohort_id = self._add(
                    Cohort,
                    program_id=program["id"],
                    name=f"{COHORT_NAMES[n % 5]} Group {n // 5 + 1}",
                    admission="open",
                    meeting_days=PATTERNS[n % len(PATTERNS)],
                    start_time=start_time,
                    duration_minutes=DURATION[population],
                    active=True,
                    created_at=self.now - timedelta(days=7 * self.spec.weeks + 30),
                )
                self._add(cohort_facilitators, cohort_id=cohort_id, user_id=facilitator)
                cohort = {
                    "id": cohort_id,
                    "program_index": index,
                    "facilitator": facilitator,
                    "duration": DURATION[population],
                    "sessions": [],
                }
                self.cohorts.append(cohort)
                weekdays = {int(day) for day in PATTERNS[n % len(PATTERNS)]}
                day = history_start
                while day < horizon:
                    if day.weekday() in weekdays:
                        cohort["sessions"].append(self._session(cohort, program, day, start_time, rng))
                    day += timedelta(days=1)
        self._strip_ids(cohort_facilitators)
        self.rows.flush(Cohort, cohort_facilitators, GroupSession)

    def _session(self, cohort, program, day: date, start_time: time, rng: random.Random) -> dict:
        starts_at = _at(day, start_time, program["zone"])
        ends_at = starts_at + timedelta(minutes=cohort["duration"])
        values = {
            "cohort_id": cohort["id"],
            "starts_at": starts_at,
            "session_date": day,
            "duration_minutes": cohort["duration"],
            "status": "scheduled",
            "facilitator_id": cohort["facilitator"],
            "topic": "",
            "interventions": "",
            "observations": "",
            "note_version": 0,
            "note_updated_at": None,
            "note_updated_by_id": None,
            "signed_at": None,
            "signed_by_id": None,
            "cancelled_reason": None,
        }
        held = day < program["today"]
        if held and rng.random() < 0.02:
            values.update(status="cancelled", cancelled_reason="Facilitator out sick")
        elif held:
            topic = rng.choice(list(TOPICS))
            values.update(
                status="held",
                topic=topic,
                interventions=TOPICS[topic],
                observations=rng.choice(OBSERVATIONS),
                note_version=1,
                note_updated_at=ends_at + timedelta(minutes=20),
                note_updated_by_id=cohort["facilitator"],
            )
            if (program["today"] - day).days > 3:  # the latest are still being written up
                values.update(signed_at=ends_at + timedelta(minutes=40), signed_by_id=cohort["facilitator"])
        session_id = self._add(GroupSession, **values)
        return {"id": session_id, "day": day, "status": values["status"], "ends_at": ends_at}

    def enrollments(self) -> None:
        """Each cohort has 20 places; behind each current member, the clients who held the place before."""
        rng = self.rng
        per_cohort, extra = divmod(self.spec.clients, len(self.cohorts))
        names = 0
        for n, cohort in enumerate(self.cohorts):
            program = self.programs[cohort["program_index"]]
            today, history_start = program["today"], program["history_start"]
            case_manager = self.case_managers[cohort["program_index"]][0]
            for _place in range(per_cohort + (1 if n < extra else 0)):
                started = today - timedelta(days=rng.randint(1, (today - history_start).days + 14))
                started = max(started, history_start - timedelta(days=rng.choice((0, 0, 7, 14))))
                stints = [(started, None, None)]
                while stints[0][0] > history_start + timedelta(days=21):
                    ended = stints[0][0]
                    begun = ended - timedelta(days=rng.randint(28, 63))
                    stints.insert(0, (begun, ended, _weighted(rng, dict(END_REASONS))))
                for started_on, ended_on, reason in stints:
                    names += 1
                    population = program["population"]
                    age = rng.randint(14, 17) if population == "adolescent" else rng.randint(19, 64)
                    client_id = self._add(
                        Client,
                        program_id=program["id"],
                        first_name=FIRST_NAMES[names % len(FIRST_NAMES)],
                        last_name=LAST_NAMES[(names // len(FIRST_NAMES) + names) % len(LAST_NAMES)],
                        preferred_name="",
                        date_of_birth=date(today.year - age, rng.randint(1, 12), rng.randint(1, 28)),
                        mrn=f"S{program['id']:02d}-{names:06d}",
                        phone="+1 555 0100",
                        email=f"client{names}@example.test",
                        emergency_contact_name="",
                        emergency_contact_phone="",
                        payer="",
                        authorization_number="",
                        authorization_start=None,
                        authorization_end=None,
                        created_at=_at(started_on, time(8), program["zone"]),
                    )
                    enrollment_id = self._add(
                        Enrollment,
                        client_id=client_id,
                        cohort_id=cohort["id"],
                        started_on=started_on,
                        ended_on=ended_on,
                        end_reason=reason,
                        created_by_id=case_manager,
                        created_at=_at(started_on, time(8), program["zone"]),
                    )
                    self.stints.append(
                        _Stint(
                            enrollment_id,
                            client_id,
                            cohort["id"],
                            cohort["program_index"],
                            started_on,
                            ended_on,
                            reason,
                            _weighted(rng, PERSONAS),
                            cohort["facilitator"],
                        )
                    )
        self.rows.flush(Client, Enrollment)

    def _last_day(self, stint: _Stint) -> date:
        """The stint's last day with data: the day before it ended, or yesterday."""
        today = self.programs[stint.program_index]["today"]
        return min(today, stint.ended_on or today) - timedelta(days=1)

    def _first_day(self, stint: _Stint) -> date:
        return max(stint.started_on, self.programs[stint.program_index]["history_start"])

    # --- what happens in the weeks -------------------------------------------------------------------

    def attendance(self) -> None:
        rng = self.rng
        by_cohort = defaultdict(list)
        for stint in self.stints:
            by_cohort[stint.cohort_id].append(stint)
        for cohort in self.cohorts:
            for session in cohort["sessions"]:
                if session["status"] != "held":
                    continue
                for stint in by_cohort[cohort["id"]]:
                    day = session["day"]
                    if not (stint.started_on <= day and (stint.ended_on is None or day < stint.ended_on)):
                        continue
                    status = _weighted(rng, STATUS_WEIGHTS[stint.persona])
                    rating = (
                        _weighted(rng, PARTICIPATION_WEIGHTS[stint.persona])
                        if takes_participation(status)
                        else None
                    )
                    notes = ROW_NOTES[status]
                    self._add(
                        Attendance,
                        session_id=session["id"],
                        enrollment_id=stint.enrollment_id,
                        status=status,
                        minutes_attended=default_minutes(status, cohort["duration"]),
                        participation=rating,
                        note=rng.choice(notes) if rng.random() < 0.15 else "",
                        version=1,
                        updated_at=session["ends_at"] + timedelta(minutes=5),
                        updated_by_id=cohort["facilitator"],
                    )
        self.rows.flush(Attendance)

    def measures(self) -> None:
        """A PHQ-9 and a GAD-7 each week of each stint; item 9 above 0 raises the alert the service would."""
        rng = self.rng
        for stint in self.stints:
            zone = self.programs[stint.program_index]["zone"]
            phq = rng.gauss(15, 4)
            gad = rng.gauss(12, 3.5)
            day, last, week = stint.started_on, self._last_day(stint), 0
            first = self._first_day(stint)
            while day <= last:
                if day >= first:
                    risk = stint.persona == "struggling" and rng.random() < 0.12
                    for key, base, items, top in (("phq9", phq, 9, 27), ("gad7", gad, 7, 21)):
                        total = round(base + SCORE_SLOPE[stint.persona] * week + rng.gauss(0, 1.5))
                        total = max(0, min(top, total))
                        answers = _answers(rng, total, items, (1 if risk else 0) if key == "phq9" else None)
                        result = score(key, answers)
                        entered_at = _at(day, time(13), zone)
                        response_id = self._add(
                            AssessmentResponse,
                            client_id=stint.client_id,
                            enrollment_id=stint.enrollment_id,
                            instrument=key,
                            administered_on=day,
                            answers_json=json.dumps(answers),
                            total=result.total,
                            severity=result.severity,
                            flags_text=" ".join(sorted(result.flags)),
                            source="clinician",
                            entered_by_id=stint.facilitator_id,
                            client_link_id=None,
                            entered_at=entered_at,
                            superseded_by_id=None,
                        )
                        if "suicide_risk" in result.flags:
                            self._alert(stint, "suicide_risk", entered_at, response_id=response_id)
                day += timedelta(days=7)
                week += 1
        self.rows.flush(AssessmentResponse, Alert)

    def _alert(self, stint: _Stint, kind: str, created_at: datetime, **source) -> None:
        acknowledged = self.now - created_at > timedelta(days=1)
        self._add(
            Alert,
            client_id=stint.client_id,
            kind=kind,
            response_id=source.get("response_id"),
            observation_id=source.get("observation_id"),
            created_at=created_at,
            acknowledged_by_id=stint.facilitator_id if acknowledged else None,
            acknowledged_at=created_at + timedelta(minutes=12) if acknowledged else None,
            acknowledgement_note="Called the client; safety plan reviewed." if acknowledged else None,
            escalated_at=None,
        )

    def medication(self) -> None:
        rng = self.rng
        for stint in self.stints:
            if rng.random() >= 0.6:
                continue
            name, dose = rng.choice(MEDICATIONS)
            started_on = stint.started_on - timedelta(days=rng.randint(0, 40))
            last = self._last_day(stint)
            medication_id = self._add(
                Medication,
                client_id=stint.client_id,
                name=name,
                dose=dose,
                doses_per_day=1,
                prescriber="Dr. Avery Chen",
                route="oral",
                as_needed=False,
                started_on=started_on,
                ended_on=last if stint.ended_on else None,
                created_by_id=stint.facilitator_id,
                created_at=_at(stint.started_on, time(10), self.programs[stint.program_index]["zone"]),
            )
            day = self._first_day(stint)
            while day <= last:
                if rng.random() < 0.9:
                    taken = rng.random() < DOSE_TAKEN[stint.persona]
                    self._add(
                        DoseLog,
                        medication_id=medication_id,
                        day=day,
                        status="taken" if taken else rng.choice(("partial", "missed", "missed", "refused")),
                        source=rng.choice(("client", "clinician")),
                        recorded_by_id=stint.facilitator_id,
                        recorded_at=_at(day, time(20), self.programs[stint.program_index]["zone"]),
                    )
                day += timedelta(days=1)
            filled = started_on
            while filled <= last:
                self._add(
                    Fill,
                    medication_id=medication_id,
                    filled_on=filled,
                    days_supply=30,
                    recorded_by_id=stint.facilitator_id,
                    recorded_at=_at(
                        max(filled, stint.started_on), time(11), self.programs[stint.program_index]["zone"]
                    ),
                )
                filled += timedelta(days=30 + rng.choice((0, 0, 1, 3)))
        self.rows.flush(Medication, DoseLog, Fill)

    def goals(self) -> None:
        rng = self.rng
        titles = (
            ("Use a coping skill when anxious, at least four days a week", "coping"),
            ("Walk outside three times a week", "daily_functioning"),
            ("Call a supportive friend each week", "relationships"),
        )
        for stint in self.stints:
            zone = self.programs[stint.program_index]["zone"]
            for title, domain in rng.sample(titles, 2):
                goal_id = self._add(
                    Goal,
                    client_id=stint.client_id,
                    title=title,
                    domain=domain,
                    target_date=stint.started_on + timedelta(days=56),
                    state="active",
                    state_changed_at=None,
                    created_by_id=stint.facilitator_id,
                    created_at=_at(stint.started_on, time(14), zone),
                )
                day, week, last = stint.started_on + timedelta(days=7), 0, self._last_day(stint)
                while day <= last:
                    level = max(-2, min(2, round(-1 + week * 0.35 + rng.gauss(0, 0.6))))
                    self._add(
                        GoalRating,
                        goal_id=goal_id,
                        rated_on=day,
                        level=level,
                        note="",
                        rated_by_id=stint.facilitator_id,
                        rated_at=_at(day, time(14, 30), zone),
                    )
                    day += timedelta(days=7)
                    week += 1
        self.rows.flush(Goal, GoalRating)

    def family(self) -> None:
        """A third of the clients have a family member who sends a weekly observation under consent."""
        rng = self.rng
        demo_linked = False
        for n, stint in enumerate(self.stints):
            if n % 3:
                continue
            program = self.programs[stint.program_index]
            demo = not demo_linked and stint.program_index == 0 and stint.ended_on is None
            demo_linked = demo_linked or demo
            email = FAMILY_EMAIL if demo else f"family{n}@example.test"
            family_id = self._add(
                User,
                email=email,
                full_name=FAMILY_NAME if demo else f"Family Member {n}",
                password_hash=self.password_hash,
                kind="family",
                active=True,
                must_change_password=False,
                created_at=_at(stint.started_on, time(18), program["zone"]),
            )
            consent_id = self._add(
                Consent,
                client_id=stint.client_id,
                recipient_name=FAMILY_NAME if demo else f"Family Member {n}",
                relationship_kind=rng.choice(("parent", "partner", "sibling")),
                recipient_email=email,
                purpose="Weekly observations at home.",
                scope_observations=True,
                scope_attendance_summary=False,
                granted_on=stint.started_on,
                expires_on=stint.started_on + timedelta(days=365),
                signature_on_file=True,
                signed_on=stint.started_on,
                recorded_by_id=stint.facilitator_id,
                recorded_at=_at(stint.started_on, time(15), program["zone"]),
                family_user_id=family_id,
                revoked_at=None,
                revoked_by_id=None,
                revoke_reason=None,
            )
            monday = monday_of(stint.started_on)
            last = self._last_day(stint)
            while monday <= last:
                observed_on = min(monday + timedelta(days=5), last)
                if observed_on >= stint.started_on and rng.random() < 0.85:
                    good = stint.persona in ("steady", "typical")
                    ratings = {
                        key: rng.choice((3, 4, 4, 5) if good else (1, 2, 2, 3))
                        for key in ("mood", "communication", "conflict", "sleep", "participation")
                    }
                    safety = stint.persona == "struggling" and rng.random() < 0.05
                    submitted_at = _at(observed_on, time(19), program["zone"])
                    observation_id = self._add(
                        FamilyObservation,
                        consent_id=consent_id,
                        client_id=stint.client_id,
                        author_id=family_id,
                        week_start=monday,
                        observed_on=observed_on,
                        submitted_at=submitted_at,
                        **ratings,
                        concern_safety=safety,
                        concern_substance_use=not good and rng.random() < 0.2,
                        concern_missed_medication=not good and rng.random() < 0.2,
                        concern_withdrawal=not good and rng.random() < 0.3,
                        note="",
                        submission_key=hashlib.sha256(
                            f"scale-observation-{self.spec.seed}-{consent_id}-{monday}".encode()
                        ).hexdigest(),
                        corrects_id=None,
                        superseded_by_id=None,
                    )
                    if safety:
                        self._alert(stint, "family_safety", submitted_at, observation_id=observation_id)
                monday += timedelta(days=7)
        self.rows.flush(User, Consent, FamilyObservation, Alert)

    def checkins(self) -> None:
        """Half the clients check in by personal link on most days; links are renewed before they expire."""
        rng = self.rng
        social = list(SOCIAL_CATEGORIES)
        self.demo_link_clients: list[int] = []
        for n, stint in enumerate(self.stints):
            if n % 2:
                continue
            zone = self.programs[stint.program_index]["zone"]
            last = self._last_day(stint)
            links: list[tuple[int, date]] = []
            issued = stint.started_on
            while True:
                created_at = _at(issued, time(9), zone)
                if created_at > self.now:
                    break
                link_id = self.rows.next_id[ClientLink]
                if links:
                    self.rows.rows[ClientLink][-1]["replaced_by_id"] = link_id
                self._add(
                    ClientLink,
                    client_id=stint.client_id,
                    token_hash=hashlib.sha256(f"scale-link-{self.spec.seed}-{link_id}".encode()).hexdigest(),
                    purpose="Daily check-ins between sessions.",
                    consent_on=stint.started_on,
                    channel="email",
                    second_factor="none",
                    pin_hash=None,
                    created_by_id=stint.facilitator_id if not links else None,
                    created_at=created_at,
                    expires_at=created_at + timedelta(days=LINK_DAYS),
                    last_used_at=None,
                    revoked_at=None,
                    revoked_by_id=None,
                    replaced_by_id=None,
                )
                links.append((link_id, issued))
                if stint.ended_on is not None and issued + timedelta(days=LINK_DAYS - 3) >= stint.ended_on:
                    break
                issued += timedelta(days=LINK_DAYS - 3)
            if not links:
                continue
            if stint.ended_on is not None:
                self.rows.rows[ClientLink][-1].update(
                    revoked_at=_at(stint.ended_on, time(9), zone),
                    revoked_by_id=self.case_managers[stint.program_index][0],
                )
            elif stint.program_index == 0:
                self.demo_link_clients.append(stint.client_id)
            day = self._first_day(stint)
            while day <= last:
                if rng.random() < 0.75:
                    link_id = next(lid for lid, issued in reversed(links) if issued <= day)
                    contact = rng.random() < 0.6
                    self._add(
                        DailyCheckin,
                        client_id=stint.client_id,
                        link_id=link_id,
                        day=day,
                        submitted_at=_at(day, time(21), zone),
                        mood=rng.randint(3, 8),
                        anxiety=rng.randint(2, 8),
                        cravings=rng.randint(0, 5),
                        stress=rng.randint(2, 8),
                        sleep_hours=rng.choice((5.5, 6.0, 6.5, 7.0, 7.5, 8.0)),
                        exercise_minutes=rng.choice((None, 0, 15, 30, 45)),
                        social_contact=contact,
                        social_with=rng.choice(social) if contact else None,
                        coping_skill=rng.choice(DEFAULT_COPING_SKILLS),
                        note="",
                        submission_key=hashlib.sha256(
                            f"scale-checkin-{self.spec.seed}-{stint.client_id}-{day}".encode()
                        ).hexdigest(),
                    )
                day += timedelta(days=1)
        self.rows.rows[ClientLink].reverse()  # a link names the newer one that replaced it: newest first
        self.rows.flush(ClientLink, DailyCheckin)

    # --- the weekly reviews, computed by the review code, and the decisions on them ------------------

    def reviews(self) -> None:
        """Every completed week's reviews, with the evidence and content `compute_cohort_reviews` would
        store; the enrollments that ended were ended by a decision on their last review."""
        from iop.services.review_evidence import cohort_evidence
        from iop.services.reviews import review_content

        ending = {s.enrollment_id: s for s in self.stints if s.ended_on is not None}
        last_review: dict[int, tuple[int, int, str, date]] = {}
        cohorts = {cohort.id: cohort for cohort in db.session.query(Cohort)}
        rng = self.rng
        # Week by week, every cohort's in turn, as the tick computes them: rows (and ids) in the order a
        # clinic's history writes them, so the planner sees the physical order it would in production.
        work = []
        for cohort in self.cohorts:
            program = self.programs[cohort["program_index"]]
            monday = program["history_start"]
            while monday <= monday_of(program["today"]) - timedelta(days=7):
                work.append((monday, cohort))
                monday += timedelta(days=7)
        work.sort(key=lambda item: (item[0], item[1]["id"]))
        for monday, cohort in work:
            program = self.programs[cohort["program_index"]]
            model = cohorts[cohort["id"]]
            thresholds = model.program.review_thresholds
            thresholds_json = json.dumps(thresholds.as_dict(), sort_keys=True)
            last_monday = monday_of(program["today"]) - timedelta(days=7)
            computed_at = _at(monday + timedelta(days=7), time(1), program["zone"])
            members = cohort_evidence(model, monday, thresholds)
            for member in members:
                content = review_content(member, thresholds, thresholds_json)
                review_id = self._add(
                    WeeklyReview,
                    enrollment_id=member.enrollment.id,
                    client_id=member.enrollment.client_id,
                    cohort_id=cohort["id"],
                    program_id=program["id"],
                    week_start=monday,
                    status="open",
                    latest_revision_id=None,
                    created_at=computed_at,
                )
                revision_id = self._add(
                    ReviewRevision, review_id=review_id, number=1, computed_at=computed_at, **content
                )
                last_review[member.enrollment.id] = (
                    review_id,
                    revision_id,
                    content["recommendation"],
                    monday,
                )
                if monday < last_monday and rng.random() < 0.5 and member.enrollment.id not in ending:
                    self._decide(
                        (review_id, revision_id, content["recommendation"]),
                        member.enrollment.id,
                        member.enrollment.client_id,
                        "continue",
                        monday + timedelta(days=8),
                        self.case_managers[cohort["program_index"]][0],
                    )
            self._add(
                ReviewRun,
                program_id=program["id"],
                cohort_id=cohort["id"],
                week_start=monday,
                status="done",
                attempts=1,
                reviews=len(members),
                error=None,
                queued_at=computed_at,
                started_at=computed_at,
                finished_at=computed_at,
            )
        for enrollment_id, stint in ending.items():
            if enrollment_id not in last_review:
                continue  # ended within its first week: no review to decide on
            review_id, revision_id, recommendation, _monday = last_review[enrollment_id]
            self._decide(
                (review_id, revision_id, recommendation),
                enrollment_id,
                stint.client_id,
                DECISION_FOR_END[stint.end_reason],
                stint.ended_on,
                self.case_managers[stint.program_index][0],
            )
        decided = {row["review_id"] for row in self.rows.rows[LevelOfCareDecision]}
        for row in self.rows.rows[WeeklyReview]:
            if row["id"] in decided:
                row["status"] = "decided"
        self.rows.flush(WeeklyReview, ReviewRevision, LevelOfCareDecision, ReviewRun)
        # One revision per review: point each review at it, as the service does.
        reviews, revisions = WeeklyReview.__table__, ReviewRevision.__table__
        db.session.execute(
            update(reviews)
            .values(latest_revision_id=revisions.c.id)
            .where(revisions.c.review_id == reviews.c.id)
        )

    def _decide(self, review, enrollment_id, client_id, decision: str, effective_on: date, decided_by: int):
        from iop.services.decisions import overrides

        review_id, revision_id, recommendation = review
        overriding = overrides(recommendation, decision)
        self._add(
            LevelOfCareDecision,
            review_id=review_id,
            revision_id=revision_id,
            enrollment_id=enrollment_id,
            client_id=client_id,
            decision=decision,
            destination=DESTINATION_FOR.get(decision),
            destination_detail=None,
            rationale="Reviewed the week's evidence with the care team.",
            effective_on=effective_on,
            recommendation=recommendation,
            overrides_recommendation=overriding,
            override_reason="Clinical judgement after the team meeting." if overriding else None,
            amends_id=None,
            decided_by_id=decided_by,
            decided_at=datetime.combine(effective_on, time(16), tzinfo=UTC),
        )

    def reset_sequences(self) -> None:
        """Move PostgreSQL's id sequences past the ids written here (SQLite takes max(id) + 1 itself)."""
        if db.session.get_bind().dialect.name != "postgresql":
            return
        for table in db.metadata.sorted_tables:
            if "id" in table.c and table.c.id.primary_key:
                db.session.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                        f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
                    )
                )

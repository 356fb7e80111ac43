"""The fixed ingredients of the demo clinic: staff, programs, cohorts, names and note wording."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import time

PASSWORD = "stepwise-demo"
ADULT = "Adult Mood & Anxiety IOP"
ADOLESCENT = "Adolescent IOP"
BOTH = (ADULT, ADOLESCENT)
ADMIN_EMAIL = "admin@example.org"
CLINICIAN_EMAIL = "clinician@example.org"
CASE_MANAGER_EMAIL = "casemanager@example.org"
FAMILY_EMAIL = "family@example.org"
FAMILY_NAME = "Robin Castellano"


@dataclass(frozen=True)
class StaffSpec:
    email: str
    full_name: str
    roles: tuple[str, ...]
    programs: tuple[str, ...]


@dataclass(frozen=True)
class ProgramSpec:
    name: str
    timezone: str
    population: str
    min_weekly_hours: float


@dataclass(frozen=True)
class CohortSpec:
    program: str
    name: str
    meeting_days: str  # Monday = 0, as Cohort.meeting_days
    start_time: time
    duration_minutes: int
    # The first facilitates every generated session; keep it first by name too, as reloads sort by name.
    facilitators: tuple[str, ...]
    share: float  # of the program's clients


# The admin gets both programs by creating them (create_program assigns its creator).
STAFF = (
    StaffSpec(ADMIN_EMAIL, "Morgan Ellis", ("admin",), ()),
    StaffSpec(CLINICIAN_EMAIL, "Jordan Rivera", ("clinician",), BOTH),
    StaffSpec(CASE_MANAGER_EMAIL, "Sam Okafor", ("case_manager",), BOTH),
    StaffSpec("lena.park@example.org", "Lena Park", ("clinician",), (ADULT,)),
    StaffSpec("marcus.bell@example.org", "Marcus Bell", ("clinician",), (ADOLESCENT,)),
)

PROGRAMS = (
    ProgramSpec(ADULT, "America/New_York", "adult", 9),
    ProgramSpec(ADOLESCENT, "America/Chicago", "adolescent", 6),
)

# Three sessions a week of each cohort's length reach the program's minimum weekly hours exactly.
COHORTS = (
    CohortSpec(ADULT, "Morning Group", "024", time(9, 0), 180, (CLINICIAN_EMAIL,), 0.55),
    CohortSpec(ADULT, "Evening Group", "013", time(17, 30), 180, ("lena.park@example.org",), 0.45),
    CohortSpec(
        ADOLESCENT,
        "After-School Group",
        "023",
        time(15, 30),
        120,
        (CLINICIAN_EMAIL, "marcus.bell@example.org"),
        1.0,
    ),
)
ADOLESCENT_SHARE = 1 / 3
AGE_RANGE = {"adult": (19, 63), "adolescent": (13, 16)}

FIRST_NAMES = (
    "Amara", "Mateo", "Priya", "Dmitri", "Keanu", "Sofia", "Tariq", "Mei", "Olusegun", "Ingrid",
    "Diego", "Hana", "Kwame", "Lucia", "Anders", "Yasmin", "Nikolai", "Leilani", "Farah", "Tomasz",
    "Ximena", "Bao", "Chidi", "Rosalind", "Arjun", "Noor", "Emeka", "Saoirse", "Kenji", "Valentina",
    "Idris", "Marisol", "Aleksander", "Thandiwe", "Rafael", "Ayesha", "Oskar", "Zainab", "Julien", "Nia",
)  # fmt: skip
LAST_NAMES = (
    "Abernathy", "Okonkwo", "Lindqvist", "Castellano", "Nakashima", "Haddad", "Brennan", "Adeyemi",
    "Vasquez-Moreno", "Thorsby", "Kowalczyk", "Iyer", "Delacroix", "Mbeki", "Quintero", "Ravensworth",
    "Oyelaran", "Sandoval", "Fairbanks", "Petrakis", "Halvorsen", "Achterberg", "Tanaka-Webb", "Mirzaei",
    "Oduya", "Pemberton", "Villanueva", "Szabo", "Kettering", "Amadi",
)  # fmt: skip

# Real IOP group topics, each with what the facilitator did.
TOPICS = {
    "Cognitive distortions": (
        "Psychoeducation on common cognitive distortions; members practised spotting them in a recent "
        "automatic thought with a thought record."
    ),
    "Distress tolerance: TIPP skills": (
        "Taught and rehearsed TIPP (temperature, intense exercise, paced breathing, paired muscle "
        "relaxation); each member chose one skill to try this week."
    ),
    "Behavioral activation planning": (
        "Reviewed the link between activity and mood; members scheduled two valued activities for the week."
    ),
    "Sleep hygiene": (
        "Psychoeducation on sleep hygiene and stimulus control; members set one concrete sleep goal."
    ),
    "Relapse prevention planning": (
        "Members mapped their early warning signs and drafted the first steps of a relapse prevention plan."
    ),
    "Values clarification": (
        "Values card-sort exercise; members linked one value to a small action for the week."
    ),
    "Interpersonal effectiveness: DEAR MAN": (
        "Taught DEAR MAN; members role-played a request with a peer and gave each other feedback."
    ),
    "Mindfulness of emotions": "Guided practice in noticing, naming and rating emotions without judgement.",
    "Grounding for anxiety": (
        "Practised 5-4-3-2-1 grounding and paced breathing; discussed using them before stressful tasks."
    ),
    "Problem-solving skills": (
        "Worked through the problem-solving steps on a volunteer's example; members applied them to a "
        "current problem."
    ),
    "Self-compassion": (
        "Introduced the self-compassion break; members rewrote a self-critical thought in a kinder voice."
    ),
    "Radical acceptance": (
        "Taught radical acceptance and turning the mind; discussed how acceptance differs from approval."
    ),
    "Safety plan review": (
        "Reviewed personal safety plans: warning signs, coping strategies, people to call, crisis lines."
    ),
}

OBSERVATIONS = (
    "Members were engaged; several shared examples from the past week and offered each other support.",
    "Energy was low at the start and improved during the skills practice.",
    "Good peer feedback during the role-plays; two members asked for extra practice material.",
    "Some members found the topic hard; the facilitator normalised the struggle and checked in individually.",
    "Lively discussion; the facilitator redirected off-topic conversation twice.",
    "Members practised the skill in pairs in breakout rooms and reported back to the group.",
)

ROW_NOTES = {
    "present": (
        "Shared a coping skill that worked this week.",
        "Gave supportive feedback to a peer.",
        "Quiet today but joined the skills practice.",
        "Reported sleeping better since last week.",
    ),
    "late": (
        "Joined late after a work shift ran over.",
        "Joined late; trouble logging in.",
        "Arrived late, engaged once settled.",
    ),
    "left_early": (
        "Left early for a medical appointment (said so in advance).",
        "Left early, feeling overwhelmed; clinician called afterwards.",
    ),
    "absent_excused": ("Called ahead: family commitment.", "Excused: unwell.", "Excused: appointment clash."),
    "absent_unexcused": ("No call, no show; outreach call placed.", "Did not attend; voicemail left."),
    "technical_problem": (
        "Video dropped twice; rejoined by phone.",
        "Camera off most of the session (bandwidth); took part by chat.",
        "Audio problems for the first hour.",
    ),
}
FIRST_GROUP_NOTE = "First group: welcomed and oriented to the group guidelines."

PERSONA_WEIGHTS = {"steady": 30, "typical": 50, "struggling": 12, "technical": 8}
STATUS_WEIGHTS = {
    "steady": {"present": 90, "late": 4, "left_early": 2, "absent_excused": 4},
    "typical": {
        "present": 74,
        "late": 8,
        "left_early": 5,
        "absent_excused": 6,
        "absent_unexcused": 3,
        "technical_problem": 4,
    },
    "struggling": {
        "present": 42,
        "late": 18,
        "left_early": 10,
        "absent_excused": 6,
        "absent_unexcused": 20,
        "technical_problem": 4,
    },
    # Misses most groups: the demo's disengagement review.
    "disengaged": {
        "present": 10,
        "late": 2,
        "absent_excused": 8,
        "absent_unexcused": 78,
        "technical_problem": 2,
    },
    "technical": {
        "present": 58,
        "late": 6,
        "left_early": 3,
        "absent_excused": 5,
        "absent_unexcused": 2,
        "technical_problem": 26,
    },
}
PARTICIPATION_WEIGHTS = {
    "steady": {3: 5, 4: 45, 5: 50},
    "typical": {2: 5, 3: 40, 4: 45, 5: 10},
    "struggling": {1: 45, 2: 45, 3: 10},
    "disengaged": {1: 40, 2: 50, 3: 10},
    "technical": {2: 10, 3: 45, 4: 40, 5: 5},
}
# Minutes a clinician might type instead of accepting the default, as minutes missed.
MINUTES_MISSED = {
    "late": (10, 15, 20, 30, 45),
    "left_early": (20, 30, 45, 60),
    "technical_problem": (30, 45, 60, 75),
}

PAST_CANCELLATIONS = (("Morning Group", "Facilitator out sick"), ("After-School Group", "Holiday"))
UPCOMING_CANCELLATIONS = (("Evening Group", "Holiday"),)

"""The demo clinic's measures content: what clients are treated for, baselines, goals, medications."""

from __future__ import annotations

# --- Measures: questionnaires, goals, medications, symptoms and exposures --------------------------

# What each client is mainly treated for; it shapes baselines, goals, medications and symptom logs.
FOCUS_WEIGHTS = {
    "adult": {"depression": 40, "anxiety": 25, "panic": 15, "social_anxiety": 10, "eating": 10},
    "adolescent": {"depression": 45, "anxiety": 30, "social_anxiety": 15, "eating": 10},
}
# (low, high) baselines per focus: PHQ-9 then GAD-7.
BASELINES = {
    "depression": ((15, 21), (8, 13)),
    "anxiety": ((10, 15), (13, 18)),
    "panic": ((9, 14), (14, 19)),
    "social_anxiety": ((10, 15), (12, 17)),
    "eating": ((12, 17), (10, 15)),
}
# How much each PHQ-9 item (1–8) and GAD-7 item tends to carry of the total.
PHQ9_ITEM_WEIGHTS = (1.3, 1.4, 1.2, 1.3, 0.8, 1.0, 0.9, 0.5)
GAD7_ITEM_WEIGHTS = (1.3, 1.2, 1.2, 1.1, 0.6, 0.9, 0.8)

SAFETY_ACK_NOTE = "Safety plan reviewed; crisis line given. Client agreed to call before acting on urges."

RESILIENCE_KEY = "resilience"
RESILIENCE_NAME = "Brief Resilience Check"
RESILIENCE_ITEMS = (
    "I bounce back quickly after hard times",
    "I can get through a stressful day without falling apart",
    "When something goes wrong, I recover within a day or two",
    "I can handle setbacks without them taking over my week",
    "I believe I can cope with whatever comes next",
    "When things go badly, I can still find something to do that helps",
)
RESILIENCE_LABELS = ("Strongly disagree", "Disagree", "Neutral", "Agree", "Strongly agree")
RESILIENCE_BANDS = (("low", "Low", 6, 17), ("normal", "Normal", 18, 25), ("high", "High", 26, 30))
RESILIENCE_RELIABLE_CHANGE = 4

# Goal titles by focus, each with its domain.
GOALS = {
    "depression": (
        ("Get out of bed by 9 a.m. on weekdays", "daily_functioning"),
        ("Schedule two enjoyable activities each week", "coping"),
        ("Call a friend or family member twice a week", "relationships"),
        ("Return to part-time work", "daily_functioning"),
        ("Write a relapse prevention plan with early warning signs", "relapse_prevention"),
    ),
    "anxiety": (
        ("Use paced breathing when worry spirals", "coping"),
        ("Limit checking the news to twice a day", "symptoms"),
        ("Sleep seven hours on most nights", "symptoms"),
        ("Tell my partner when I am anxious instead of withdrawing", "relationships"),
    ),
    "panic": (
        ("Use a grounding skill when panic starts", "coping"),
        ("Drive to the grocery store alone", "daily_functioning"),
        ("Stop leaving the room when my heart races", "symptoms"),
    ),
    "social_anxiety": (
        ("Speak up once in every team meeting", "relationships"),
        ("Order my own food at a restaurant", "daily_functioning"),
        ("Join one social activity a week", "relationships"),
    ),
    "eating": (
        ("Eat with family three evenings a week", "relationships"),
        ("Follow the meal plan on five days a week", "symptoms"),
        ("Use a coping skill instead of skipping a meal", "coping"),
    ),
}
GOAL_NOTES = {
    -2: "Not started yet; barriers discussed.",
    -1: "Some attempts; still hard most days.",
    0: "On track this week.",
    1: "Did more than planned this week.",
    2: "Well beyond the target; consider a new goal.",
}
DROPPED_NOTE = "Put on hold: client and clinician agreed to focus on attendance first."

PRESCRIBERS = (
    "Dr. Aisha Rahman (psychiatry)",
    "Dr. Peter Lindgren (primary care)",
    "Dr. Carmen Ortiz, PMHNP",
)
# name, dose, doses per day
MEDICATIONS = {
    "depression": (("Sertraline", "50 mg", 1), ("Bupropion XL", "150 mg in the morning", 1)),
    "anxiety": (("Escitalopram", "10 mg", 1), ("Sertraline", "50 mg", 1)),
    "panic": (("Sertraline", "50 mg", 1),),
    "social_anxiety": (("Escitalopram", "10 mg", 1),),
    "eating": (("Fluoxetine", "20 mg", 1),),
}
ADOLESCENT_MEDICATIONS = (("Fluoxetine", "20 mg", 1), ("Sertraline", "25 mg", 1), ("Escitalopram", "5 mg", 1))
SLEEP_MEDICATION = ("Quetiapine", "25 mg at night", 1)
AS_NEEDED_MEDICATION = ("Hydroxyzine", "25 mg twice daily as needed", 2)
SIDE_EFFECTS = {
    "Sertraline": ("Nausea in the mornings during the first week", 3),
    "Escitalopram": ("Headaches and feeling on edge for the first days", 3),
    "Fluoxetine": ("Trouble falling asleep", 4),
    "Bupropion XL": ("Dry mouth", 2),
    "Quetiapine": ("Groggy until mid-morning", 5),
}
FILL_DAYS = 30

EXPOSURE_SITUATIONS = {
    "social_anxiety": "Speaking up in a team meeting",
    "panic": "Riding the bus at rush hour",
    "anxiety": "Speaking up in a team meeting",
}

# --- Weekly reviews and level-of-care decisions ------------------------------------------------------
# The demo's case manager has already worked part of the queue: two of last week's reviews decided
# as recommended; in the week before, one step-down candidate kept in IOP for a reason of the
# client's own and the urgent review answered. Last week's step-down candidates are left open.
CONTINUE_RATIONALE = (
    "Still building skills; attendance and scores are moving the right way. Review again next week."
)
OVERRIDE_RATIONALE = (
    "Meets the step-down criteria, but the client starts a new job next week and asked to stay."
)
OVERRIDE_REASON = "Client asked for two more weeks of IOP through the job change; relapse risk discussed."
STEP_DOWN_RATIONALE = (
    "Goals met and a weekly outpatient therapist is in place; steps down to standard outpatient."
)
STEP_DOWN_OVERRIDE_REASON = "Client's new work schedule ends daytime IOP; stable scores and a safety plan."
URGENT_RATIONALE = (
    "Safety plan reviewed with the client and the clinician; stays in IOP with a check-in call midweek."
)

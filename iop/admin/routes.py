"""The admin blueprint with every view registered: importing the view modules runs their decorators."""

from iop.admin import (  # noqa: F401
    bp,
    break_glass,
    cohorts,
    instruments,
    outbox,
    outcomes,
    programs,
    review_runs,
    staff,
    thresholds,
)

"""Programs' custom instruments: defining them, and resolving any instrument key of a program.

`instrument_for(program_id, key)` is how views, charts and jobs get the iop.clinical Instrument to
score or draw: the standard definition for phq9/gad7, the program's own otherwise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlalchemy import func, select

from iop.clinical.instruments import STANDARD_INSTRUMENTS, Instrument, custom_instrument
from iop.extensions import db
from iop.models import AssessmentResponse, Client, CustomInstrument, Program, User
from iop.services.audit import record_event


class InstrumentInUse(ValueError):
    """A change that would no longer fit responses already recorded; `field` names what was refused."""

    def __init__(self, field_name: str, message: str):
        super().__init__(message)
        self.field = field_name


@dataclass(frozen=True)
class InstrumentDefinition:
    """What an admin defines; `build()` checks it with iop.clinical (ValueError if invalid)."""

    key: str
    name: str
    items: list[str]
    scale_min: int
    scale_max: int
    option_labels: list[str] = field(default_factory=list)
    higher_is_better: bool = False
    reliable_change: int | None = None
    bands: list[tuple[str, str, int, int]] = field(default_factory=list)
    active: bool = True
    # Clients answer it by personal link every this many days; None = entered by staff only.
    cadence_days: int | None = None

    def build(self) -> Instrument:
        return custom_instrument(
            self.key,
            self.name,
            self.items,
            self.scale_min,
            self.scale_max,
            self.option_labels or None,
            self.higher_is_better,
            self.bands,
            reliable_change=self.reliable_change,
        )

    @classmethod
    def of(cls, row: CustomInstrument) -> InstrumentDefinition:
        """The definition stored in a row."""
        return cls(
            key=row.key,
            name=row.name,
            items=json.loads(row.items_json),
            scale_min=row.scale_min,
            scale_max=row.scale_max,
            option_labels=json.loads(row.option_labels_json),
            higher_is_better=row.higher_is_better,
            reliable_change=row.reliable_change,
            bands=[tuple(band) for band in json.loads(row.bands_json)],
            active=row.active,
            cadence_days=row.cadence_days,
        )


def build_instrument(row: CustomInstrument) -> Instrument:
    """The iop.clinical Instrument a stored custom instrument defines."""
    return InstrumentDefinition.of(row).build()


def instrument_for(program_id: int, key: str) -> Instrument:
    """The Instrument a program means by `key`: PHQ-9/GAD-7, else its custom one (inactive ones too,
    so old responses still score and chart). ValueError for a key the program does not define."""
    if key in STANDARD_INSTRUMENTS:
        return STANDARD_INSTRUMENTS[key]
    row = db.session.scalar(
        select(CustomInstrument).where(CustomInstrument.program_id == program_id, CustomInstrument.key == key)
    )
    if row is None:
        raise ValueError(f"unknown instrument {key!r}")
    return build_instrument(row)


def instruments_for_program(program_id: int) -> list[Instrument]:
    """PHQ-9, GAD-7, then the program's active custom instruments by name (one query)."""
    rows = db.session.scalars(
        select(CustomInstrument)
        .where(CustomInstrument.program_id == program_id, CustomInstrument.active.is_(True))
        .order_by(func.lower(CustomInstrument.name), CustomInstrument.id)
    )
    return [*STANDARD_INSTRUMENTS.values(), *(build_instrument(row) for row in rows)]


def scheduled_custom_instruments(program_ids) -> list[CustomInstrument]:
    """The programs' active custom instruments that clients answer on a cadence of their own."""
    return list(
        db.session.scalars(
            select(CustomInstrument)
            .where(
                CustomInstrument.program_id.in_(list(program_ids)),
                CustomInstrument.active.is_(True),
                CustomInstrument.cadence_days.is_not(None),
            )
            .order_by(func.lower(CustomInstrument.name), CustomInstrument.id)
        )
    )


def program_custom_instruments(program: Program) -> list[CustomInstrument]:
    """All of a program's custom instruments, active first, then by name."""
    return list(
        db.session.scalars(
            select(CustomInstrument)
            .where(CustomInstrument.program_id == program.id)
            .order_by(CustomInstrument.active.desc(), func.lower(CustomInstrument.name))
        )
    )


def response_counts(program: Program) -> dict[str, int]:
    """How many responses the program's clients have per instrument key."""
    return dict(
        db.session.execute(
            select(AssessmentResponse.instrument, func.count(AssessmentResponse.id))
            .join(Client, Client.id == AssessmentResponse.client_id)
            .where(Client.program_id == program.id)
            .group_by(AssessmentResponse.instrument)
        ).all()
    )


def key_taken(program_id: int, key: str, except_id: int | None = None) -> bool:
    """True when another custom instrument of the program uses this key."""
    query = select(CustomInstrument.id).where(
        CustomInstrument.program_id == program_id, CustomInstrument.key == key
    )
    if except_id is not None:
        query = query.where(CustomInstrument.id != except_id)
    return db.session.scalar(query.limit(1)) is not None


def _values(definition: InstrumentDefinition) -> dict:
    return {
        "key": definition.key,
        "name": definition.name,
        "items_json": json.dumps(definition.items),
        "option_labels_json": json.dumps(definition.option_labels),
        "bands_json": json.dumps([list(band) for band in definition.bands]),
        "scale_min": definition.scale_min,
        "scale_max": definition.scale_max,
        "higher_is_better": definition.higher_is_better,
        "reliable_change": definition.reliable_change,
        "active": definition.active,
        "cadence_days": definition.cadence_days,
    }


def create_custom_instrument(
    program: Program, definition: InstrumentDefinition, actor: User
) -> CustomInstrument:
    """Add a checked definition to the program."""
    definition.build()
    row = CustomInstrument(program_id=program.id, **_values(definition))
    db.session.add(row)
    db.session.flush()
    record_event(
        "instrument.create",
        "custom_instrument",
        row.id,
        actor_id=actor.id,
        details={"program_id": program.id, "key": row.key, "items": len(definition.items)},
    )
    return row


def update_custom_instrument(row: CustomInstrument, definition: InstrumentDefinition, actor: User) -> None:
    """Change a definition; once responses exist its key, items and scale stay as they were answered."""
    definition.build()
    before = InstrumentDefinition.of(row)
    recorded = response_counts(row.program).get(row.key, 0)
    if recorded:
        refusal = _refusal(before, definition, recorded)
        if refusal:
            raise refusal
    for name, value in _values(definition).items():
        setattr(row, name, value)
    changed = sorted(
        name for name in before.__dataclass_fields__ if getattr(before, name) != getattr(definition, name)
    )
    record_event(
        "instrument.update",
        "custom_instrument",
        row.id,
        actor_id=actor.id,
        details={"program_id": row.program_id, "key": row.key, "changed": changed},
    )


def _refusal(
    before: InstrumentDefinition, after: InstrumentDefinition, recorded: int
) -> InstrumentInUse | None:
    answered = (
        f"{recorded} response{'s' if recorded != 1 else ''} {'were' if recorded != 1 else 'was'} recorded"
    )
    if after.items != before.items:
        return InstrumentInUse(
            "items", f"The items cannot change: {answered} with them. Create a new instrument instead."
        )
    if (after.scale_min, after.scale_max) != (before.scale_min, before.scale_max):
        return InstrumentInUse(
            "scale_min", f"The answer scale cannot change: {answered} on it. Create a new instrument instead."
        )
    if after.key != before.key:
        return InstrumentInUse("key", f"The key cannot change: {answered} under it.")
    return None

"""Forms of the wearable import: the upload, and the preview's column mapping and choices."""

from flask_wtf import FlaskForm
from wtforms import FileField, RadioField, SelectField
from wtforms.fields.choices import SelectChoice

from iop.clinical.wearable_files import MAX_FILE_BYTES, Table
from iop.clinical.wearables import DATE_FORMATS, SOURCES, TARGET_LABELS, TARGETS
from iop.services.wearables import DUPLICATE_CHOICES, ImportChoices, Preview


class UploadForm(FlaskForm):
    export = FileField("Your CSV export", render_kw={"accept": ".csv,.txt,text/csv,text/plain"})

    def validate_export(self, field):
        if not getattr(field.data, "filename", None):
            field.errors.append("Choose the CSV file exported from your wearable or its app.")

    def upload(self) -> tuple[str, bytes]:
        """The file's name and its bytes, read up to one byte past the limit (so too large is seen)."""
        return self.export.data.filename, self.export.data.stream.read(MAX_FILE_BYTES + 1)


class PreviewForm(FlaskForm):
    """Which column is which (pre-filled from the header names), the date format, the device, and
    what to do with days already stored."""

    day = SelectField(TARGET_LABELS["day"])
    sleep_hours = SelectField(TARGET_LABELS["sleep_hours"])
    sleep_minutes = SelectField(TARGET_LABELS["sleep_minutes"] + ", changed to hours")
    resting_hr = SelectField(TARGET_LABELS["resting_hr"])
    hrv_ms = SelectField(TARGET_LABELS["hrv_ms"])
    steps = SelectField(TARGET_LABELS["steps"])
    date_format = SelectField(
        "How the dates are written", choices=[SelectChoice(key, label) for key, label in DATE_FORMATS.items()]
    )
    source = SelectField(
        "Where the file comes from", choices=[SelectChoice(key, label) for key, label in SOURCES.items()]
    )
    on_duplicate = RadioField(
        "Days you imported before",
        choices=[SelectChoice(key, label) for key, label in DUPLICATE_CHOICES.items()],
        default="keep",
    )

    def __init__(self, *args, table: Table, **kwargs):
        super().__init__(*args, **kwargs)
        columns = [SelectChoice("", "Not in this file")] + [
            SelectChoice(str(index), f"{name} (e.g. {table.sample(index)})" if table.sample(index) else name)
            for index, name in enumerate(table.header)
        ]
        for target in TARGETS:
            self[target].choices = columns

    @classmethod
    def for_preview(cls, found: Preview) -> "PreviewForm":
        choices = found.choices
        return cls(
            formdata=None,
            table=found.table,
            date_format=choices.date_format,
            source=choices.source,
            on_duplicate=choices.on_duplicate,
            **{target: "" if column is None else str(column) for target, column in choices.mapping.items()},
        )

    def mapping_fields(self):
        return [self[target] for target in TARGETS]

    def to_choices(self) -> ImportChoices:
        return ImportChoices(
            {target: int(self[target].data) if self[target].data else None for target in TARGETS},
            self.date_format.data,
            self.source.data,
            self.on_duplicate.data,
        )

    def show_problems(self, problems: dict[str, str]) -> None:
        for name, message in problems.items():
            self[name].errors = [*self[name].errors, message]

"""The case manager's weekly review queue, a review's evidence and page, and level-of-care decisions."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_login import current_user

from iop.clients.tabs import client_header, render_client_tab
from iop.extensions import db, htmx
from iop.htmx import changed, invalid, render_page
from iop.models import RECOMMENDATIONS, WeeklyReview
from iop.permissions import (
    care_team_required,
    case_manager_required,
    get_client_or_404,
    get_review_or_404,
    permitted_programs,
    staff_required,
)
from iop.reviews.forms import DecisionForm, blank_decision_form
from iop.services.alerts import open_alerts_for
from iop.services.audit import record_event, record_events
from iop.services.decisions import DecisionRefused, current_decision, decide_level_of_care
from iop.services.review_queue import (
    QueueFilters,
    client_reviews,
    decision_history,
    level_of_care_summary,
    review_queue,
)
from iop.services.review_runs import completed_week_starts, queue_week

bp = Blueprint("reviews", __name__, url_prefix="/reviews")
REVIEWS_UPDATED = "reviews-updated"


@bp.get("/")
@case_manager_required
def queue():
    """This week's reviews, most urgent first, with open safety alerts above them."""
    page = review_queue(permitted_programs(), _filters())
    client_ids = sorted({row.review.client_id for row in page.rows})
    if client_ids:
        record_events("review.list", "weekly_review", None, client_ids)
        db.session.commit()
    return render_page(
        "reviews/queue.html",
        ("queue",),
        page=page,
        alerts=open_alerts_for(current_user),
        RECOMMENDATIONS=RECOMMENDATIONS,
        in_process=not current_app.config.get("REDIS_URL"),
    )


@bp.post("/run")
@case_manager_required
def run_now():
    """Compute the last completed week's reviews of the user's programs now (or queue them with Redis)."""
    queued = sum(
        queue_week(program, completed_week_starts(program, 1)[0]) for program in permitted_programs()
    )
    db.session.commit()  # without Redis the reviews are computed as this commits
    message = (
        f"{queued} cohort reviews {'computed' if not current_app.config.get('REDIS_URL') else 'queued'}."
    )
    return changed(
        lambda: queue(), message=message, location=url_for("reviews.queue"), trigger=REVIEWS_UPDATED
    )


@bp.get("/<int:review_id>")
@care_team_required
def detail(review_id: int):
    """One review: its reasons line by line, the evidence, the decision or the form to make it."""
    review = get_review_or_404(review_id)
    _audit_view(review)
    show_form = current_user.has_role("case_manager", program=review.program_id) and review.status == "open"
    return _render_detail(review, _blank_form(review), show_form=show_form)


@bp.get("/<int:review_id>/evidence")
@care_team_required
def evidence(review_id: int):
    """A queue row's evidence and reasons, expanded in place."""
    review = get_review_or_404(review_id)
    _audit_view(review)
    return render_template("reviews/_evidence.html", review=review, revision=review.latest)


@bp.get("/<int:review_id>/decide")
@case_manager_required
def decide_form(review_id: int):
    """The decision form, opened in place in the queue (or as the review page)."""
    review = get_review_or_404(review_id)
    if htmx:
        return _render_form(review, _blank_form(review), amends=current_decision(review))
    return _render_detail(review, _blank_form(review), show_form=True)


@bp.post("/<int:review_id>/decide")
@case_manager_required
def decide(review_id: int):
    """Record the level-of-care decision (or amend the standing one)."""
    review = get_review_or_404(review_id)
    form = DecisionForm(prefix=_prefix(review))
    amends = current_decision(review) if request.form.get("amend") == "1" else None
    if form.validate():
        try:
            decision = decide_level_of_care(
                review, form.to_input(), current_user, today=review.program.today(), amends=amends
            )
        except DecisionRefused as refused:
            db.session.rollback()
            form.add_errors(refused.field_errors)
        else:
            db.session.commit()
            return changed(
                lambda: _render_form(review, None, amends=None),
                message=f"{decision.decision_label} recorded for {review.client.full_name}.",
                location=url_for("reviews.detail", review_id=review.id),
                trigger=REVIEWS_UPDATED,
            )
    if htmx:
        return invalid(lambda: _render_form(review, form, amends=amends))
    return invalid(lambda: _render_detail(review, form, show_form=True))


@bp.get("/clients/<int:client_id>")
@staff_required
def client_tab(client_id: int):
    """The client record's Reviews tab: every weekly review with its recommendation and decision."""
    client = get_client_or_404(client_id)
    return render_client_tab(client, "reviews", "reviews/client_tab.html", rows=client_reviews(client))


@bp.get("/clients/<int:client_id>/summary")
@care_team_required
def summary(client_id: int):
    """A printable level-of-care summary for payers' utilization review (one or two pages)."""
    client = get_client_or_404(client_id)
    record_event("client.view", "client", client.id, client.id, details={"what": "level_of_care_summary"})
    db.session.commit()
    return render_template(
        "reviews/summary.html",
        summary=level_of_care_summary(client),
        header=client_header(client),
        today=client.program.today(),
    )


def _filters() -> QueueFilters:
    args = request.args
    return QueueFilters(
        week=_week_arg(args.get("week")),
        program_id=args.get("program", type=int),
        cohort_id=args.get("cohort", type=int),
        recommendation=args.get("recommendation") or None,
        status=args.get("status") or None,
        page=max(1, args.get("page", 1, type=int)),
    )


def _week_arg(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        abort(400)


def _prefix(review: WeeklyReview) -> str:
    return f"r{review.id}"


def _blank_form(review: WeeklyReview) -> DecisionForm:
    return blank_decision_form(_prefix(review), review.program.today(), review.latest.recommendation)


def _audit_view(review: WeeklyReview) -> None:
    record_event("review.view", "weekly_review", review.id, review.client_id)
    db.session.commit()


def _render_detail(review: WeeklyReview, form: DecisionForm, *, show_form: bool):
    return render_page(
        "reviews/detail.html",
        (),
        show_form=show_form,
        review=review,
        revision=review.latest,
        history=decision_history(review),
        form=form,
    )


def _render_form(review: WeeklyReview, form: DecisionForm | None, *, amends):
    """The decision panel of one review: the form, or (after a decision) what was decided."""
    return render_template(
        "reviews/_decision.html",
        review=review,
        revision=review.latest,
        decision=current_decision(review),
        form=form,
        amends=amends,
    )

"""The goals tab: treatment goals rated over time on goal-attainment scaling."""

from flask import Blueprint, abort, url_for
from flask_login import current_user

from iop.clients.tabs import render_client_tab
from iop.extensions import db
from iop.goals.forms import GoalForm, GoalStateForm, RatingForm, signed
from iop.htmx import changed, invalid
from iop.models import GAS_LEVELS, GOAL_DOMAINS, GOAL_STATES, Client, Goal
from iop.permissions import care_team_required, get_client_or_404, get_goal_or_404, staff_required
from iop.services.goals import GoalRefused, add_goal, change_goal_state, client_goals, rate_goal

# A tab of the client record: its URLs sit under the client, named like the blueprint and its templates.
bp = Blueprint("goals", __name__, url_prefix="/clients/<int:client_id>/goals")
GOALS_UPDATED = "goals-updated"


def _rating_form(client: Client, goal: Goal, *, submitted: bool = False) -> RatingForm:
    """The goal's rating form: blank with today's date, or bound to the posted data."""
    today = client.program.today()
    if submitted:
        form = RatingForm(prefix=f"rate-{goal.id}", today=today)
    else:
        form = RatingForm(formdata=None, prefix=f"rate-{goal.id}", rated_on=today, today=today)
    form.goal_id = goal.id
    return form


def _render(client: Client, *, goal_form=None, rating_form=None, audit_view=True):
    goals = client_goals(client)
    rating_forms = {goal.id: _rating_form(client, goal) for goal in goals}
    if rating_form is not None:  # the refused rating keeps what was typed
        rating_forms[rating_form.goal_id] = rating_form
    return render_client_tab(
        client,
        "goals",
        "goals/index.html",
        audit_view=audit_view,
        goals=goals,
        goal_form=goal_form or GoalForm(formdata=None),
        rating_forms=rating_forms,
        GAS_LEVELS=GAS_LEVELS,
        GOAL_DOMAINS=GOAL_DOMAINS,
        GOAL_STATES=GOAL_STATES,
        signed=signed,
    )


def _tab_url(client: Client) -> str:
    return url_for("goals.index", client_id=client.id)


@bp.get("")
@staff_required
def index(client_id: int):
    """The client's goals with their latest and past ratings."""
    return _render(get_client_or_404(client_id))


@bp.post("")
@care_team_required
def create(client_id: int):
    """Add a treatment goal."""
    client = get_client_or_404(client_id)
    form = GoalForm()
    if form.validate():
        try:
            add_goal(client, form.title.data, form.domain.data, form.target_date.data, current_user)
        except GoalRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return changed(
                lambda: _render(client, audit_view=False),
                message="Goal added.",
                location=_tab_url(client),
                trigger=GOALS_UPDATED,
            )
    return invalid(lambda: _render(client, goal_form=form))


@bp.post("/<int:goal_id>/ratings")
@care_team_required
def rate(client_id: int, goal_id: int):
    """Rate a goal on goal-attainment scaling; the new rating supersedes the earlier ones."""
    client = get_client_or_404(client_id)
    goal = get_goal_or_404(client, goal_id)
    form = _rating_form(client, goal, submitted=True)
    if form.validate():
        try:
            rate_goal(goal, form.rated_on.data, form.level.data, form.note.data or "", current_user)
        except GoalRefused as refused:
            form.form_errors.append(str(refused))
        else:
            db.session.commit()
            return changed(
                lambda: _render(client, audit_view=False),
                message=f"Rated “{goal.title}”.",
                location=_tab_url(client),
                trigger=GOALS_UPDATED,
            )
    return invalid(lambda: _render(client, rating_form=form))


@bp.post("/<int:goal_id>/state")
@care_team_required
def change_state(client_id: int, goal_id: int):
    """Mark a goal achieved or dropped, or make it active again."""
    client = get_client_or_404(client_id)
    goal = get_goal_or_404(client, goal_id)
    form = GoalStateForm()
    if not form.validate():
        abort(422 if form.state.errors else 400)
    change_goal_state(goal, form.state.data, current_user)
    db.session.commit()
    return changed(
        lambda: _render(client, audit_view=False),
        message=f"“{goal.title}” is now {GOAL_STATES[goal.state].lower()}.",
        location=_tab_url(client),
        trigger=GOALS_UPDATED,
    )

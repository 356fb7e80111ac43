"""Admin views: staff of the programs the admin administers, and the roles they hold in each.

An admin changes roles only in the programs they administer; the account itself (name, sign-in,
password, sessions) reaches every program its owner works in, so only an admin of all of them changes it.
"""

from flask import render_template, url_for
from flask_login import current_user

from iop.admin import bp
from iop.admin.forms import StaffCreateForm, StaffEditForm, TemporaryPasswordForm
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.permissions import (
    admin_required,
    get_staff_member_or_404,
    may_manage_account,
    permitted_program_ids,
    permitted_programs,
    require_whole_account,
)
from iop.services.accounts import (
    AccountError,
    create_staff_user,
    end_other_sessions,
    reset_password,
    update_staff_user,
)
from iop.services.administration import staff_of_programs


@bp.get("/staff/")
@admin_required
def staff():
    """Staff of the admin's programs with their roles there, their programs and whether they may sign in."""
    program_ids = permitted_program_ids()
    members = staff_of_programs(program_ids)
    return render_template("admin/staff.html", members=members, my_program_ids=program_ids)


@bp.route("/staff/new", methods=["GET", "POST"])
@admin_required
def new_staff():
    """Create a staff account with its roles in the admin's programs and an initial password."""
    form = StaffCreateForm(program_choices=permitted_programs())
    render = lambda: render_template("admin/staff_form.html", form=form, member=None, whole_account=True)  # noqa: E731
    if form.validate_on_submit():
        try:
            member = create_staff_user(
                form.email.data,
                form.full_name.data,
                form.password.data,
                form.chosen_grants(),
                actor_id=current_user.id,
            )
        except AccountError as error:  # the email is taken
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            message = f"{member.full_name} can now sign in as {member.email}."
            return changed(render, message=message, location=url_for("admin.staff"))
    return invalid(render) if form.is_submitted() else render()


@bp.route("/staff/<int:user_id>/edit", methods=["GET", "POST"])
@admin_required
def edit_staff(user_id: int):
    """Change a staff member's roles in the admin's programs; with every program theirs, the account too."""
    member = get_staff_member_or_404(user_id)
    managed = permitted_programs()
    kept = _roles_outside(member, managed)
    whole_account = may_manage_account(member)
    form = _edit_form(member, managed, kept, whole_account)
    render = lambda: render_template(  # noqa: E731
        "admin/staff_form.html", form=form, member=member, whole_account=whole_account
    )
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    update_staff_user(
        member,
        full_name=form.full_name.data if whole_account else member.full_name,
        grants={**kept, **form.chosen_grants()},
        active=form.active.data if whole_account else member.active,
        actor_id=current_user.id,
    )
    db.session.commit()
    state = "was saved" if member.active else "is deactivated and signed out"
    return changed(render, message=f"{member.full_name} {state}.", location=url_for("admin.staff"))


def _roles_outside(member, managed) -> dict:
    """The member's roles in programs the admin does not administer: not on the form, they stay."""
    managed_ids = {program.id for program in managed}
    return {p: member.roles_in(p.id) for p in member.programs if p.id not in managed_ids}


def _edit_form(member, managed, kept: dict, whole_account: bool) -> StaffEditForm:
    """The member's roles in the admin's programs; name and active state only with the whole account."""
    form = StaffEditForm(
        **StaffEditForm.initial(member, {program.id for program in managed}),
        user=member,
        actor=current_user,
        program_choices=managed,
        other_program_count=len(kept),
    )
    if not whole_account:
        del form.full_name, form.active
    return form


@bp.route("/staff/<int:user_id>/password", methods=["GET", "POST"])
@admin_required
def reset_staff_password(user_id: int):
    """Set a temporary password: they are signed out and must choose their own at the next sign-in."""
    member = get_staff_member_or_404(user_id)
    require_whole_account(member)
    form = TemporaryPasswordForm(user=member)
    render = lambda: render_template("admin/staff_password.html", form=form, member=member)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    reset_password(member, form.password.data, actor_id=current_user.id)
    db.session.commit()
    return changed(
        render,
        message=f"{member.full_name} is signed out and will choose a new password at the next sign-in.",
        location=url_for("admin.staff"),
    )


@bp.post("/staff/<int:user_id>/end-sessions")
@admin_required
def end_staff_sessions(user_id: int):
    """Sign out every session of a staff member."""
    member = get_staff_member_or_404(user_id)
    require_whole_account(member)
    ended = end_other_sessions(member, keep=None, actor_id=current_user.id)
    db.session.commit()
    return changed(
        staff,
        message=f"{ended} session{'' if ended == 1 else 's'} of {member.full_name} signed out.",
        location=url_for("admin.edit_staff", user_id=member.id),
    )

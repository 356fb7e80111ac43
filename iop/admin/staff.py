"""Admin views: staff accounts of the admin's programs, their roles and programs."""

from flask import render_template, url_for
from flask_login import current_user

from iop.admin.forms import StaffCreateForm, StaffEditForm, TemporaryPasswordForm
from iop.extensions import db
from iop.htmx import changed, invalid
from iop.permissions import admin_required, get_staff_member_or_404
from iop.services.accounts import (
    AccountError,
    create_staff_user,
    end_other_sessions,
    reset_password,
    update_staff_user,
)
from iop.services.administration import staff_of_programs


@admin_required
def staff():
    """Staff of the admin's programs with their roles, programs and whether they may sign in."""
    members = staff_of_programs(current_user.program_ids)
    return render_template("admin/staff.html", members=members, my_program_ids=current_user.program_ids)


@admin_required
def new_staff():
    """Create a staff account with its roles, programs and an initial password."""
    form = StaffCreateForm(program_choices=current_user.programs)
    render = lambda: render_template("admin/staff_form.html", form=form, member=None)  # noqa: E731
    if form.validate_on_submit():
        try:
            member = create_staff_user(
                form.email.data,
                form.full_name.data,
                form.password.data,
                set(form.roles.data),
                form.chosen_programs,
                actor_id=current_user.id,
            )
        except AccountError as error:  # the email is taken
            form.email.errors.append(str(error))
        else:
            db.session.commit()
            message = f"{member.full_name} can now sign in as {member.email}."
            return changed(render, message=message, location=url_for("admin.staff"))
    return invalid(render) if form.is_submitted() else render()


@admin_required
def edit_staff(user_id: int):
    """Change a staff member's name, roles, programs or active state (deactivating signs them out)."""
    member = get_staff_member_or_404(user_id)
    # Programs the admin does not manage are not on the form and stay as they are.
    kept_programs = [program for program in member.programs if program.id not in current_user.program_ids]
    form = StaffEditForm(
        **StaffEditForm.initial(member, current_user.program_ids),
        user=member,
        actor=current_user,
        program_choices=current_user.programs,
        other_program_count=len(kept_programs),
    )
    render = lambda: render_template("admin/staff_form.html", form=form, member=member)  # noqa: E731
    if not form.validate_on_submit():
        return invalid(render) if form.is_submitted() else render()
    update_staff_user(
        member,
        full_name=form.full_name.data,
        roles=set(form.roles.data),
        programs=kept_programs + form.chosen_programs,
        active=form.active.data,
        actor_id=current_user.id,
    )
    db.session.commit()
    state = "was saved" if member.active else "is deactivated and signed out"
    return changed(render, message=f"{member.full_name} {state}.", location=url_for("admin.staff"))


@admin_required
def reset_staff_password(user_id: int):
    """Set a temporary password: they are signed out and must choose their own at the next sign-in."""
    member = get_staff_member_or_404(user_id)
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


@admin_required
def end_staff_sessions(user_id: int):
    """Sign out every session of a staff member."""
    member = get_staff_member_or_404(user_id)
    ended = end_other_sessions(member, keep=None, actor_id=current_user.id)
    db.session.commit()
    return changed(
        staff,
        message=f"{ended} session{'' if ended == 1 else 's'} of {member.full_name} signed out.",
        location=url_for("admin.edit_staff", user_id=member.id),
    )

"""iop.services.stacked: two unrelated, limited entity queries read in one statement."""

from sqlalchemy import select

from iop.models import Client, Program
from iop.services.stacked import stacked
from tests.factories import make_cohort, make_enrollment, make_program
from tests.web.test_query_counts import counting_statements


def test_each_side_comes_back_once_with_its_own_filter_and_limit(app):
    programs = [make_program(f"Stacked {number}") for number in range(3)]
    clients = [make_enrollment(make_cohort(programs[0])).client for _ in range(4)]
    with counting_statements() as statements:
        found_programs, found_clients = stacked(
            select(Program).where(Program.name.like("Stacked %")).order_by(Program.id).limit(2),
            select(Client).where(Client.id.in_([c.id for c in clients])),
        )
    assert len(statements) == 1
    assert sorted(p.id for p in found_programs) == [programs[0].id, programs[1].id]
    assert sorted(c.id for c in found_clients) == sorted(c.id for c in clients)


def test_an_empty_side_leaves_the_other_whole(app):
    program = make_program("Alone")
    found_programs, found_clients = stacked(
        select(Program).where(Program.id == program.id), select(Client).where(Client.id == -1)
    )
    assert [p.id for p in found_programs] == [program.id] and found_clients == []
    assert stacked(select(Program).where(Program.id == -1), select(Client).where(Client.id == -1)) == ([], [])

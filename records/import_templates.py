"""The import's templates: the sheet to fill in, as CSV or Excel, and every value its coded columns
accept (a second sheet of the Excel template; a file of its own beside the CSV one, whose rows
would otherwise be read as records)."""

import io

import openpyxl
from openpyxl.styles import Font

from .csv_safe import csv_cell, csv_writer
from .models import CpniCategory, Department, LegalMinimum, LabelVerification, Medium, RetentionSchedule, User
from .selectors import in_custody_role
from .sheets import COLUMNS, REQUIRED

EXAMPLE_ROW = (
    "Toll detail printouts 2025", "paper", "", "yes", "billing; destination", "billing", "emma", "HQ, cabinet B2",
    "ACCT-20931", "TOLL-BILLING", "2025-03-31", "", "visual", "emma", "2025-04-02", "Moved from the old archive",
)
ALLOWED_HEADER = ("column", "value", "meaning")


def allowed_values():
    """(column, value, meaning) for every value a coded column accepts, read from the database."""
    people = (User.objects.filter(is_active=True, department__isnull=False).filter(in_custody_role())
              .select_related("department").order_by("username"))
    custodians = [(person.username, f"{person}, {person.department}") for person in people]
    rows = [
        *[("medium", value, label) for value, label in Medium.choices],
        ("contains_cpni", "yes", "The record holds CPNI (the default when empty)."),
        ("contains_cpni", "no", "The record holds no CPNI."),
        *[("cpni_categories", value, f"{label} (several: separate them with ;)") for value, label in CpniCategory.choices],
        *[("department", department.code, department.name) for department in Department.objects.order_by("code")],
        *[("custodian", username, name) for username, name in custodians],
        *[("schedule", schedule.code, f"{schedule.title} ({schedule.period_display})")
          for schedule in RetentionSchedule.objects.filter(is_active=True).order_by("code")],
        *[("legal_minimums", minimum.code, f"{minimum.citation}: {minimum.title} (several: separate them with ;)")
          for minimum in LegalMinimum.objects.order_by("code")],
        ("label_verification", LabelVerification.VISUAL.value, f"{LabelVerification.VISUAL.label}; empty for a "
                                                               "record without CPNI"),
        *[("label_attested_by", username, name) for username, name in custodians],
        ("trigger_date", "YYYY-MM-DD", "e.g. 2025-03-31"),
        ("label_attested_on", "YYYY-MM-DD", "e.g. 2025-04-02"),
        *[(column, "(required)", "Every row needs a value here.") for column in REQUIRED],
    ]
    return rows


def template_csv():
    """The sheet to fill in: the header and one example row."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(COLUMNS)
    writer.writerow(EXAMPLE_ROW)
    return out.getvalue()


def allowed_values_csv():
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(ALLOWED_HEADER)
    writer.writerows(allowed_values())
    return out.getvalue()


def template_xlsx():
    """The Excel template: the sheet to fill in first (the only one the import reads), then the
    allowed values."""
    workbook = openpyxl.Workbook()
    records = workbook.active
    records.title = "Records"
    _write(records, COLUMNS, [EXAMPLE_ROW])
    _write(workbook.create_sheet("Allowed values"), ALLOWED_HEADER, allowed_values())
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _write(sheet, header, rows):
    sheet.append(list(header))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        sheet.append([csv_cell(value) for value in row])  # formula-safe, as in the CSV
    sheet.freeze_panes = "A2"

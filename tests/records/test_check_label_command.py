"""python manage.py check_label: a read-only CONFIDENTIAL check of files and folders."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from records import labels
from tests.documents import docx_bytes, image_only_pdf_bytes, pdf_bytes


def run(*paths):
    """Run the command; return (output lines, the CommandError or None)."""
    output = io.StringIO()
    try:
        call_command("check_label", *map(str, paths), stdout=output)
        error = None
    except CommandError as raised:
        error = raised
    return output.getvalue().splitlines(), error


def write(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def snapshot(folder):
    return {str(path): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_labelled_file_passes(tmp_path):
    report = write(tmp_path / "report.pdf", pdf_bytes(["CONFIDENTIAL"]))

    lines, error = run(report)

    assert error is None
    assert lines == [
        f"labelled      {report}  (The word CONFIDENTIAL appears on page 1.)",
        "1 file: 1 labelled, 0 not labelled, 0 cannot be read",
    ]


def test_any_file_not_labelled_fails_with_status_1(tmp_path):
    labelled = write(tmp_path / "a.pdf", pdf_bytes(["CONFIDENTIAL"]))
    unlabelled = write(tmp_path / "b.docx", docx_bytes(["Customer call records"]))
    scan = write(tmp_path / "c.pdf", image_only_pdf_bytes())

    lines, error = run(labelled, unlabelled, scan)

    assert error is not None and error.returncode == 1
    assert lines[0].startswith(f"labelled      {labelled}  (")
    assert lines[1] == f"NOT LABELLED  {unlabelled}  (No CONFIDENTIAL marking was found in the document's text.)"
    assert lines[2].startswith(f"CANNOT READ   {scan}  (The PDF has no text layer")
    assert lines[3] == "3 files: 1 labelled, 1 not labelled, 1 cannot be read"


def test_missing_path_cannot_be_read(tmp_path):
    missing = tmp_path / "nowhere.pdf"

    lines, error = run(missing)

    assert error.returncode == 1
    assert lines == [
        f"CANNOT READ   {missing}  (No such file or folder.)",
        "1 file: 0 labelled, 0 not labelled, 1 cannot be read",
    ]


def test_folder_is_checked_recursively_in_sorted_order(tmp_path):
    folder = tmp_path / "team"
    write(folder / "b.pdf", pdf_bytes(["CONFIDENTIAL"]))
    write(folder / "a.txt", b"CONFIDENTIAL\nCustomer list\n")
    write(folder / "sub" / "c.docx", docx_bytes(["Notes"], header="CONFIDENTIAL"))

    lines, error = run(folder)

    assert error is None
    assert [line.split("  (")[0] for line in lines[:3]] == [
        f"labelled      {folder / 'a.txt'}",
        f"labelled      {folder / 'b.pdf'}",
        f"labelled      {folder / 'sub' / 'c.docx'}",
    ]
    assert lines[3] == "3 files: 3 labelled, 0 not labelled, 0 cannot be read"


def test_empty_folder_cannot_be_read(tmp_path):
    lines, error = run(tmp_path)

    assert error.returncode == 1
    assert lines[0] == f"CANNOT READ   {tmp_path}  (The folder contains no files.)"


def test_file_over_the_size_limit_is_not_read(tmp_path, settings, monkeypatch):
    settings.LABEL_CHECK_MAX_BYTES = 2 * 2**20
    big = tmp_path / "big.txt"
    with big.open("wb") as file:
        file.truncate(2 * 2**20 + 1)  # sparse: nothing to read in practice

    def must_not_be_called(*args, **kwargs):
        raise AssertionError("an oversized file was checked")

    monkeypatch.setattr(labels, "check_document", must_not_be_called)

    lines, error = run(big)

    assert error.returncode == 1
    assert lines[0] == f"CANNOT READ   {big}  (The file is larger than the 2 MB limit.)"


def test_file_at_the_size_limit_is_checked(tmp_path, settings):
    settings.LABEL_CHECK_MAX_BYTES = 64
    exactly = write(tmp_path / "notes.txt", b"CONFIDENTIAL".ljust(64, b"."))

    lines, error = run(exactly)

    assert error is None
    assert lines[0].startswith("labelled      ")


def test_the_command_changes_nothing(tmp_path):
    write(tmp_path / "a.pdf", pdf_bytes(["Customer call records"]))
    write(tmp_path / "b.txt", b"notes")
    before = snapshot(tmp_path)

    run(tmp_path)

    assert snapshot(tmp_path) == before


def test_a_path_is_required():
    with pytest.raises(CommandError):
        call_command("check_label", stdout=io.StringIO())

"""Check files for the CONFIDENTIAL marking from the command line, e.g. a team's shared folder.

    python manage.py check_label FILE [FILE ...]

One line per file (folders are searched recursively, in sorted order), then a
summary. The exit status is 0 only when every file is labelled. Nothing is
written or recorded: this is a read-only check.
"""

import os
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from records import budgets, confined, labels

STATUS_TEXT = {
    labels.Outcome.LABELLED: "labelled",
    labels.Outcome.NOT_LABELLED: "NOT LABELLED",
    labels.Outcome.UNREADABLE: "CANNOT READ",
}


class Command(BaseCommand):
    help = (
        "Check files (or every file in a folder, recursively) for the CONFIDENTIAL marking. "
        "Exits with status 0 only when every file is labelled."
    )

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", metavar="FILE", help="a file or a folder to check")

    def handle(self, *args, paths, **options):
        counts = dict.fromkeys(labels.Outcome, 0)
        for path, outcome, reason in self._checks(paths):
            counts[outcome] += 1
            self.stdout.write(f"{STATUS_TEXT[outcome]:<12}  {_printable(path)}  ({reason})")
        total = sum(counts.values())
        self.stdout.write(
            f"{total} file{'' if total == 1 else 's'}: {counts[labels.Outcome.LABELLED]} labelled, "
            f"{counts[labels.Outcome.NOT_LABELLED]} not labelled, "
            f"{counts[labels.Outcome.UNREADABLE]} cannot be read"
        )
        if counts[labels.Outcome.LABELLED] != total:
            raise CommandError("Not every file carries the CONFIDENTIAL marking.", returncode=1)

    def _checks(self, arguments):
        """Yield (path, outcome, reason) for every file named or found in a named folder."""
        for argument in arguments:
            path = Path(argument)
            if path.is_dir():
                files = _files_in(path)
                if not files:
                    yield path, labels.Outcome.UNREADABLE, "The folder contains no files."
                for file in files:
                    yield (file, *_check_file(file))
            elif path.exists() or path.is_symlink():
                yield (path, *_check_file(path))
            else:
                yield path, labels.Outcome.UNREADABLE, "No such file or folder."


def _files_in(folder):
    """Every non-folder entry below ``folder``, sorted; symlinked folders are not followed."""
    found = []
    for root, _, file_names in os.walk(folder):
        found.extend(Path(root) / name for name in file_names)
    return sorted(found)


def _check_file(path):
    """(outcome, reason) for one file; never reads more than the size limit."""
    limit = settings.LABEL_CHECK_MAX_BYTES
    too_large = (labels.Outcome.UNREADABLE, f"The file is larger than the {limit / 2**20:g} MB limit.")
    if not path.is_file():
        return labels.Outcome.UNREADABLE, "Not a regular file."
    try:
        if path.stat().st_size > limit:
            return too_large
        with path.open("rb") as file:
            data = file.read(limit + 1)  # the file may have grown since stat()
    except OSError as error:
        return labels.Outcome.UNREADABLE, f"The file cannot be opened: {error.strerror or error}."
    if len(data) > limit:
        return too_large
    budget = budgets.document_budget()
    try:
        result = confined.run(labels.check_document, path.name, data, budget, budget=budget)
    except budgets.OverBudget as error:
        return labels.Outcome.UNREADABLE, str(error)
    return result.outcome, result.reason


def _printable(path):
    # File names that are not valid UTF-8 must not crash the report.
    return os.fsencode(path).decode("utf-8", errors="replace")

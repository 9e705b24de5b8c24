"""Build a year's CPNI certification package from the command line, as the web page does, and
optionally copy the ZIP somewhere (for an outside auditor, or to file it)."""

import shutil
import sys
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from tqdm import tqdm

from compliance import filing
from compliance.package import build_package, package_path
from compliance.models import CompanyProfile


class Command(BaseCommand):
    help = (
        "Build the annual 47 CFR 64.2009(e) CPNI certification package of a year (ZIP under VAR_DIR/packages) "
        "on behalf of a records manager or officer, and copy it to --output if given."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True, help="The calendar year certified, e.g. 2026.")
        parser.add_argument("--output", type=Path, help="Copy the ZIP to this file, or into this folder.")
        parser.add_argument(
            "--as", dest="username", required=True, metavar="USERNAME",
            help="The records manager or officer requesting the package (recorded as its requester).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar (for logs).")

    def handle(self, *args, year, output, username, no_progress, **options):
        user = self._requester(username)
        self._check_year(year)
        package = filing.new_package(actor=user, year=year)
        with tqdm(total=100, unit="%", disable=no_progress, file=sys.stderr) as bar:
            def progress(percent, step):
                bar.set_description(step)
                bar.update(max(0, int(percent) - bar.n))

            try:
                build_package(package, progress=progress)
            except Exception as error:
                raise CommandError(f"The {year} package #{package.pk} could not be built: {error}") from error
        path = package_path(package)
        if output is not None:
            target = output / path.name if output.is_dir() else output
            try:
                shutil.copyfile(path, target)
            except OSError as error:
                raise CommandError(f"The package was built at {path} but could not be copied: {error}") from error
            path = target
        draft = " DRAFT (the year has not ended: year-end figures are projections; it cannot be filed)" if package.draft else ""
        self.stdout.write(self.style.SUCCESS(
            f"CONFIDENTIAL: the {year} certification package #{package.pk}{draft} is at {path}\n"
            f"SHA-256 {package.sha256}, {package.size} bytes, {package.event_count} audit events of {year}."
        ))

    def _requester(self, username):
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(f"There is no user {username!r}.")
        if not user.is_active or not user.has_perm("compliance.add_certificationpackage"):
            raise CommandError(
                f"{username} may not prepare the certification: only active records managers and officers may."
            )
        return user

    def _check_year(self, year):
        refusal = filing.package_refusal(year)
        if refusal:
            raise CommandError(refusal)
        if not CompanyProfile.objects.exists():
            raise CommandError("Fill in the company profile (company, Form 499 Filer ID, signatory) first.")
        refusal = filing.statement_refusal(year)
        if refusal:
            raise CommandError(refusal)

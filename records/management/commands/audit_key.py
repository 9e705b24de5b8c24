"""The key that signs the audit chain: show its public half, or make a new one."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from records import signing


class Command(BaseCommand):
    help = (
        "Print the public key (PEM, on standard output) and fingerprint of the audit signing key, for the auditors "
        "to keep and for AUDIT_RETIRED_PUBLIC_KEY_FILES once the key is replaced; "
        "with --create FILE, write a new private key to FILE (owner-only) for AUDIT_SIGNING_KEY_FILE."
    )
    requires_system_checks = []  # --create must work before the key it makes is configured

    def add_arguments(self, parser):
        parser.add_argument("--create", metavar="FILE", help="Write a new Ed25519 private key to FILE (never overwrites).")

    def handle(self, *args, create, **options):
        if create:
            try:
                key = signing.key_file_create(Path(create))
            except FileExistsError:
                raise CommandError(f"{create} exists: it is not replaced.") from None
            except OSError as error:
                raise CommandError(f"{create} cannot be written: {error.strerror}.") from None
            self.stdout.write(f"Wrote a new audit signing key to {create}; fingerprint "
                              f"{signing.fingerprint(key.public_key())}.")
            return
        self.stdout.write(signing.public_key_pem(), ending="")
        self.stderr.write(f"Fingerprint: {signing.fingerprint()}")

"""Create the PostgreSQL database named by DATABASE_URL if it does not exist yet (SQLite needs
nothing). Used by `make prod-local` and the end-to-end tests on a fresh machine."""

import psycopg
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from psycopg import sql


class Command(BaseCommand):
    help = "Create the configured PostgreSQL database if it is missing."
    requires_system_checks = []

    def handle(self, *args, **options):
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            self.stdout.write("Not PostgreSQL: nothing to create.")
            return
        params = {"host": db["HOST"] or None, "port": db["PORT"] or None, "user": db["USER"] or None,
                  "password": db["PASSWORD"] or None, "dbname": "postgres"}
        try:
            with psycopg.connect(**{k: v for k, v in params.items() if v}, autocommit=True) as conn:
                exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]]).fetchone()
                if exists:
                    self.stdout.write(f"Database {db['NAME']} exists.")
                    return
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(db["NAME"])))
        except psycopg.Error as error:
            raise CommandError(f"Cannot create database {db['NAME']}: {error}") from error
        self.stdout.write(self.style.SUCCESS(f"Created database {db['NAME']}."))

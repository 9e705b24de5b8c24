from django.apps import AppConfig


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "CPNI records"

    def ready(self):
        from django.core import checks

        from . import signals  # noqa: F401
        # The modules whose @job_kind steps the worker runs (records.jobs), one line each, so that
        # a worker knows every kind whatever it imported first.
        from . import export_jobs  # noqa: F401
        from . import holds  # noqa: F401
        from . import legal_minimums  # noqa: F401
        from . import schedules  # noqa: F401
        from . import verification  # noqa: F401
        from .destruction import check_paper_methods_setting
        from .signing import check_signing_key

        check_paper_methods_setting()
        checks.register(check_signing_key)

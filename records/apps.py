from django.apps import AppConfig


class RecordsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "records"
    verbose_name = "CPNI records"

    def ready(self):
        from . import signals  # noqa: F401
        from .destruction import check_paper_methods_setting

        check_paper_methods_setting()

from django.apps import AppConfig


class ApiConfig(AppConfig):
    """An app of its own only for its templates and static files (the Swagger UI page without
    inline script or style); it has no models."""

    name = "records.api"
    label = "records_api"
    verbose_name = "CPNI Track API"

    def ready(self):
        from . import schema  # noqa: F401  (registers the OpenAPI extension of the session authentication)

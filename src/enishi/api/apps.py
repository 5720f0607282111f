from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enishi.api"
    label = "api"

    def ready(self):
        from . import signals  # noqa: F401

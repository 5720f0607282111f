from django.apps import AppConfig


class ActivitiesConfig(AppConfig):
    name = "enishi.activities"
    label = "activities"

    def ready(self):
        from . import signals  # noqa: F401

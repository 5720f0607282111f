from django.apps import AppConfig


class MatchingConfig(AppConfig):
    name = "enishi.matching"
    label = "matching"

    def ready(self):
        from . import signals  # noqa: F401

from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "enishi.communities"
    label = "communities"

    def ready(self):
        from . import signals  # noqa: F401

from django.apps import AppConfig


class MembersConfig(AppConfig):
    name = "enishi.members"
    label = "members"

    def ready(self):
        from . import signals  # noqa: F401

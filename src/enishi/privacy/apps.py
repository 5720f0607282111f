from django.apps import AppConfig


class PrivacyConfig(AppConfig):
    name = "enishi.privacy"
    label = "privacy"

    def ready(self):
        from . import signals  # noqa: F401

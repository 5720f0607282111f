from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "enishi.mailings"
    label = "mailings"

    def ready(self):
        from . import signals  # noqa: F401

from django.apps import AppConfig


class MailingsConfig(AppConfig):
    name = "enishi.mailings"
    label = "mailings"

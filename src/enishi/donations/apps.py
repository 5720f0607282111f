from django.apps import AppConfig


class DonationsConfig(AppConfig):
    name = "enishi.donations"
    label = "donations"

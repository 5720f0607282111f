from django.apps import AppConfig


class ResidencyConfig(AppConfig):
    name = "enishi.residency"
    label = "residency"

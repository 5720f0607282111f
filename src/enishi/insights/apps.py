from django.apps import AppConfig


class InsightsConfig(AppConfig):
    name = "enishi.insights"
    label = "insights"

from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "enishi.api"
    label = "api"

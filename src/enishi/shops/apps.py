from django.apps import AppConfig


class ShopsConfig(AppConfig):
    name = "enishi.shops"
    label = "shops"

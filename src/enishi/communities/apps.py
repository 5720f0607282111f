from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "enishi.communities"
    label = "communities"

from django.apps import AppConfig


class NewsConfig(AppConfig):
    name = "enishi.news"
    label = "news"

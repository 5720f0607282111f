from django.apps import AppConfig


class PromotionConfig(AppConfig):
    name = "enishi.promotion"
    label = "promotion"

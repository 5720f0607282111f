from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "enishi.ledger"
    label = "ledger"

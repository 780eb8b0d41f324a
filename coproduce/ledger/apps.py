from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "coproduce.ledger"
    label = "ledger"
    verbose_name = "Hours ledger"

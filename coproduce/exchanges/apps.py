from django.apps import AppConfig


class ExchangesConfig(AppConfig):
    name = "coproduce.exchanges"
    label = "exchanges"
    verbose_name = "Exchanges"

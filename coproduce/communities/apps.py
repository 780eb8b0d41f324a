from django.apps import AppConfig


class CommunitiesConfig(AppConfig):
    name = "coproduce.communities"
    label = "communities"
    verbose_name = "Communities and people"

from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "coproduce.ops"
    label = "ops"
    verbose_name = "Operations: commands, demo, seeding, timed jobs"

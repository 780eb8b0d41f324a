from django.apps import AppConfig


class CoproductionConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "coproduce.coproduction"
    verbose_name = "Co-production"

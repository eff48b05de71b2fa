from django.apps import AppConfig


class DovecoteConfig(AppConfig):
    name = "dovecote"
    verbose_name = "Dovecote"

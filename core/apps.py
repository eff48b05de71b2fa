from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom floor: helpers every app may import (cache, freshness, tables, permissions…); it imports no app."""

    name = "core"
    verbose_name = "Core"

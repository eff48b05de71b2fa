from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and inboxes"

    def ready(self) -> None:
        from monitoring import receivers  # noqa: F401  (connects the tweets signal)

from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Account safety"

    def ready(self) -> None:
        from core import banners, freshness
        from safety import banners as safety_banners
        from safety import receivers  # noqa: F401  (X's account activity: posts and profile changes)

        freshness.watch("incidents", "safety.Incident")
        banners.register(
            safety_banners.incident_banners,
            cache_keys=safety_banners.incident_banner_keys,
            topics=safety_banners.TOPICS,
        )

from django.apps import AppConfig


class TwitterApiConfig(AppConfig):
    name = "twitter_api"
    verbose_name = "X API"

    def ready(self) -> None:
        from core import banners
        from twitter_api import credits

        # Admins are told on every page while X refuses for money.
        banners.register(credits.credits_banners, cache_keys=credits.credits_banner_keys)

from django.apps import AppConfig


class TwitterApiConfig(AppConfig):
    name = "twitter_api"
    verbose_name = "X API"

    def ready(self) -> None:
        from core import banners, freshness
        from twitter_api import credits

        # Admins are told on every page while X refuses for money, from the moment a block opens or closes.
        freshness.watch("credits", "twitter_api.CreditsBlock")
        banners.register(credits.credits_banners, cache_keys=credits.credits_banner_keys, topics=credits.BANNER_TOPICS)

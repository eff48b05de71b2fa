from django.apps import AppConfig


class MonitoringConfig(AppConfig):
    name = "monitoring"
    verbose_name = "Monitoring and inboxes"

    def ready(self) -> None:
        from core import banners, freshness
        from monitoring import banners as monitoring_banners
        from monitoring import receivers  # noqa: F401  (connects the tweets signal)

        freshness.watch("monitors", "monitoring.Monitor", "monitoring.Watchlist")
        freshness.watch("inbox-tags", "monitoring.TeamTag")
        freshness.watch("spikes", "monitoring.SpikeAlert")
        freshness.watch("saved-searches", "monitoring.SavedSearch")  # the inbox keeps each person's in the cache
        banners.register(
            monitoring_banners.spike_banners,
            cache_keys=monitoring_banners.spike_banner_keys,
            topics=monitoring_banners.TOPICS,
        )
        banners.register(monitoring_banners.stream_banners, cache_keys=monitoring_banners.stream_banner_keys)

        from core import health
        from monitoring.push import health_state

        health.register("stream", health_state)

        from monitoring import replies as monitoring_replies
        from twitter_api import replies

        replies.register_lookup(monitoring_replies.stored_target)  # the posts a reply may answer

        from monitoring.budget import search_reads_by_team
        from tweets import spend

        spend.count_search_reads_with(search_reads_by_team)  # monitors' reads count towards their teams' spend

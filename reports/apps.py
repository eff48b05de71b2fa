from django.apps import AppConfig, apps
from django.db.models.signals import post_delete, post_save

# Models whose saves and deletes change what the dashboard's cached panels show (see core.freshness).
PANEL_SOURCES = {
    # A freeze changes what approving does ("Approve and publish now" or not), shown with the drafts.
    "drafts": ["tweets.Draft", "tweets.DraftRevision", "tweets.Approval", "tweets.PublishingFreeze"],
    "monitors": ["monitoring.Monitor", "monitoring.Watchlist"],
    "teams": ["accounts.Team", "accounts.Membership", "accounts.TwitterAccount"],
    "training": [
        "training.Course",
        "training.CourseRequirement",
        "training.TrainingSession",
        "training.Booking",
        "training.Certification",
        "training.Exemption",
    ],
}


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = "Reports"

    def ready(self) -> None:
        from core import freshness

        for topic, labels in PANEL_SOURCES.items():

            def receiver(sender, topic=topic, **kwargs) -> None:
                freshness.changed(topic)

            for label in labels:
                model = apps.get_model(label)
                uid = f"core.freshness.{topic}.{label}"
                post_save.connect(receiver, sender=model, dispatch_uid=uid + ".saved", weak=False)
                post_delete.connect(receiver, sender=model, dispatch_uid=uid + ".deleted", weak=False)

from django.apps import AppConfig


class TrainingConfig(AppConfig):
    name = "training"
    verbose_name = "Training and certification"

    def ready(self) -> None:
        from core import freshness

        freshness.watch(
            "training",
            "training.Course",
            "training.CourseRequirement",
            "training.TrainingSession",
            "training.Booking",
            "training.Certification",
            "training.Exemption",
        )

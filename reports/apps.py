from django.apps import AppConfig


class ReportsConfig(AppConfig):
    """The top floor: the home dashboard (assembled from the apps' own dashboard selectors), weekly reports and
    the records export. The apps register their own banners and freshness topics in their ready()."""

    name = "reports"
    verbose_name = "Reports"

from django.contrib import admin
from django.urls import include, path

import reports.views

admin.site.site_header = "Dovecote administration"
admin.site.site_title = "Dovecote admin"

urlpatterns = [
    path("", include("core.urls")),
    path("", reports.views.home, name="home"),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("django-rq/", include("django_rq.urls")),
    path("teams/", include("accounts.urls")),
    path("drafts/", include("tweets.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("training/", include("training.urls")),
    path("reports/", include("reports.urls")),
    path("notifications/", include("notifications.urls")),
    path("incidents/", include("safety.urls")),
]

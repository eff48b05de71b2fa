from django.contrib import admin
from django.urls import include, path

from dovecote import views

admin.site.site_header = "Dovecote administration"
admin.site.site_title = "Dovecote admin"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.site_icon, {"file": "images/favicon.ico"}),
    path("apple-touch-icon.png", views.site_icon, {"file": "images/apple-touch-icon.png"}),
    path("apple-touch-icon-precomposed.png", views.site_icon, {"file": "images/apple-touch-icon.png"}),
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("django-rq/", include("django_rq.urls")),
    path("teams/", include("accounts.urls")),
    path("drafts/", include("tweets.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("training/", include("training.urls")),
    path("reports/", include("dovecote.report_urls")),
]

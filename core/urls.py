from django.urls import path

from core import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("banners/dismiss/", views.banner_dismiss, name="banner_dismiss"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("favicon.ico", views.site_icon, {"file": "images/favicon.ico"}),
    path("apple-touch-icon.png", views.site_icon, {"file": "images/apple-touch-icon.png"}),
    path("apple-touch-icon-precomposed.png", views.site_icon, {"file": "images/apple-touch-icon.png"}),
]

from django.urls import path

from tweets import views

app_name = "tweets"

urlpatterns = [
    path("", views.draft_list, name="draft_list"),
]

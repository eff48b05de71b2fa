from django.urls import path

from monitoring import views

app_name = "monitoring"

urlpatterns = [
    path("", views.inbox, name="inbox"),
]
urlpatterns.append(path("monitors/", views.inbox, name="monitor_list"))

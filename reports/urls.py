from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.report_index, name="index"),
    path("department/", views.report_department, name="department"),
    path("department/csv/", views.report_department_csv, name="department_csv"),
    path("teams/<int:pk>/", views.report_team, name="team"),
    path("teams/<int:pk>/csv/", views.report_team_csv, name="team_csv"),
    path("export/", views.records_export, name="export"),
    path("analytics/", views.post_analytics, name="analytics"),
]

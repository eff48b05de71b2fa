from django.urls import path

from training import views

app_name = "training"

urlpatterns = [
    path("", views.my_training, name="my_training"),
    path("courses/", views.course_list, name="course_list"),
    path("courses/new/", views.course_form, name="course_create"),
    path("courses/<int:pk>/", views.course_detail, name="course_detail"),
    path("courses/<int:pk>/edit/", views.course_form, name="course_edit"),
    path("requirements/", views.requirement_matrix, name="requirements"),
    path("sessions/", views.session_list, name="session_list"),
    path("sessions/new/", views.session_create, name="session_create"),
    path("sessions/<int:pk>/", views.session_detail, name="session_detail"),
    path("sessions/<int:pk>/edit/", views.session_edit, name="session_edit"),
    path("sessions/<int:pk>/cancel/", views.session_cancel, name="session_cancel"),
    path("sessions/<int:pk>/book/", views.session_book, name="session_book"),
    path("sessions/<int:pk>/attendance/", views.session_attendance, name="session_attendance"),
    path("sessions/<int:pk>/certify/", views.session_certify, name="session_certify"),
    path("bookings/<int:pk>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/feedback/", views.feedback_create, name="feedback_create"),
    path("feedback/", views.feedback_summary, name="feedback_summary"),
    path("one-to-ones/", views.one_to_one_list, name="one_to_one_list"),
    path("one-to-ones/new/", views.one_to_one_create, name="one_to_one_create"),
    path("one-to-ones/<int:pk>/", views.one_to_one_detail, name="one_to_one_detail"),
    path("teams/", views.team_matrix_index, name="team_matrix_index"),
    path("teams/<int:pk>/", views.team_matrix_view, name="team_matrix"),
    path("exemptions/", views.exemption_list, name="exemptions"),
    path("exemptions/<int:pk>/revoke/", views.exemption_revoke, name="exemption_revoke"),
]

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("", views.team_list, name="team_list"),
    path("<int:pk>/", views.team_detail, name="team_detail"),
    path("<int:pk>/invite/", views.team_invite, name="team_invite"),
    path("accounts/<int:pk>/", views.account_detail, name="account_detail"),
    path("accounts/<int:pk>/credentials/", views.account_credentials, name="account_credentials"),
    path("accounts/<int:pk>/credentials/revoke/", views.account_revoke, name="account_revoke"),
    path("accounts/<int:pk>/events/authorise/", views.account_activity_authorise, name="activity_authorise"),
    path("accounts/<int:pk>/events/disconnect/", views.account_activity_disconnect, name="activity_disconnect"),
    path("accounts/events/callback/", views.account_activity_callback, name="activity_callback"),
    path("memberships/<int:pk>/", views.membership_detail, name="membership_detail"),
    path("memberships/<int:pk>/end/", views.membership_end, name="membership_end"),
    path("audit/", views.audit_log, name="audit"),
    path("x-credits/", views.x_credits, name="x_credits"),
    path("<int:pk>/audit/", views.team_audit_log, name="team_audit"),
]

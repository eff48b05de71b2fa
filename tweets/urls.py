from django.urls import path

from tweets import views
from tweets.views import media as media_views
from tweets.views import records as records_views

app_name = "tweets"

urlpatterns = [
    path("", views.draft_list, name="draft_list"),
    path("new/", views.draft_create, name="draft_create"),
    path("new/gate/", views.compose_gate, name="compose_gate"),
    path("approvals/", views.approval_queue, name="approval_queue"),
    path("scheduled/", views.scheduled, name="scheduled"),
    path("published/", views.published, name="published"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/day/", views.calendar_day, name="calendar_day"),
    path("calendar/<int:pk>/reschedule/", views.calendar_reschedule, name="calendar_reschedule"),
    path("coverage/", views.coverage_list, name="coverage_list"),
    path("coverage/new/", views.coverage_plan, name="coverage_plan"),
    path("coverage/<int:pk>/", views.coverage_detail, name="coverage_detail"),
    path("coverage/<int:pk>/approve/", views.coverage_approve_page, name="coverage_approve_page"),
    path("coverage/<int:pk>/approve/<int:draft_pk>/", views.coverage_approve, name="coverage_approve"),
    path("saved-replies/", views.saved_reply_list, name="saved_reply_list"),
    path("saved-replies/new/", views.saved_reply_create, name="saved_reply_create"),
    path("saved-replies/<int:pk>/", views.saved_reply_detail, name="saved_reply_detail"),
    path("saved-replies/<int:pk>/edit/", views.saved_reply_edit, name="saved_reply_edit"),
    path("saved-replies/<int:pk>/archive/", views.saved_reply_archive, name="saved_reply_archive"),
    path("saved-replies/versions/<int:pk>/approve/", views.saved_reply_approve, name="saved_reply_approve"),
    path("saved-replies/versions/<int:pk>/reject/", views.saved_reply_reject, name="saved_reply_reject"),
    path("freezes/", views.freeze_list, name="freeze_list"),
    path("freezes/new/", views.freeze_start, name="freeze_start"),
    path("freezes/<int:pk>/", views.freeze_detail, name="freeze_detail"),
    path("freezes/<int:pk>/lift/", views.freeze_lift, name="freeze_lift"),
    path("<int:pk>/", views.draft_detail, name="draft_detail"),
    path("<int:pk>/edit/", views.draft_edit, name="draft_edit"),
    path("<int:pk>/submit/", views.draft_submit, name="draft_submit"),
    path("<int:pk>/announcement/submit/", views.announcement_submit, name="announcement_submit"),
    path("<int:pk>/withdraw/", views.draft_withdraw, name="draft_withdraw"),
    path("<int:pk>/approve/", views.draft_approve, name="draft_approve"),
    path("<int:pk>/request-changes/", views.draft_request_changes, name="draft_request_changes"),
    path("<int:pk>/reject/", views.draft_reject, name="draft_reject"),
    path("<int:pk>/comment/", views.draft_comment, name="draft_comment"),
    path("<int:pk>/reschedule/", views.draft_reschedule, name="draft_reschedule"),
    path("<int:pk>/publish-now/", views.draft_publish_now, name="draft_publish_now"),
    path("<int:pk>/essential/", views.draft_essential, name="draft_essential"),
    path("<int:pk>/retry/", views.draft_retry, name="draft_retry"),
    path("<int:pk>/retract/", views.draft_retract, name="draft_retract"),
    path("media/<int:pk>/", media_views.media_file, name="media_file"),
    path("accounts/<int:pk>/records/", records_views.account_records, name="account_records"),
    path("accounts/<int:pk>/records/retention/", records_views.account_retention, name="account_retention"),
    path("accounts/<int:pk>/records/legal-hold/", records_views.account_legal_hold, name="account_legal_hold"),
]

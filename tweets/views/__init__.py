"""The tweets pages, by family: the lists, the calendar, composing, a draft's page and its actions, and freezes."""

from tweets.views._common import DRAFT_BUTTONS, draft_permissions, revision_diff
from tweets.views.calendar import calendar, calendar_day, calendar_reschedule
from tweets.views.compose import compose_gate, draft_create, draft_edit
from tweets.views.coverage import (
    coverage_approve,
    coverage_approve_page,
    coverage_detail,
    coverage_list,
    coverage_plan,
)
from tweets.views.drafts import (
    announcement_submit,
    draft_approve,
    draft_comment,
    draft_detail,
    draft_essential,
    draft_publish_now,
    draft_reject,
    draft_request_changes,
    draft_reschedule,
    draft_retract,
    draft_retry,
    draft_submit,
    draft_withdraw,
)
from tweets.views.freezes import freeze_detail, freeze_lift, freeze_list, freeze_start
from tweets.views.lists import APPROVAL_QUEUE_ROWS, approval_queue, draft_list, published, scheduled
from tweets.views.saved_replies import (
    saved_reply_approve,
    saved_reply_archive,
    saved_reply_create,
    saved_reply_detail,
    saved_reply_edit,
    saved_reply_list,
    saved_reply_reject,
)

__all__ = [
    "announcement_submit",
    "APPROVAL_QUEUE_ROWS",
    "DRAFT_BUTTONS",
    "approval_queue",
    "calendar",
    "calendar_day",
    "calendar_reschedule",
    "compose_gate",
    "coverage_approve",
    "coverage_approve_page",
    "coverage_detail",
    "coverage_list",
    "coverage_plan",
    "draft_approve",
    "draft_comment",
    "draft_create",
    "draft_detail",
    "draft_edit",
    "draft_essential",
    "draft_list",
    "draft_permissions",
    "draft_publish_now",
    "draft_reject",
    "draft_request_changes",
    "draft_reschedule",
    "draft_retract",
    "draft_retry",
    "draft_submit",
    "draft_withdraw",
    "freeze_detail",
    "freeze_lift",
    "freeze_list",
    "freeze_start",
    "published",
    "revision_diff",
    "saved_reply_approve",
    "saved_reply_archive",
    "saved_reply_create",
    "saved_reply_detail",
    "saved_reply_edit",
    "saved_reply_list",
    "saved_reply_reject",
    "scheduled",
]

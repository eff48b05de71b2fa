"""Training's pages, one module per family; the URLconf reaches every view through this package."""

from training.views.courses import (
    course_detail,
    course_form,
    course_list,
    requirement_matrix,
    team_matrix_index,
    team_matrix_view,
)
from training.views.people import (
    exemption_list,
    exemption_revoke,
    feedback_create,
    feedback_summary,
    my_training,
    one_to_one_create,
    one_to_one_detail,
    one_to_one_list,
)
from training.views.sessions import (
    booking_cancel,
    session_attendance,
    session_book,
    session_cancel,
    session_certify,
    session_create,
    session_detail,
    session_edit,
    session_list,
)

__all__ = [
    "booking_cancel",
    "course_detail",
    "course_form",
    "course_list",
    "exemption_list",
    "exemption_revoke",
    "feedback_create",
    "feedback_summary",
    "my_training",
    "one_to_one_create",
    "one_to_one_detail",
    "one_to_one_list",
    "requirement_matrix",
    "session_attendance",
    "session_book",
    "session_cancel",
    "session_certify",
    "session_create",
    "session_detail",
    "session_edit",
    "session_list",
    "team_matrix_index",
    "team_matrix_view",
]

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from notifications.selectors import unread_count


def unread_notices(request: HttpRequest) -> dict:
    """The header's count of unread notices: one cached read (notifications.selectors.unread_count), made only
    when a page shows it."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"notices_unread": SimpleLazyObject(lambda: unread_count(user))}

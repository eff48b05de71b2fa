"""The home page's panel of possible takeovers for leads and admins: the open incidents, from the banner's cache
entry (safety.banners), so it costs no query while the cache holds."""

from accounts.models import User
from safety.banners import open_incidents_for


def for_dashboard(user: User) -> list[dict]:
    return open_incidents_for(user)

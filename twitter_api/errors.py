"""What can go wrong when talking to X, as a few domain exceptions with plain-English messages.

Only twitter_api.client raises these; callers decide what to do (reschedule, reconcile, tell a person).
"""

from datetime import datetime

from django.conf import settings
from django.utils import timezone


class XApiError(Exception):
    """Any failure talking to X. `.message` says what happened and what to do next."""

    default_message = "X refused the request. Try again later; if it keeps happening, tell an administrator."

    def __init__(self, message: str | None = None, *, status_code: int | None = None):
        self.message = message or self.default_message
        self.status_code = status_code
        super().__init__(self.message)


class RateLimited(XApiError):
    """X's rate limit for this endpoint and token is used up until `.reset_at`."""

    def __init__(self, message: str | None = None, *, reset_at: datetime, status_code: int | None = 429):
        self.reset_at = reset_at
        if message is None:
            local = timezone.localtime(reset_at) if settings.configured else reset_at
            message = (
                f"X is limiting how often we can call it. It will accept requests again at {local:%H:%M:%S}; "
                "the work will be retried then."
            )
        super().__init__(message, status_code=status_code)


class CredentialsRejected(XApiError):
    default_message = (
        "X rejected this account's credentials. Ask the account's responsible person to reconnect it "
        "with a fresh access token."
    )


class Forbidden(XApiError):
    """X understood the request and refused it; `.reason` is X's own explanation."""

    def __init__(
        self, message: str | None = None, *, reason: str = "", is_duplicate: bool = False, status_code: int | None = 403
    ):
        self.reason = reason
        self.is_duplicate = is_duplicate
        if message is None:
            if is_duplicate:
                message = "X refused the post because the account has already posted exactly the same text."
            else:
                message = f"X refused the request: {reason or 'no reason given'}"
        super().__init__(message, status_code=status_code)


class NotFound(XApiError):
    default_message = "X could not find that post or user. It may have been deleted."


class InvalidRequest(XApiError):
    """X said the request itself was malformed (HTTP 400), e.g. a search query it cannot parse."""

    default_message = "X said the request was not valid. Check the search query or post and try again."


class Transient(XApiError):
    """A 5xx, a timeout or a dropped connection; worth retrying.

    `.uncertain` is True when the request may have reached X (a read timeout or a connection dropped
    after sending), so a post may have been created: reconcile before retrying.
    """

    def __init__(self, message: str | None = None, *, uncertain: bool = False, status_code: int | None = None):
        self.uncertain = uncertain
        if message is None:
            message = (
                "X did not answer in time, so we do not know whether it acted on the request; it will be "
                "checked before any retry."
                if uncertain
                else "X is having problems right now. The request will be retried shortly."
            )
        super().__init__(message, status_code=status_code)


class CreditsExhausted(XApiError):
    """X refused for money: the credits of the X developer account are used up (HTTP 402, or 429 with the
    `usage-capped` problem, whichever X sends), or the month's cap on post reads is reached. Nothing will succeed
    until credits are added in X's developer console: never retry on a timer (an admin says when they are back,
    twitter_api.credits). `.usage_cap` is True for the 429 form; `.detail` is X's own words."""

    default_message = (
        "X refused the request because the X developer account's credits are used up. An admin must add credits "
        "in X's developer console, then say so in Dovecote."
    )

    def __init__(
        self, message: str | None = None, *, usage_cap: bool = False, detail: str = "", status_code: int | None = 402
    ):
        self.usage_cap = usage_cap
        self.detail = detail
        super().__init__(message, status_code=status_code)

"""What X in 2026 refuses an app, as the sandbox enforces it (../shared/reference/x-platform-2026.md, sections 1-2):

- Summoned replies (since 2026-02-23, self-serve apps only): a reply is accepted only when the original post's
  author mentioned the replying account in it, or quoted one of its posts. Replies to the account's own posts
  (a thread) are accepted: X does not say, and a thread is the account talking to itself.
- Quote posts (removed from self-serve on 2026-04-20): refused; X's own error is not known, so the sandbox
  answers as it does for the summoned rule (403, X's generic problem).
- Credits: when they run out, every request is refused (HTTP 402 `credits`, or 429 `usage-capped`, whichever
  the sandbox is told X sends); at the monthly read cap, reads of posts are refused (429 `usage-capped`).

Enterprise and Public Utility apps are not limited: `AppAccess.self_serve = False` (POST /_sandbox/app).
"""

from dataclasses import dataclass

PROBLEMS = "https://api.x.com/2/problems/"

NOT_SUMMONED = (
    "Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the "
    "author of the post you are replying to."
)
NO_QUOTES = "Quote posts via the API are not available to self-serve apps."

# The endpoints (server._ROUTES names) that read posts: refused at the monthly read cap.
POST_READS = frozenset(
    {
        "GET /2/tweets",
        "GET /2/tweets/:id",
        "GET /2/users/:id/mentions",
        "GET /2/users/:id/tweets",
        "GET /2/tweets/search/recent",
        "GET /2/activity/stream",
        "GET /2/tweets/search/stream",
    }
)


@dataclass
class AppAccess:
    """What X allows the sandbox's app now. Changed with POST /_sandbox/app and /_sandbox/credits."""

    self_serve: bool = True
    credits_exhausted: bool = False
    credits_answer: int = 402  # or 429: X has been seen to send either when an account's credits run out
    read_cap_reached: bool = False


def forbidden(detail: str) -> dict:
    """X's generic 403 problem, the shape it sends for the summoned-reply rule."""
    return {"detail": detail, "type": "about:blank", "title": "Forbidden", "status": 403}


def credits_problem(status: int, account_id: str) -> dict:
    if status == 429:
        return usage_capped(account_id, detail="Usage cap exceeded: Your credits are exhausted", period="Monthly")
    return {
        "account_id": account_id,
        "title": "CreditsDepleted",
        "detail": f"Your enrolled account [{account_id}] does not have any credits to fulfill this request.",
        "type": PROBLEMS + "credits",
        "status": 402,
    }


def usage_capped(account_id: str, *, detail: str = "Usage cap exceeded: Monthly product cap", period="Monthly"):
    return {
        "account_id": account_id,
        "product_name": "pay-per-use",
        "title": "UsageCapExceeded",
        "period": period,
        "scope": "Product",
        "detail": detail,
        "type": PROBLEMS + "usage-capped",
        "status": 429,
    }


def refusal_for_money(access: AppAccess, endpoint: str, account_id: str) -> tuple[int, dict] | None:
    """(status, body) when X would refuse this request for money, else None."""
    if access.credits_exhausted:
        status = 429 if access.credits_answer == 429 else 402
        return status, credits_problem(status, account_id)
    if access.read_cap_reached and endpoint in POST_READS:
        return 429, usage_capped(account_id)
    return None


def summoned(*, replier_id: str, replier_username: str, parent, quoted_author_ids: set[str]) -> bool:
    """May `replier` reply to `parent` (an XPost) under the self-serve rule: its own post, a post that mentions
    it (by X's entities: the username, case-insensitively, or its id), or one quoting one of its posts."""
    if parent.author_id == replier_id:
        return True
    for mention in (parent.entities or {}).get("mentions", ()):
        if mention.get("id") == replier_id or str(mention.get("username", "")).lower() == replier_username.lower():
            return True
    return replier_id in quoted_author_ids

"""Access helpers: what a person may load, the only way views load drafts and freezes (the queries of which
drafts a person sees are in tweets.selectors).

A user sees the drafts of accounts their teams own and the drafts their teams approve; admins see everything;
anything else is a 404, so outsiders cannot learn a draft exists. Writing a draft gives no access of its own: a
leaver loses the team's drafts, theirs too.

What a person may do with what they see (edit, approve, release, freeze…) is decided in tweets.rules, which
services enforce and pages ask (a 403 with the reason).
"""

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from tweets.models import Draft, PublishingFreeze, SavedReply, SavedReplyVersion
from tweets.selectors import drafts_for_user, seen_accounts_q


def draft_for_user(user: User, pk: int) -> Draft:
    return get_object_or_404(drafts_for_user(user), pk=pk)


def freezes_for_user(user: User) -> QuerySet[PublishingFreeze]:
    """Every signed-in person may see freezes: the banner announces them on every page."""
    return PublishingFreeze.objects.select_related("team", "account", "started_by", "lifted_by")


def freeze_for_user(user: User, pk: int) -> PublishingFreeze:
    return get_object_or_404(freezes_for_user(user), pk=pk)


def saved_replies_for_user(user: User) -> QuerySet[SavedReply]:
    """Saved replies are seen as their account's drafts are: by its own team and its approving team (admins: all)."""
    return SavedReply.objects.select_related("account", "account__team", "created_by").filter(
        seen_accounts_q(user, through="account__")
    )


def saved_reply_for_user(user: User, pk: int) -> SavedReply:
    return get_object_or_404(saved_replies_for_user(user), pk=pk)


def saved_reply_version_for_user(user: User, pk: int) -> SavedReplyVersion:
    qs = SavedReplyVersion.objects.select_related("saved_reply", "saved_reply__account", "saved_reply__account__team")
    return get_object_or_404(qs.filter(saved_reply__in=saved_replies_for_user(user)), pk=pk)

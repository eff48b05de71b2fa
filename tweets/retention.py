"""Retention and legal hold of an account's records: the sweep that deletes what its retention period has passed,
and the guard that stops every deletion while the account is on legal hold.

What the sweep deletes, for each account not on legal hold, once the draft's last activity (its `updated_at`, moved
by every change of state, and its latest record of a change on X) is older than the account's retention period
(`TwitterAccount.retention_years`):
- drafts never published that went nowhere: still a draft, changes requested, withdrawn, rejected or failed;
- published and retracted posts: the draft with everything kept with it, i.e. its revisions, approvals, comments,
  history (DraftTransition), publish attempts, media (the rows and the stored files) and records of changes on X.
Never deleted: drafts on their way (submitted, approved, scheduled, held, publishing); the audit trail (AuditEvent,
which also says what the sweep deleted); X's metering (ApiCall); anything of an account on legal hold. A draft whose
media another draft still shows is kept (counted as "kept, media in use") until that draft goes too.

The sweep is safe to run twice (the second run finds nothing due and writes nothing) and works on SQLite. The
archive should have the records export before the period ends: the sweep destroys, the export transfers.

The legal hold guard (`refuse_while_held`, connected to pre_delete) refuses the deletion of a draft, revision,
comment, media file or record of a change on X of an account on legal hold, whoever asks: a person in the admin, a
shell, the sweep (which also skips held accounts and locks the account row against a hold placed meanwhile).
"""

import logging
from collections import Counter
from datetime import timedelta

from django.db import transaction
from django.db.models import Max, Q
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from accounts.models import OnLegalHold, TwitterAccount
from accounts.services import audit_record
from tweets.models import Comment, Draft, DraftRevision, MediaFile, PostOnX, PublishAttempt, RevisionMedia

logger = logging.getLogger(__name__)

S = Draft.State
NEVER_PUBLISHED = (S.DRAFT, S.CHANGES_REQUESTED, S.WITHDRAWN, S.REJECTED, S.FAILED)
PUBLISHED = (S.PUBLISHED, S.RETRACTED)
DAYS_PER_YEAR = 365.25
BATCH = 200

# What the audit event names each deleted model (Collector's labels).
COUNTED = {
    "tweets.Draft": "drafts",
    "tweets.DraftRevision": "revisions",
    "tweets.Approval": "approvals",
    "tweets.Comment": "comments",
    "tweets.DraftTransition": "history_rows",
    "tweets.PublishAttempt": "publish_attempts",
    "tweets.MediaFile": "media_files",
    "tweets.RevisionMedia": "media_uses",
    "tweets.PostOnX": "records_of_changes_on_x",
}


def cutoff_for(account: TwitterAccount, now=None) -> timezone.datetime:
    return (now or timezone.now()) - timedelta(days=account.retention_years * DAYS_PER_YEAR)


def account_held(account_id: int | None, *, lock: bool = False) -> bool:
    """Whether the account is on legal hold now (read from the database, not from a row loaded earlier)."""
    if account_id is None:
        return False
    accounts = TwitterAccount.objects.filter(pk=account_id)
    if lock:
        accounts = accounts.select_for_update()
    return accounts.filter(legal_hold_since__isnull=False).exists()


def due_drafts(account: TwitterAccount, now=None):
    """The account's drafts past its retention period (see the module's docstring)."""
    cutoff = cutoff_for(account, now)
    return (
        Draft.objects.filter(account=account, updated_at__lt=cutoff)
        .filter(Q(state__in=NEVER_PUBLISHED) | Q(state__in=PUBLISHED))
        .annotate(last_change_on_x=Max("x_changes__recorded_at"))
        .filter(Q(last_change_on_x__isnull=True) | Q(last_change_on_x__lt=cutoff))
    )


def draft_destroy(draft_id: int) -> Counter | None:
    """Delete one draft and everything kept with it (its stored media files once committed); what was deleted, or
    None when it was not (on legal hold, gone already, media in use)."""
    with transaction.atomic():
        draft = Draft.objects.filter(pk=draft_id).first()
        if draft is None or account_held(draft.account_id, lock=True):
            return None
        stored = [name for name in MediaFile.objects.filter(draft=draft).values_list("file", flat=True) if name]
        try:
            deleted = delete_with_everything(draft)
        except ProtectedError as exc:
            logger.warning("Retention: draft %s kept: %s", draft_id, exc)
            return Counter(kept_media_in_use=1)
        transaction.on_commit(lambda: _forget_files(stored))
    return Counter({COUNTED.get(label, label): count for label, count in deleted.items() if count})


def delete_with_everything(draft: Draft) -> Counter:
    """Delete the draft and all kept with it (the legal hold guard still refuses, raising OnLegalHold); counted by
    Collector label. The draft points at its current revision, and its attempts and media uses at revisions and
    files, through protected keys that Django's cascade does not untangle: undone first, within the deletion."""
    deleted: Counter = Counter()
    with transaction.atomic():  # all or nothing: a refusal leaves the draft as it was
        Draft.objects.filter(pk=draft.pk).update(current_revision=None)
        for part in (
            PublishAttempt.objects.filter(draft=draft),
            RevisionMedia.objects.filter(revision__draft=draft),
            draft,
        ):
            deleted.update(part.delete()[1])
    return deleted


def _forget_files(names: list[str]) -> None:
    storage = MediaFile._meta.get_field("file").storage
    for name in names:
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Retention: the stored file %s could not be deleted", name, exc_info=True)


def account_sweep(account: TwitterAccount, now=None) -> Counter:
    """Delete what the account's retention period has passed; audited once with what went, if anything went."""
    totals: Counter = Counter()
    if account_held(account.pk):
        return totals
    never = published = 0
    last_id = 0
    while True:
        batch = list(due_drafts(account, now).filter(pk__gt=last_id).order_by("pk").values_list("pk", "state")[:BATCH])
        if not batch:
            break
        last_id = batch[-1][0]
        for draft_id, state in batch:
            deleted = draft_destroy(draft_id)
            if deleted is None:
                continue
            totals.update(deleted)
            if deleted.get("drafts"):
                never += state in NEVER_PUBLISHED
                published += state in PUBLISHED
    if totals.get("drafts"):
        audit_record(
            action="records.retention_swept",
            obj=account,
            team=account.team,
            actor_label="retention sweep",
            details={
                "account": account.handle,
                "retention_years": account.retention_years,
                "deleted_before": cutoff_for(account, now).isoformat(),
                "drafts_never_published": never,
                "published_posts": published,
                **dict(sorted(totals.items())),
            },
        )
    return totals


def retention_sweep(now=None) -> dict[str, dict]:
    """Every account's sweep; accounts on legal hold are listed as held and left whole."""
    summary: dict[str, dict] = {}
    for account in TwitterAccount.objects.select_related("team").order_by("pk"):
        if account.on_legal_hold:
            summary[account.handle] = {"held": True}
            continue
        try:
            summary[account.handle] = dict(account_sweep(account, now))
        except Exception:  # one account's failure never stops the others'
            logger.exception("Retention sweep failed for %s", account)
            summary[account.handle] = {"failed": True}
    return summary


# --- The legal hold guard ----------------------------------------------------------------------------------------


def _account_id_of(instance) -> int | None:
    if isinstance(instance, Draft):
        return instance.account_id
    draft_id = getattr(instance, "draft_id", None)
    if draft_id is None:
        return None  # a media file attached to no draft yet: nobody's record
    return Draft.objects.filter(pk=draft_id).values_list("account_id", flat=True).first()


def refuse_while_held(sender, instance, **kwargs) -> None:
    """pre_delete: nothing of an account on legal hold is deleted (the whole deletion is refused)."""
    account_id = _account_id_of(instance)
    if account_held(account_id):
        raise OnLegalHold(
            f"{instance._meta.verbose_name.capitalize()} {instance.pk} belongs to an account on legal hold."
        )


GUARDED = (Draft, DraftRevision, Comment, MediaFile, PostOnX)

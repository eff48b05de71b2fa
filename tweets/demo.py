"""Demo drafts in several states, made through the services (no X calls: nothing is due at seed time)."""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.demo import DEMO_ACCOUNTS
from accounts.models import TwitterAccount, User
from tweets import records, services
from tweets.models import Draft, DraftRevision, DraftTransition, PostOnX
from twitter_api.sandbox.demo import DEMO_PUBLISHED, demo_published_at, demo_published_id

CORPORATE = next(a[0] for a in DEMO_ACCOUNTS if a[2] == "corporate")
PRESS_OFFICE = next(a[0] for a in DEMO_ACCOUNTS if a[2] == "press_office")
DEMO_HANDLES = [CORPORATE, PRESS_OFFICE]


def _tomorrow_at(hour: int, minute: int = 0) -> dt.datetime:
    local = timezone.localtime() + dt.timedelta(days=1)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0)


@transaction.atomic
def seed() -> None:
    if Draft.objects.filter(account__handle__in=DEMO_HANDLES).exists():
        return
    users = {u.email: u for u in User.objects.filter(email__endswith="@dovecote.example")}
    accounts = {a.handle: a for a in TwitterAccount.objects.filter(handle__in=DEMO_HANDLES)}
    if len(accounts) < 2 or "comms.officer@dovecote.example" not in users:
        return
    colin = users["comms.officer@dovecote.example"]
    cara = users["comms.approver@dovecote.example"]
    lena = users["lead@dovecote.example"]
    priya = users["press.officer@dovecote.example"]
    corporate, press = accounts[CORPORATE], accounts[PRESS_OFFICE]

    services.draft_create(
        author=colin,
        account=corporate,
        text="Our helpline opening hours change on 1 December. Find the new times at https://www.gov.uk/example",
    )

    waiting = services.draft_create(
        author=colin,
        account=corporate,
        text="We're recruiting apprentices in Leeds, Cardiff and Glasgow. Applications close Friday. #Apprenticeships",
        scheduled_at=_tomorrow_at(12),
    )
    services.draft_submit(draft=waiting, by=colin)
    services.draft_approve(draft=waiting, by=cara, note="Good to go from me.")

    scheduled = services.draft_create(
        author=colin,
        account=corporate,
        text="Today we publish our annual report. Read the summary: https://www.gov.uk/example/annual-report",
        scheduled_at=_tomorrow_at(9, 30),
    )
    services.draft_submit(draft=scheduled, by=colin)
    services.draft_approve(draft=scheduled, by=cara)
    services.draft_approve(draft=scheduled, by=lena)

    # Goes out a few minutes after the demo starts (the due-post sweep publishes it through the sandbox), so the
    # analytics page shows its figures an hour later, and again after a day and a week.
    soon = services.draft_create(
        author=colin,
        account=corporate,
        text="Our new online service for renewing a licence is live. It takes about 10 minutes. #DigitalByDefault",
        scheduled_at=timezone.now() + dt.timedelta(minutes=3),
    )
    services.draft_submit(draft=soon, by=colin)
    services.draft_approve(draft=soon, by=cara)
    services.draft_approve(draft=soon, by=lena)

    thread = services.draft_create(
        author=colin,
        account=corporate,
        posts=[
            "A thread on what the new rules mean for you (1/3)",
            "From April, you can apply online in 10 minutes (2/3)",
            "If you need help, call our helpline. It's free (3/3)",
        ],
    )
    services.draft_submit(draft=thread, by=colin)

    changes = services.draft_create(
        author=colin,
        account=press,
        text="Statement on today's report: we welcome the findings and will respond in full #mentalhealthawareness",
    )
    services.draft_submit(draft=changes, by=colin)
    services.draft_request_changes(
        draft=changes, by=priya, reason="Please use CamelCase for the hashtag and name the report."
    )
    _seed_saved_replies(corporate, writer=colin, approvers=[cara, lena])
    _seed_calendar(corporate, press, writer=colin, approvers=[cara, lena], press_officer=priya)
    _seed_records(press, writer=priya)


# (days from today, hour, minute, text) for the calendar: approved and scheduled through the services.
DEMO_SCHEDULED = [
    (2, 8, 0, "Roadworks on the A64 start on Monday. Plan your journey: https://www.gov.uk/example/roadworks"),
    (3, 13, 0, "Our consultation on bus services closes in two weeks. Have your say: https://www.gov.uk/example"),
    (5, 10, 30, "Meet the apprentices who built our new digital service. #Apprenticeships"),
    (9, 17, 0, "The helpline is closed on the bank holiday. Find answers online: https://www.gov.uk/example/help"),
]


def _seed_calendar(corporate, press, *, writer, approvers, press_officer) -> None:
    """Posts spread over the weeks around today, so the calendar (tweets/views/calendar.py) shows a picture."""
    today = timezone.localtime()
    for days, hour, minute, text in DEMO_SCHEDULED:
        at = (today + dt.timedelta(days=days)).replace(hour=hour, minute=minute, second=0, microsecond=0)
        draft = services.draft_create(author=writer, account=corporate, text=text, scheduled_at=at)
        services.draft_submit(draft=draft, by=writer)
        for approver in approvers:
            services.draft_approve(draft=draft, by=approver)
    statement = services.draft_create(
        author=writer,
        account=press,
        text="Statement on the new funding for local libraries, from 10am.",
        scheduled_at=(today + dt.timedelta(days=4)).replace(hour=10, minute=0, second=0, microsecond=0),
    )
    services.draft_submit(draft=statement, by=writer)
    services.draft_approve(draft=statement, by=press_officer)
    # Published before the demo began (no X calls at seed time): the sandbox holds the same posts under these ids.
    for number, days_ago, hour, minute, text in DEMO_PUBLISHED:
        at = demo_published_at(days_ago, hour, minute)
        draft = Draft.objects.create(
            account=corporate,
            author=writer,
            state=Draft.State.PUBLISHED,
            scheduled_at=at,
            published_at=at,
            published_post_id=demo_published_id(number),
            created_at=at - dt.timedelta(days=1),
            updated_at=at,
        )
        draft.current_revision = DraftRevision.objects.create(draft=draft, number=1, posts=[text], created_by=writer)
        draft.save(update_fields=["current_revision"])
        DraftTransition.objects.create(
            draft=draft, from_state=Draft.State.PUBLISHING, to_state=Draft.State.PUBLISHED, created_at=at
        )


def _seed_records(account, *, writer) -> None:
    """A post published last month (marked so directly: the demo makes no X calls) that someone then edited in X's
    app: the draft page and the account's records page show what happened on X (tweets.records)."""
    draft = services.draft_create(
        author=writer, account=account, text="Our consultation on the new guidance is open until 31 January."
    )
    published_at = timezone.now() - dt.timedelta(days=30)
    Draft.objects.filter(pk=draft.pk).update(
        state=Draft.State.PUBLISHED, published_at=published_at, published_post_id="1800000000000000001"
    )
    draft.refresh_from_db()
    records.x_change_record(
        draft=draft,
        kind=PostOnX.Kind.EDITED_ON_X,
        seen_at=published_at + dt.timedelta(hours=2),
        source=PostOnX.Source.POLL,
        detail={
            "post_id": "1800000000000000001",
            "previous_text": draft.text,
            "new_text": "Our consultation on the new guidance is open until 31 January. Have your say.",
            "new_post_ids": ["1800000000000000002"],
        },
        event_id="demo:edited:1800000000000000001",
    )


DEMO_SAVED_REPLIES = [
    ("Looking into it", "Thanks {handle}, we're looking into it and will reply here within two working days."),
    ("Send us a direct message", "Hello {handle}, please send us a direct message with your reference number."),
    ("Opening hours", "Hello {handle}, our helpline is open 8am to 6pm, Monday to Friday."),
]


def _seed_saved_replies(account, *, writer, approvers) -> None:
    """The corporate team's saved replies, each version approved by two approvers (the account's number)."""
    from tweets import saved_replies

    for title, text in DEMO_SAVED_REPLIES:
        saved = saved_replies.saved_reply_create(by=writer, account=account, title=title, text=text)
        for approver in approvers:
            saved_replies.saved_reply_approve(by=approver, version=saved.versions.get())

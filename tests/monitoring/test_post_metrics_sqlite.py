"""The demo's worker takes own posts' figures on SQLite (`make run`'s database): the cron's sweep, on the poll queue,
enqueues the account's read, a real RQ worker runs both, and the post's 1-hour figures are kept."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from tests.sqlite_processes import run_code, run_worker, sqlite_env
from twitter_api.types import snowflake_for

ROOT = Path(__file__).resolve().parents[2]

SETUP = """
import django
django.setup()
from datetime import timedelta
from django.core.management import call_command
from django.utils import timezone
from accounts.models import Membership, TwitterAccount
from tests.factories import MembershipFactory, TeamFactory, TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Draft

call_command("migrate", verbosity=0)
team = TeamFactory(name="Press Office", slug="press-office")
lead = MembershipFactory(team=team, role=Membership.Role.LEAD).user
account = TwitterAccountFactory(
    team=team, kind=TwitterAccount.Kind.CORPORATE, responsible_person=lead, handle="DeptNews", x_user_id="9400",
    access_token="token-DeptNews", access_token_secret="secret-DeptNews",
)
DraftFactory(
    account=account, author=lead, state=Draft.State.PUBLISHED, published_post_id="POST_ID",
    published_at=timezone.now() - timedelta(minutes=90),
)
"""

ENQUEUE = """
import django
django.setup()
import django_rq
from monitoring.jobs import post_metrics_sweep

django_rq.get_queue("poll").enqueue(post_metrics_sweep)
print(django_rq.get_queue("poll").count)
"""

STATES = """
import django
django.setup()
from tweets.models import PostMetrics

print(list(PostMetrics.objects.values_list("x_post_id", "checkpoint_hours", "status", "impressions")))
"""


@pytest.mark.slow
def test_the_demos_worker_takes_own_posts_figures_on_sqlite(tmp_path, x_sandbox, settings):
    me = x_sandbox.state.add_user(
        id="9400", username="DeptNews", access_token="token-DeptNews", access_token_secret="secret-DeptNews"
    )
    published = timezone.now() - timedelta(minutes=90)
    stored = x_sandbox.state.add_post(author=me, text="Our news.", created_at=published, num=snowflake_for(published))
    env = sqlite_env(tmp_path, redis_url=settings.REDIS_URL, sandbox_url=x_sandbox.url, RQ_ASYNC="true")

    run_code(SETUP.replace("POST_ID", stored.post.id), env)
    assert int(run_code(ENQUEUE, env).strip()) == 1
    run_worker(env, "poll")

    rows = eval(run_code(STATES, env).strip())  # noqa: S307 - our own subprocess's printed list of tuples
    assert len(rows) == 1
    post_id, checkpoint, status, impressions = rows[0]
    assert (post_id, checkpoint, status) == (stored.post.id, 1, "taken") and impressions > 0

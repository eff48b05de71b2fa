"""The own-post figures page: per week and per account totals, each post's latest figures, charts with a table
beside each (readable without JavaScript), only for the accounts a person can see; and the draft page's figures."""

import json
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse

from reports import analytics
from tests.factories import TwitterAccountFactory
from tests.tweets.factories import DraftFactory
from tweets.models import Draft, PostMetrics

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 12, 16, 12, 0, tzinfo=UTC)  # a Wednesday
MONDAY = "2026-12-14"


def published(account, text, at, post_id):
    return DraftFactory(
        account=account,
        author=account.responsible_person,
        state=Draft.State.PUBLISHED,
        text=text,
        published_at=at,
        published_post_id=post_id,
    )


def snapshot(draft, hours, **figures):
    return PostMetrics.objects.create(
        draft=draft,
        account=draft.account,
        x_post_id=draft.published_post_id,
        published_at=draft.published_at,
        checkpoint_hours=hours,
        **figures,
    )


@pytest.fixture
def figures(account, other_team):
    ferry = published(account, "Ferry timetable changes from Monday", NOW - timedelta(days=1), "1900000000000000011")
    snapshot(ferry, 1, impressions=100, likes=2, replies=1, reposts=0, link_clicks=5)
    snapshot(ferry, 24, impressions=900, likes=20, replies=4, reposts=3, link_clicks=40)
    bridge = published(account, "Bridge works finish early", NOW - timedelta(hours=3), "1900000000000000012")
    snapshot(bridge, 1, impressions=50, likes=1, replies=0, reposts=1, link_clicks=None)
    last_week = published(account, "Last week's flood advice", NOW - timedelta(days=8), "1900000000000000013")
    snapshot(last_week, 168, impressions=3000, likes=60, replies=9, reposts=12, link_clicks=70)
    other = TwitterAccountFactory(team=other_team, handle="OtherDept")
    theirs = published(other, "Wombat news from another team", NOW - timedelta(days=1), "1900000000000000014")
    snapshot(theirs, 24, impressions=7777, likes=77, replies=7, reposts=7, link_clicks=7)
    skipped = published(account, "Skipped figures only", NOW - timedelta(days=1), "1900000000000000015")
    PostMetrics.objects.create(
        draft=skipped,
        account=account,
        x_post_id=skipped.published_post_id,
        published_at=skipped.published_at,
        checkpoint_hours=1,
        status=PostMetrics.Status.SKIPPED,
    )
    return {"ferry": ferry, "other": other}


def page(client, user, **params):
    client.force_login(user)
    with time_machine.travel(NOW, tick=False):
        return client.get(reverse("reports:analytics"), params)


def test_a_member_sees_the_weeks_totals_and_each_posts_latest_figures(client, member, figures):
    response = page(client, member)

    assert response.status_code == 200
    body = response.content.decode()
    found = response.context["figures"]
    assert found.week_start.isoformat() == MONDAY
    totals = found.week.totals
    # The ferry post's 24-hour figures (its latest), plus the bridge's 1-hour ones; the skipped post adds nothing.
    assert (totals.posts, totals.impressions, totals.likes, totals.replies, totals.reposts) == (2, 950, 21, 4, 4)
    assert totals.link_clicks == 40  # the bridge post's link clicks were not given: nothing added
    assert "Ferry timetable changes from Monday" in body and "Bridge works finish early" in body
    assert "Wombat news" not in body and "@OtherDept" not in body and "7777" not in body
    assert [w.totals.impressions for w in found.weeks[-2:]] == [3000, 950]
    assert len(found.weeks) == analytics.WEEKS_SHOWN


def test_the_charts_figures_are_in_tables_beside_them(client, member, figures):
    body = page(client, member).content.decode()

    chart = json.loads(body.split('id="analytics-chart-data" type="application/json">')[1].split("</script>")[0])
    assert chart["weeks"]["series"]["Impressions"][-2:] == [3000, 950]
    assert chart["accounts"]["labels"] == [f"@{figures['ferry'].account.handle}"]
    assert body.count("<canvas") == 2
    for table in ('id="per-week"', 'id="per-account"', 'id="per-post"'):
        assert table in body
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">950</td>' in body
    # Large figures are written as people read them.
    assert '<td class="govuk-table__cell govuk-table__cell--numeric">3,000</td>' in body
    assert "7,777" not in body


def test_another_week_and_one_account(client, member, figures):
    response = page(client, member, week="2026-12-08", account=figures["ferry"].account.pk)

    found = response.context["figures"]
    assert found.week_start.isoformat() == "2026-12-07"
    assert [p.post_text for p in found.posts] == ["Last week's flood advice"]
    assert response.context["next_week"].isoformat() == MONDAY


def test_another_teams_account_is_not_found(client, member, figures):
    assert page(client, member, account=figures["other"].pk).status_code == 404


def test_an_outsider_sees_none_of_the_teams_figures(client, outsider, figures):
    response = page(client, outsider)

    assert response.status_code == 200
    assert "Ferry timetable" not in response.content.decode()
    assert "Wombat news" in response.content.decode()  # their own team's


def test_an_admin_sees_every_account(client, admin_user, figures):
    body = page(client, admin_user).content.decode()

    assert "Ferry timetable" in body and "Wombat news" in body


@pytest.mark.parametrize("params", [{"account": "abc"}, {"week": "9999-99-99"}, {"account": "0", "week": "x"}])
def test_garbage_in_the_query_string_is_ignored(client, member, figures, params):
    assert page(client, member, **params).status_code == 200


def test_the_page_reads_a_fixed_number_of_queries(client, member, figures, django_assert_max_num_queries):
    client.force_login(member)
    page(client, member)  # warm the session and caches
    with django_assert_max_num_queries(12), time_machine.travel(NOW, tick=False):
        client.get(reverse("reports:analytics"))


def test_the_draft_page_shows_its_figures_at_each_checkpoint(client, member, figures):
    client.force_login(member)
    body = client.get(reverse("tweets:draft_detail", args=[figures["ferry"].pk])).content.decode()

    table = body.split('id="figures-table"')[1].split("</table>")[0]
    assert "1 hour" in table and "24 hours" in table
    assert ">900<" in table and ">40<" in table


def test_the_draft_page_says_why_a_figure_is_missing(client, member, figures):
    skipped = Draft.objects.get(published_post_id="1900000000000000015")
    PostMetrics.objects.filter(draft=skipped).update(reason="Not read in time: The month's X read budget was used up.")
    client.force_login(member)
    body = client.get(reverse("tweets:draft_detail", args=[skipped.pk])).content.decode()

    assert "Skipped: Not read in time: The month&#x27;s X read budget was used up." in body


def test_the_weekly_report_has_the_weeks_own_post_figures(client, lead, team, figures):
    from datetime import date

    from reports import weekly, weekly_export

    with time_machine.travel(NOW, tick=False):
        report = weekly.weekly_report(team=team, week_start=date(2026, 12, 14))
        everyone = weekly.weekly_report(team=None, week_start=date(2026, 12, 14))
        client.force_login(lead)
        body = client.get(reverse("reports:team", args=[team.pk]), {"week": MONDAY}).content.decode()

    assert (report.own_posts.posts, report.own_posts.impressions, report.own_posts.link_clicks) == (2, 950, 40)
    assert [(a.handle, a.totals.impressions) for a in report.own_posts_by_account] == [
        (figures["ferry"].account.handle, 950)
    ]
    assert everyone.own_posts.impressions == 950 + 7777
    table = body.split('id="own-posts-table"')[1].split("</table>")[0]
    assert ">950<" in table and "7777" not in table
    rows = weekly_export.report_csv(report).splitlines()
    handle = figures["ferry"].account.handle
    assert f"own posts on x,'@{handle},impressions,950" in rows
    assert f"own posts on x,'@{handle},link clicks,40" in rows  # a leading @ is not a formula


def test_the_weekly_email_gives_the_weeks_own_post_figures(lead, team, figures, mailoutbox):
    from datetime import date

    from reports import weekly_export

    with time_machine.travel(NOW, tick=False):
        assert weekly_export.report_email_send(user=lead, week_start=date(2026, 12, 14))

    assert "The week's posts on X: 950 impressions, 21 likes, 4 replies, 4 reposts, 40 link clicks (2 posts" in (
        mailoutbox[0].body
    )


def test_the_records_export_has_each_posts_latest_figures(account, figures):
    import csv
    import io
    from datetime import date

    from reports import exports

    records = list(exports.published_records(account=account, start=date(2026, 12, 1), end=date(2026, 12, 16)))
    ferry = next(r for r in records if r["draft_id"] == figures["ferry"].pk)

    assert [(f["post_id"], f["after_hours"], f["impressions"], f["link_clicks"]) for f in ferry["figures"]] == [
        (figures["ferry"].published_post_id, 24, 900, 40)
    ]
    skipped = next(r for r in records if r["post_id"] == "1900000000000000015")
    assert skipped["figures"] == []
    rows = list(csv.DictReader(io.StringIO("".join(exports.as_csv(iter(records))))))
    published = next(r for r in rows if r["draft_id"] == str(figures["ferry"].pk) and r["record"] == "published")
    assert (published["impressions"], published["likes"], published["link_clicks"]) == ("900", "20", "40")
    assert next(r for r in rows if r["post_id"] == "1900000000000000015")["impressions"] == ""

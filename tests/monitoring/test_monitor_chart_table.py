"""The monitoring page's charts can be read without JavaScript: beside each chart, a table of the same figures."""

from datetime import datetime

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from monitoring.models import MentionMatch
from tests.monitoring.factories import MentionFactory, MonitorFactory

pytestmark = pytest.mark.django_db
LIST = reverse("monitoring:monitor_list")
NOW = datetime(2027, 7, 14, 15, 20, tzinfo=timezone.get_fixed_timezone(60))  # 15:20 BST


def _row(hour: str, posts: str, sentiment: str) -> str:
    cell = '<td class="govuk-table__cell govuk-table__cell--numeric">'
    return f'<th scope="row" class="govuk-table__header">{hour}</th>{cell}{posts}</td>{cell}{sentiment}</td>'


@time_machine.travel(NOW, tick=False)
def test_each_chart_has_a_table_of_its_hourly_figures(client, team, member):
    passports = MonitorFactory(team=team, name="Passports")
    quiet = MonitorFactory(team=team, name="Quiet")
    for minutes, sentiment in ((5, -0.5), (10, 0.5), (70, 0.25)):
        at = NOW - timezone.timedelta(minutes=minutes)
        MentionMatch.objects.create(mention=MentionFactory(sentiment=sentiment, posted_at=at), monitor=passports)
    client.force_login(member)
    html = client.get(LIST).content.decode()
    assert f'aria-labelledby="chart-{passports.pk}-caption"' in html
    assert "Posts and average sentiment per hour for Passports" in html
    # 15:00 BST: two posts averaging 0; 14:00 BST: one at 0.25.
    assert _row("Wed 15:00", "2", "0.00") in html
    assert _row("Wed 14:00", "1", "0.25") in html
    assert f'aria-labelledby="chart-{quiet.pk}-caption"' not in html
    assert "No posts matched in the last seven days." in html

"""The long tables' rows rendered by Jinja2 (core.tables): escaped as the Django engine would, strict on keys."""

import jinja2
import pytest
from django.template import engines

from core.tables import rendered_rows
from tests.monitoring.factories import InboxItemFactory, MentionFactory


def test_what_the_public_wrote_is_escaped_in_a_team_inbox(client, member, team):
    mention = MentionFactory(text='<script>alert("x")</script> & <b>bold</b>', author_username="<i>someone</i>")
    InboxItemFactory(team=team, mention=mention)
    client.force_login(member)

    page = client.get(f"/monitoring/?team={team.pk}").content.decode()

    assert "<script>alert" not in page and "<b>bold</b>" not in page and "<i>someone</i>" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert "@&lt;i&gt;someone&lt;/i&gt;" in page


def test_rows_render_as_the_django_engine_renders_the_same_markup():
    markup = '{% for row in rows %}<td title="{{ row.a }}">{{ row.b }}</td>{% endfor %}'
    rows = [{"a": '"quoted" & <tag>', "b": "it's <fine>"}, {"a": "", "b": "plain"}]
    django_html = engines["django"].from_string(markup).render({"rows": rows})
    jinja_html = engines["jinja2"].from_string(markup).render({"rows": rows})
    # The two engines escape the same characters, spelling the quotes differently (&#x27; and &#39;).
    assert jinja_html.replace("&#39;", "&#x27;").replace("&#34;", "&quot;") == django_html


@pytest.mark.parametrize("lookup", ['row["missing"]', "row.missing"])
def test_a_misspelt_key_fails_rather_than_rendering_nothing(lookup):
    template = engines["jinja2"].from_string("{{ " + lookup + " }}")
    with pytest.raises(jinja2.UndefinedError):
        template.render({"row": {"present": 1}})


def test_the_rows_are_marked_safe_for_the_page_that_places_them():
    html = rendered_rows("tweets/_approval_rows.html", [])
    assert html.strip() == "" and hasattr(html, "__html__")

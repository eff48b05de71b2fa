"""The incident pages: leads of the account's team (and admins) see the evidence and record the outcome; anyone
else gets a 404."""

from django.urls import reverse

from safety.models import Incident
from tests.safety.conftest import take_over


def _incident(corporate, x_sandbox, watch, text="Someone else wrote this."):
    watch(corporate)
    take_over(x_sandbox, corporate, text)
    watch(corporate)
    return Incident.objects.get()


def test_a_lead_sees_the_incident_in_the_list_with_the_banner(client, corporate, lead, x_sandbox, watch):
    incident = _incident(corporate, x_sandbox, watch)
    client.force_login(lead)

    page = client.get(reverse("safety:incident_list")).content.decode()

    assert "Someone else wrote this." in page
    assert "Possible takeover of @DeptComms" in page  # the banner
    assert incident.get_absolute_url() in page


def test_the_incident_page_shows_the_post_when_and_the_freeze(client, corporate, lead, x_sandbox, watch):
    incident = _incident(corporate, x_sandbox, watch)
    client.force_login(lead)

    page = client.get(incident.get_absolute_url()).content.decode()

    assert "Someone else wrote this." in page
    assert f"https://x.com/DeptComms/status/{incident.post_id}" in page
    assert "Nothing scheduled for the account is being published." in page
    assert reverse("tweets:freeze_detail", args=[incident.freeze_id]) in page
    assert "Record the outcome" in page
    # Names keep their capitals (the kind and the way it was found are shown as written, not lowercased).
    assert "Possible takeover: Post not made through Dovecote</h1>" in page
    assert "Reading the account on X" in page


def test_recording_legitimate_lifts_the_freeze(client, corporate, lead, x_sandbox, watch):
    incident = _incident(corporate, x_sandbox, watch)
    client.force_login(lead)

    response = client.post(incident.get_absolute_url(), {"outcome": "legitimate", "note": "The minister."}, follow=True)

    assert "Recorded as legitimate. The freeze is lifted" in response.content.decode()
    incident.refresh_from_db()
    assert incident.state == Incident.State.LEGITIMATE and not incident.freeze.is_active
    assert "Possible takeover of @DeptComms" not in client.get(reverse("home")).content.decode()


def test_recording_without_choosing_says_what_to_do(client, corporate, lead, x_sandbox, watch):
    incident = _incident(corporate, x_sandbox, watch)
    client.force_login(lead)

    response = client.post(incident.get_absolute_url(), {"note": "?"})

    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and "Choose whether it was legitimate" in page
    assert Incident.objects.get().is_open


def test_a_member_and_an_outsider_get_a_404(client, corporate, member, outsider, x_sandbox, watch):
    incident = _incident(corporate, x_sandbox, watch)
    for person in (member, outsider):
        client.force_login(person)
        assert client.get(reverse("safety:incident_list")).status_code == 404
        assert client.get(incident.get_absolute_url()).status_code == 404
        assert client.post(incident.get_absolute_url(), {"outcome": "legitimate"}).status_code == 404
        assert "Possible takeover" not in client.get(reverse("home")).content.decode()


def test_a_profile_change_shows_before_and_after(client, corporate, lead):
    incident = Incident.objects.create(
        account=corporate,
        kind="profile_change",
        source="push",
        event_id="profile:description:x",
        profile_field="description",
        before="Official account",
        after="Giveaway! DM us",
    )
    client.force_login(lead)
    page = client.get(incident.get_absolute_url()).content.decode()
    assert "Bio" in page and "Official account" in page and "Giveaway! DM us" in page


def test_the_account_page_says_what_a_possible_takeover_does(client, corporate, personal, lead):
    client.force_login(lead)
    page = client.get(reverse("accounts:account_detail", args=[corporate.pk])).content.decode()
    assert "Frozen at once, and the leads told (the default for a corporate account)" in page
    personal.freeze_on_compromise = True
    personal.save()
    page = client.get(reverse("accounts:account_detail", args=[personal.pk])).content.decode()
    assert "Frozen at once, and the leads told</dd>" in page

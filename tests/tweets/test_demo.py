from accounts import demo as accounts_demo
from training import demo as training_demo
from tweets import demo
from tweets.models import Draft


def test_seed_makes_drafts_in_several_states_once(db, settings):
    settings.RQ_ASYNC = False
    accounts_demo.seed()
    training_demo.seed()
    demo.seed()
    states = set(Draft.objects.values_list("state", flat=True))
    assert {"draft", "submitted", "scheduled", "changes_requested"} <= states
    count = Draft.objects.count()
    demo.seed()
    assert Draft.objects.count() == count

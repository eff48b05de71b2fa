from tweets.hints import accessibility_hints


def test_a_plain_post_has_no_hints():
    assert accessibility_hints("Our offices are open from 9am to 5pm. #OpenHours") == []


def test_it_flags_more_than_two_hashtags():
    assert any("3 hashtags" in h for h in accessibility_hints("#One #Two #Three"))


def test_it_flags_lowercase_multiword_hashtags():
    assert any("CamelCase" in h for h in accessibility_hints("Support #mentalhealthawareness week"))
    assert accessibility_hints("Support #MentalHealthAwareness week") == []


def test_it_flags_long_sentences():
    sentence = " ".join(["word"] * 26) + "."
    assert any("26 words" in h for h in accessibility_hints(sentence))


def test_it_flags_more_than_one_link():
    assert any("2 links" in h for h in accessibility_hints("See https://a.gov.uk and https://b.gov.uk"))


def test_it_flags_heavy_emoji_use():
    assert any("4 emoji" in h for h in accessibility_hints("Great news 🎉🎉🎉🎉"))

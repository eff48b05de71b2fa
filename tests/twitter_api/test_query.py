"""X's search-query language: parsing, canonical form, local matching and anchor terms."""

import re
from datetime import UTC, datetime

import pytest

from twitter_api.query import (
    AnalysedPost,
    AnalysedText,
    Query,
    QuerySyntaxError,
    analyse,
    combine_or,
    parse,
    searchable_text,
    tokenize,
)
from twitter_api.types import XPost, XUser

USERS = {
    "citizen": "100",
    "journalist": "200",
    "dept": "300",
    "GOVUK": "400",
}


def entities_for(text: str) -> dict:
    """Entities as X gives them: mentions (with ids of known users), hashtags and URLs."""
    entities: dict = {}
    mentions = []
    for m in re.finditer(r"(?<![\w@])@(\w{1,15})", text):
        mention = {"start": m.start(), "end": m.end(), "username": m.group(1)}
        for username, user_id in USERS.items():
            if username.lower() == m.group(1).lower():
                mention["id"] = user_id
        mentions.append(mention)
    if mentions:
        entities["mentions"] = mentions
    hashtags = [{"start": m.start(), "end": m.end(), "tag": m.group(1)} for m in re.finditer(r"(?<![\w#])#(\w+)", text)]
    if hashtags:
        entities["hashtags"] = hashtags
    urls = [{"start": m.start(), "end": m.end(), "url": m.group(0)} for m in re.finditer(r"https?://\S+", text)]
    if urls:
        entities["urls"] = urls
    return entities


def make_post(
    text: str,
    *,
    author: str = "citizen",
    lang: str | None = "en",
    reply_to: str | None = None,
    retweet: bool = False,
    entities: dict | None = None,
    post_id: str = "1",
) -> XPost:
    """A post as the client returns it; `reply_to` is the username of the user being replied to."""
    author_id = USERS.get(author, "999")
    return XPost(
        id=post_id,
        text=text,
        author_id=author_id,
        created_at=datetime(2026, 11, 1, 9, 0, tzinfo=UTC),
        conversation_id=post_id,
        in_reply_to_user_id=USERS[reply_to] if reply_to else None,
        reply_to_post_id="99" if reply_to else None,
        lang=lang,
        is_retweet=retweet,
        entities=entities_for(text) if entities is None else entities,
        author=XUser(id=author_id, username=author, name=author.title(), verified=False, followers_count=10),
    )


def P(text, **kwargs):  # noqa: N802 - reads as a table column
    return make_post(text, **kwargs)


MATCHES = [
    # Words: case-insensitive, on token boundaries, punctuation separates tokens.
    ("tax", P("Paying my tax today"), True),
    ("tax", P("TAX returns are due"), True),
    ("tax", P("Tax."), True),
    ("tax", P("(tax)"), True),
    ("tax", P("I took a taxi"), False),
    ("tax", P("surtax rises"), False),
    ("tax", P("my tax's due"), True),
    ("TAX", P("tax"), True),
    ("nhs", P("I love the #NHS"), True),  # a word matches the same word inside a hashtag
    ("dept", P("Hello @dept"), True),  # and inside a mention
    ("nhs", P("@NHSEngland hello"), False),
    ("gov", P("see https://www.gov.uk/guidance"), True),  # URLs are tokenized text too
    ("2024", P("Budget 2024 announced"), True),
    ("covid19", P("covid19 rules"), True),
    ("covid19", P("covid-19 rules"), False),
    ("gov_uk", P("gov uk"), True),  # underscore is punctuation: the word is the phrase "gov uk"
    # Words with punctuation are phrases of their tokens.
    ("coca-cola", P("I like coca-cola"), True),
    ("coca-cola", P("I like Coca Cola"), True),
    ("coca-cola", P("I like cola and coca"), False),
    ("covid-19", P("COVID-19 update"), True),
    ("don't", P("Don’t panic"), True),
    # Exact phrases: consecutive tokens, any punctuation between them.
    ('"state of the art"', P("a state-of-the-art hospital"), True),
    ('"state of the art"', P("The State of the Art"), True),
    ('"state of the art"', P("the art of the state"), False),
    ('"state of the art"', P("state of art"), False),
    ('"cost of living"', P("cost of living"), True),
    ('"cost of living"', P("the cost of our living"), False),
    ('"universal credit"', P("my Universal Credit payment"), True),
    ('"universal credit"', P("my universal credits payment"), False),
    ('"#nhs"', P("the #NHS"), True),  # quoted, the # is punctuation
    ('"#nhs"', P("the nhs"), True),
    ("“smart quotes”", P("smart quotes are fine"), True),
    # Accents: a query with accents matches with and without them; without accents, only without.
    ("diacrítica", P("Diacrítica"), True),
    ("diacrítica", P("diacritica"), True),
    ("diacritica", P("diacritica"), True),
    ("diacritica", P("diacrítica"), False),
    ("café", P("Cafe\u0301 opens"), True),  # decomposed text is normalised first
    ('"crème brûlée"', P("creme brulee"), True),
    # Emoji are tokens.
    ("😡", P("Waiting 3 hours 😡😡"), True),
    ("😡", P("Waiting 3 hours 😀"), False),
    # Hashtags and mentions match entities exactly, case-insensitive.
    ("#NHS", P("I love the #nhs"), True),
    ("#nhs", P("I love the nhs"), False),
    ("#nhs", P("I love #NHSEngland"), False),
    ("#thanku", P("#thankunext"), False),
    ("#café", P("#cafe"), True),
    ("#nhs", P("no entities given #NHS", entities={}), True),  # falls back to the text
    ("#nhs", P("entities disagree #NHS", entities={"hashtags": [{"tag": "other"}]}), False),
    ("@dept", P("@DEPT please help"), True),
    ("@dept", P("the dept please help"), False),
    ("@dept", P("@department please help"), False),
    ("@dept", P("email dept@example.com"), False),
    # from: and to:, by username (case-insensitive) or numeric id.
    ("from:journalist", P("question", author="journalist"), True),
    ("from:JOURNALIST", P("question", author="journalist"), True),
    ("from:200", P("question", author="journalist"), True),
    ("from:journalist", P("question", author="citizen"), False),
    ("to:dept", P("@dept when?", reply_to="dept"), True),
    ("to:300", P("when?", reply_to="dept"), True),
    ("to:dept", P("@dept when?"), False),  # a mention is not a reply
    ("to:dept", P("@dept @journalist when?", reply_to="journalist"), False),
    # lang:, is:, has: narrow a search.
    ("tax lang:en", P("tax", lang="en"), True),
    ("tax lang:EN", P("tax", lang="en"), True),
    ("tax lang:cy", P("tax", lang="en"), False),
    ("tax lang:cy", P("tax", lang=None), False),
    ("tax -lang:cy", P("tax", lang=None), True),
    ("tax is:reply", P("tax", reply_to="dept"), True),
    ("tax is:reply", P("tax"), False),
    ("tax -is:reply", P("tax"), True),
    ("tax is:retweet", P("RT tax", retweet=True), True),
    ("tax -is:retweet", P("RT tax", retweet=True), False),
    ("tax has:links", P("tax https://gov.uk/tax"), True),
    ("tax has:links", P("tax see gov.uk/tax", entities={}), True),  # a URL in the text without entities
    ("tax has:links", P("tax"), False),
    ("tax -has:links", P("tax"), True),
    # Implicit AND.
    ("council tax", P("my council tax bill"), True),
    ("council tax", P("tax the council"), True),
    ("council tax", P("council meeting"), False),
    # OR, and precedence: AND binds tighter than OR.
    ("tax OR benefits", P("benefits"), True),
    ("tax OR benefits", P("pensions"), False),
    ("apple OR iphone ipad", P("apple"), True),  # apple OR (iphone ipad)
    ("apple OR iphone ipad", P("iphone"), False),
    ("apple OR iphone ipad", P("iphone ipad"), True),
    ("ipad iphone OR android", P("android"), True),  # (ipad iphone) OR android
    ("ipad iphone OR android", P("ipad android"), True),
    ("ipad iphone OR android", P("ipad"), False),
    ("(apple OR iphone) ipad", P("apple"), False),
    ("(apple OR iphone) ipad", P("iphone ipad"), True),
    ("tax or benefits", P("benefits"), False),  # lower-case "or" is a word
    ("tax or benefits", P("tax or benefits"), True),
    # Negation of terms, phrases, operators and groups.
    ("tax -taxi", P("tax and a taxi"), False),
    ("tax -taxi", P("tax"), True),
    ('tax -"council tax"', P("council tax"), False),
    ('tax -"council tax"', P("tax the council"), True),
    ("tax -#budget", P("tax #Budget"), False),
    ("tax -@dept", P("tax @dept"), False),
    ("tax -from:journalist", P("tax", author="journalist"), False),
    ("tax -from:journalist", P("tax", author="citizen"), True),
    ("skiing -(snow OR day)", P("skiing in snow"), False),
    ("skiing -(snow OR day)", P("skiing"), True),
    ("tax -(council bill)", P("council tax bill"), False),
    ("tax -(council bill)", P("council tax"), True),
    ("tax -(-council)", P("council tax"), True),
    ("tax -(-council)", P("tax"), False),
    # Parentheses and nesting.
    ("(tax OR benefits) (late OR missing)", P("benefits missing"), True),
    ("(tax OR benefits) (late OR missing)", P("benefits"), False),
    ("((tax))", P("tax"), True),
    ("(#nhs OR @dept) -from:dept is:reply", P("#nhs rocks", reply_to="journalist"), True),
    ("(#nhs OR @dept) -from:dept is:reply", P("#nhs rocks", author="dept", reply_to="journalist"), False),
]


@pytest.mark.parametrize(("query", "post", "expected"), MATCHES, ids=[f"{q} ~ {p.text}" for q, p, _ in MATCHES])
def test_a_query_matches_posts_as_x_would(query, post, expected):
    assert parse(query).matches(post) is expected


@pytest.mark.parametrize(("query", "post", "expected"), MATCHES, ids=[f"{q} ~ {p.text}" for q, p, _ in MATCHES])
def test_the_canonical_form_matches_the_same_posts(query, post, expected):
    assert parse(str(parse(query))).matches(post) is expected


@pytest.mark.parametrize(("query", "post", "expected"), MATCHES, ids=[f"{q} ~ {p.text}" for q, p, _ in MATCHES])
def test_a_matching_post_contains_one_of_the_anchor_terms(query, post, expected):
    anchors = parse(query).anchor_terms()
    if expected and anchors is not None:
        text = searchable_text(post)
        assert any(anchor in text for anchor in anchors), (anchors, text)
        if not post.entities.get("urls"):
            assert any(anchor in post.text.lower() for anchor in anchors), (anchors, post.text)


T_CO = {"urls": [{"url": "https://t.co/abc", "expanded_url": "https://www.gov.uk/universal-credit"}]}


def test_words_match_the_full_url_behind_a_short_link_as_x_does():
    post = make_post("Read this https://t.co/abc", entities=T_CO)

    assert parse("gov").matches(post)
    assert parse('"universal credit"').matches(post)
    assert parse("abc").matches(post)
    assert not parse('"abc https"').matches(post)  # a phrase doesn't run from the text into a hidden URL
    assert searchable_text(post) == "read this https://t.co/abc\nhttps://www.gov.uk/universal-credit"
    assert "gov" in parse("gov").anchor_terms()


def test_a_url_the_text_already_shows_is_not_repeated():
    post = make_post("See https://www.gov.uk/tax")

    assert searchable_text(post) == "see https://www.gov.uk/tax"


def test_to_uses_the_replied_to_username_when_the_caller_knows_it():
    post = make_post("when will it open?", reply_to="dept")  # no mention in the text

    assert not parse("to:dept").matches(post)
    assert parse("to:dept").matches_analysed(analyse(post, reply_to_username="Dept"))


def test_an_analysed_post_can_be_matched_against_many_queries():
    analysed = analyse(make_post("Council tax bill late again #fail"))

    results = [parse(q).matches_analysed(analysed) for q in ("tax", "#fail", "bill -late", "council OR nope")]

    assert results == [True, True, False, True]
    assert parse("tax").matches(analysed)


def test_posts_sharing_one_analysis_of_their_text_still_match_by_their_own_author_language_and_reply():
    text = "@dept Council tax bill late again #fail"
    by_citizen = make_post(text)
    by_journalist = make_post(text, author="journalist", lang="fr", reply_to="dept")
    shared = AnalysedText(text, by_citizen.entities)
    queries = ["from:journalist tax", "#fail lang:fr", "@dept -is:reply", "to:dept bill", "council -#fail"]

    for post in (by_citizen, by_journalist):
        alone = analyse(post)
        together = AnalysedPost(post, text=shared)
        assert [parse(q).matches_analysed(together) for q in queries] == [
            parse(q).matches_analysed(alone) for q in queries
        ]
    assert [parse(q).matches_analysed(AnalysedPost(by_journalist, text=shared)) for q in queries] == [
        True,
        True,
        False,
        True,
        False,
    ]


ERRORS = [
    ("", 0, "The query is empty."),
    ("   ", 0, "The query is empty."),
    ('cost of "living', 8, "Unclosed quote starting at character 9"),
    ("tax OR", 4, "Nothing after OR at character 5"),
    ("tax OR OR benefits", 4, "Nothing after OR at character 5"),
    ("(tax OR )", 5, "Nothing after OR at character 6"),
    ("OR tax", 0, "OR at character 1 has nothing before it"),
    ("tax (OR x)", 5, "OR at character 6 has nothing before it"),
    ("foo:bar", 0, "Unknown operator 'foo:' at character 1"),
    ("tax url:gov.uk", 4, "Unknown operator 'url:' at character 5"),
    ("see http://gov.uk", 4, "Unknown operator 'http:' at character 5"),
    ("(tax OR benefits", 0, "Unbalanced parenthesis at character 1: this ( is never closed"),
    ("tax (benefits (late)", 4, "Unbalanced parenthesis at character 5: this ( is never closed"),
    ("tax) OR benefits", 3, "Unbalanced parenthesis at character 4: this ) has no ( before it"),
    (")", 0, "Unbalanced parenthesis at character 1: this ) has no ( before it"),
    ("tax ()", 4, "Empty parentheses at character 5"),
    ('tax ""', 4, "Empty quotes at character 5"),
    ("tax -", 4, "Nothing after the minus sign at character 5"),
    ("tax - benefits", 4, "Nothing after the minus sign at character 5"),
    ("tax -OR x", 4, "Nothing after the minus sign at character 5"),
    ("tax --benefits", 4, "Two minus signs in a row at character 5"),
    ("-tax", 0, "The query only leaves things out."),
    ("-tax -#nhs -(a b)", 0, "The query only leaves things out."),
    ("lang:en", 0, "lang:, is: and has: can only narrow a search."),
    ("has:links OR is:retweet", 0, "lang:, is: and has: can only narrow a search."),
    ("-is:retweet lang:en", 0, "lang:, is: and has: can only narrow a search."),
    ("tax OR is:reply", 7, "The part of the query at character 8 is one side of an OR with nothing to search for."),
    ("tax OR -benefits", 7, "The part of the query at character 8 is one side of an OR"),
    ("tax OR (lang:en has:links)", 8, "The part of the query at character 9 is one side of an OR"),
    ("#", 0, "A # at character 1 needs the hashtag"),
    ("#123", 0, "'#123' at character 1 is not a hashtag X recognises"),
    ("#covid-19", 0, "'#covid-19' at character 1 is not a hashtag X recognises"),
    ("@", 0, "An @ at character 1 needs the username"),
    ("@dept.gov", 0, "'@dept.gov' at character 1 is not a username X recognises"),
    ("@averyveryverylongname", 0, "'@averyveryverylongname' at character 1 is not a username X recognises"),
    ("from:", 0, "from: at character 1 needs a value straight after it"),
    ("tax from: dept", 4, "from: at character 5 needs a value straight after it"),
    ("from:dept.gov", 0, "'dept.gov' after from: at character 1 is not a username or user id"),
    ("tax lang:english", 4, "'english' after lang: at character 5 is not a language code"),
    ("tax is:quote", 4, "'is:quote' at character 5 isn't supported"),
    ("tax has:media", 4, "'has:media' at character 5 isn't supported"),
    ("tax AND benefits", 4, "X has no AND operator at character 5"),
    ("NOT tax", 0, "X has no NOT operator at character 1"),
    ("tax !!!", 4, "'!!!' at character 5 has no letters, numbers or emoji"),
    ('tax "..."', 4, '"..." at character 5 has no letters, numbers or emoji'),
    ('tax "{}"', 4, '"{}" at character 5 has no letters, numbers or emoji'),
    ("tax #{at}", 4, "'#{at}' at character 5 is not a hashtag"),
    ("$TWTR", 0, "Cashtags like '$TWTR' at character 1 aren't supported"),
]


@pytest.mark.parametrize(("query", "position", "message"), ERRORS, ids=[q or "(empty)" for q, _, _ in ERRORS])
def test_an_invalid_query_is_refused_saying_where_and_what(query, position, message):
    with pytest.raises(QuerySyntaxError) as caught:
        parse(query)

    assert caught.value.position == position
    assert caught.value.message.startswith(message), caught.value.message
    assert str(caught.value) == caught.value.message


CANONICAL = [
    ("Tax", "tax"),
    ("  council   tax  ", "council tax"),
    ("Coca-Cola", '"coca-cola"'),
    ('"State   of the ART"', '"state of the art"'),
    ("“smart quotes”", '"smart quotes"'),
    ("😡", '"😡"'),
    (
        "#NHS @Dept FROM:Journalist to:@GOVUK LANG:EN IS:Reply HAS:Links",
        "#nhs @dept from:journalist to:govuk lang:en is:reply has:links",
    ),
    ("apple OR iphone ipad", "apple OR (iphone ipad)"),
    ("ipad iphone OR android", "(ipad iphone) OR android"),
    ("(apple OR iphone) ipad", "(apple OR iphone) ipad"),
    ("((a b) c)", "a b c"),
    ("a OR (b OR c)", "a OR b OR c"),
    ("skiing -(snow OR day OR noschool)", "skiing -snow -day -noschool"),
    ("tax -(council bill)", "tax (-council OR -bill)"),
    ("tax -(-council)", "tax council"),
    ("tax -(a OR (b -c))", "tax -a (-b OR c)"),
]


@pytest.mark.parametrize(("query", "canonical"), CANONICAL, ids=[q for q, _ in CANONICAL])
def test_the_canonical_form_is_lower_case_explicit_and_never_negates_a_group(query, canonical):
    parsed = parse(query)

    assert str(parsed) == canonical
    assert parsed.length == len(canonical)
    assert parse(canonical) == parsed
    assert str(parse(canonical)) == canonical


ROUND_TRIP = [q for q, _, _ in MATCHES] + [q for q, _ in CANONICAL]


@pytest.mark.parametrize("query", sorted(set(ROUND_TRIP)))
def test_parsing_the_canonical_form_gives_the_same_query(query):
    parsed = parse(query)

    assert parse(str(parsed)) == parsed
    assert "-(" not in str(parsed)


def test_queries_compare_by_canonical_form_not_spelling():
    assert parse("Tax  OR  (benefits)") == parse("tax OR benefits")
    assert parse("tax") != parse("taxes")
    assert len({parse("a b"), parse("(A B)")}) == 1


def test_the_original_text_is_kept():
    assert parse("Council TAX").source == "Council TAX"


def test_combine_or_keeps_each_query_whole():
    queries = [parse("council tax -taxi"), parse("benefits OR pensions"), parse("#nhs")]

    combined = combine_or(queries)

    assert combined == "(council tax -taxi) OR benefits OR pensions OR #nhs"
    together = parse(combined)
    for text, expected in [
        ("council tax", True),
        ("council tax taxi", False),
        ("pensions", True),
        ("the #NHS", True),
        ("council", False),
    ]:
        post = make_post(text)
        assert together.matches(post) is expected
        assert together.matches(post) is any(q.matches(post) for q in queries)


def test_or_operand_is_what_combine_or_joins():
    query = parse("council tax")

    assert query.or_operand() == "(council tax)"
    assert combine_or([query]) == "(council tax)"
    assert parse("tax").or_operand() == "tax"


def test_and_operand_parenthesises_an_or_so_a_suffix_applies_to_every_alternative():
    query = parse("benefits OR pensions")

    assert query.and_operand() == "(benefits OR pensions)"
    narrowed = parse(query.and_operand() + " -@dept")
    assert not narrowed.matches(make_post("@dept benefits"))
    assert not narrowed.matches(make_post("@dept pensions"))
    assert narrowed.matches(make_post("benefits"))
    assert parse("council tax").and_operand() == "council tax"


ANCHORS = [
    ("tax", {"tax"}),
    ("Council Tax", {"council"}),  # one child of an AND is enough; the longest term is preferred
    ("tax OR benefits", {"tax", "benefits"}),
    ('"state of the art"', {"state"}),
    ("#NHS", {"#nhs", "＃nhs"}),
    ("@Dept", {"@dept", "＠dept"}),
    ("diacrítica", {"diacrítica", "diacritica", "diacri\u0301tica"}),  # and its decomposed spelling
    ("tax -council", {"tax"}),
    ("from:dept tax", {"tax"}),
    ("tax lang:en -is:retweet", {"tax"}),
    ("(tax OR benefits) (late OR missing OR delayed)", {"tax", "benefits"}),
    ("from:dept", None),
    ("to:dept", None),
    ("tax OR from:dept", None),
    ("from:dept lang:en", None),
]


@pytest.mark.parametrize(("query", "anchors"), ANCHORS, ids=[q for q, _ in ANCHORS])
def test_anchor_terms_are_lower_case_literals_or_none(query, anchors):
    expected = None if anchors is None else frozenset(anchors)

    assert parse(query).anchor_terms() == expected


def test_tokenize_splits_on_punctuation_symbols_and_spaces():
    assert tokenize("I like Coca-Cola! #NHS @dept_uk 😡😡 café") == [
        "i",
        "like",
        "coca",
        "cola",
        "nhs",
        "dept",
        "uk",
        "😡",
        "😡",
        "café",
    ]


def test_no_regular_expression_is_built_from_the_query(monkeypatch):
    compiled = []
    original = re.compile
    monkeypatch.setattr(re, "compile", lambda *args, **kwargs: compiled.append(args) or original(*args, **kwargs))

    query = parse('(a.*b OR "[x]+") -(c|d) #e')
    query.matches(make_post("a b [x] c d #e"))

    assert compiled == []


def test_a_syntax_error_survives_pickling():
    import pickle

    with pytest.raises(QuerySyntaxError) as caught:
        parse("(tax")

    copy = pickle.loads(pickle.dumps(caught.value))
    assert (copy.message, copy.position, str(copy)) == (caught.value.message, 0, caught.value.message)


def test_a_query_is_usable_as_a_dict_key():
    assert {parse("tax"): 1}[parse("TAX")] == 1
    assert isinstance(parse("tax"), Query)


def _nested(depth: int, inner: str = "tax") -> str:
    return "(" * depth + inner + ")" * depth


def test_brackets_nested_deeper_than_the_limit_are_refused_saying_how_deep():
    deepest = 255  # about as deep as fits in X's 512 characters
    with pytest.raises(QuerySyntaxError) as caught:
        parse(_nested(deepest))

    assert caught.value.message.startswith(f"Brackets are nested {deepest} deep at character 1; at most ")
    assert caught.value.position == 0


def test_brackets_nested_to_the_limit_parse_and_the_limit_can_be_lowered():
    from twitter_api.query import MAX_NESTING

    assert str(parse(_nested(MAX_NESTING))) == "tax"
    with pytest.raises(QuerySyntaxError) as caught:
        parse("a " + _nested(4, "b OR c"), max_nesting=3)
    assert caught.value.message == (
        "Brackets are nested 4 deep at character 3; at most 3 are allowed. Remove the brackets you don't need."
    )

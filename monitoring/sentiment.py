"""Sentiment that knows a public-sector complaint: VADER, a domain lexicon, and a few rules.

VADER alone reads "still waiting for my grant payment, it's been six weeks" as positive and "no reply after
three weeks" as neutral: the words that make a complaint to a department (waiting, chasing, on hold, weeks,
no reply) carry no valence in a general-purpose lexicon, and its sarcasm ("Great customer service as always:
nobody answers") reads as praise. This module adds:

- a domain lexicon (single words VADER weighs, on its -4..4 scale);
- complaint cues (phrases about delay, silence, failure and repetition), each pulling the score down;
- sarcasm: praise words together with a complaint cue are read as irony, so their positive weight counts against;
- resolution cues ("sorted", "arrived", "fixed") that keep thanks after a long wait from reading as a complaint;
- plain questions and third-person reports with no complaint cue are damped towards neutral.

The rules were written looking only at the "tune" rows of `tests/data/public_sector_posts.csv`; `bench/sentiment.py`
reports them on every row and on the held-out rows apart. A post "needs attention" when its score is at or below
`NEGATIVE` (VADER's own threshold for negative, also the inbox's "negative" filter).
"""

import re
from functools import cache, lru_cache

from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

NEGATIVE = -0.05

# Words a complaint to a department leans on, missing from VADER's lexicon (its scale: -4 to 4).
DOMAIN_LEXICON = {
    "waiting": -1.0,
    "waited": -0.8,
    "chasing": -1.5,
    "chased": -1.2,
    "overdue": -1.5,
    "crashing": -2.0,
    "crashed": -2.0,
    "crashes": -2.0,
    "unavailable": -1.2,
    "invalid": -1.2,
    "overcharged": -2.0,
    "misspell": -1.5,
    "misspelt": -1.5,
    "misspelled": -1.5,
    "unanswered": -1.5,
    "unacceptable": -2.5,
    "disgraceful": -2.8,
    "awaiting": -1.0,
    "wasted": -1.5,
    "shambles": -2.5,
    # Neutral in a department's context: a fee, a payment, a deadline are facts, not feelings.
    "pay": 0.0,
    "miss": 0.0,
    "fee": 0.0,
}

_NUMBER = r"(?:\d+|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|several|many|few)"
_UNIT = r"(?:hours?|days?|weeks?|months?|years?)"
_SERVICE = r"(?:website|site|web site|portal|system|page|form|link|button|app|online account|login|helpline|line|phone)"

# Complaint cues: (pattern, weight added to VADER's compound score). Each is a way of saying "you have let me down".
COMPLAINT_CUES: tuple[tuple[re.Pattern, float], ...] = tuple(
    (re.compile(pattern, re.IGNORECASE), weight)
    for pattern, weight in (
        # Still waiting, still nothing.
        (r"\bstill (?:waiting|no\b|nothing|not\b|haven'?t|hasn'?t|stuck|pending|processing|in progress|\")", -0.7),
        (r"\byet to (?:see|hear|get|receive)\b", -0.6),
        # Silence: no reply, nobody answers, never heard back.
        (
            r"\b(?:no|not a single|zero|0|never (?:had|got) an?|without an?y?)\s+"
            r"(?:reply|replies|response|responses|answers?|word|update|decision|explanation|"
            r"call ?back|calls answered)\b",
            -0.7,
        ),
        (r"\b(?:haven'?t|hasn'?t|have not|has not|never|not) (?:heard|had) (?:back|anything|a reply|a response)", -0.7),
        (r"\bheard nothing\b|\bnothing (?:since|back|from)\b|^\W*nothing\W*$|\.\s*nothing\.", -0.6),
        (
            r"\b(?:nobody|no one|no-one|anyone|someone) (?:has|have|will|seems|is going|at .{1,30}? seems)?\s*(?:to )?"
            r"(?:answers?|answered|replied|replies|reply|responds?|responded|picked up|knows?|tell|explain|look)",
            -0.6,
        ),
        (r"\b(?:never|not) (?:arrives?|arrived|received|came|comes|turns? up|picks? up|got through)\b", -0.7),
        (r"\bcan'?t get (?:through|a reply|an answer|hold)\b", -0.7),
        # Time passing: "for six weeks", "it's been two months", "week 15", "day 31", "third month".
        (
            rf"\b(?:for|after|over|since|been|it'?s been|now on|and|than)\s+"
            rf"(?:over\s+|almost\s+|nearly\s+)?{_NUMBER}\s+{_UNIT}\b",
            -0.6,
        ),
        (rf"\b{_NUMBER}\s+(?:{_UNIT}|week|hour)\s+(?:wait|hold|delay)\b", -0.6),
        (
            r"\b(?:week|day|month)\s+\d+\b|\b(?:second|third|fourth|fifth|sixth)\s+(?:month|week)\b|\band counting\b",
            -0.6,
        ),
        (
            r"\b\d+\s+(?:weeks|months)\b|\bwait (?:even )?longer\b|\bwait(?:ing|ed)? (?:for )?(?:weeks|months|ages)\b",
            -0.4,
        ),
        (r"\bawaiting (?:a |any )?(?:reply|response|decision|update)\b", -0.6),
        (
            r"\bwaiting (?:since|for|on)\b|\bsince (?:january|february|march|april|may|june|july|august|september|"
            r"october|november|december|last)\b",
            -0.5,
        ),
        # The phone: on hold, rang out, cut off.
        (r"\bon hold\b|\bhour hold\b|\brang out\b|\bcut off\b|\bwent dead\b|\bcall (?:drops|dropped)\b", -0.8),
        # Things that do not work.
        (
            rf"\b{_SERVICE}(?:'s|\s+is|\s+has been|\s+was|\s+keeps)?\s+(?:down|crash\w*|broken|not working|timed out|"
            r"timing out|does nothing|doesn'?t work|won'?t (?:accept|load|let)|can'?t take|"
            r"says (?:invalid|unavailable|error))",
            -0.8,
        ),
        (
            r"\b(?:keeps?|kept) (?:crashing|failing|timing out|deleting|losing)\b|\bdoesn'?t exist\b|\bdoes nothing\b",
            -0.7,
        ),
        (
            r"\b(?:won'?t|can'?t|cannot|couldn'?t|unable to) (?:accept|upload|log ?in|book|submit|"
            r"get|use|take|apply)\b",
            -0.5,
        ),
        (r"\blocked (?:me )?out\b|\bround in circles\b|\berror (?:every|each)\b", -0.7),
        # Money and records gone wrong.
        (
            r"\b(?:charged|charging|paid) (?:me )?twice\b|\bwrong (?:name|date|address|amount)\b|"
            r"\blost (?:my|all)\b|\bmisspel\w*",
            -0.8,
        ),
        (r"\bwhere(?: is|'s) my (?:payment|refund|money|licence|passport|grant|claim|application|letter)\b", -0.6),
        (
            r"\b(?:closed|stopped|cancelled|rejected) (?:my \w+ )?without\b|\b(?:without|"
            r"with no) (?:any )?(?:warning|notice|explanation)\b|"
            r"\bclosed my (?:case|claim|account)\b|\bworst (?:\w+ )?(?:service|experience)\b",
            -0.6,
        ),
        # Repetition and broken promises.
        (
            r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th)) (?:time|different)\b|\bhow many times\b|\bagain\.?$",
            -0.5,
        ),
        (r"\b(?:was|were|been) (?:told|promised)\b|\bhow (?:much longer|is it still|am i (?:meant|supposed))\b", -0.5),
        (r"\bwhat (?:now|am i meant to|am i supposed to|do i do if)\b|\bis anyone\b|\bis there actually\b", -0.5),
        # Stock replies quoted back at the department.
        (
            r"[\"“'](?:we'?ll get back to you|we'?re looking into it|it'?s with the team|processing|"
            r"pending|quick)[\"”']",
            -0.5,
        ),
        (r"\bwhy (?:has|hasn'?t|have|haven'?t|is|isn'?t|was|does|did|do)\b", -0.35),
    )
)

# Irony markers: praise said through gritted teeth.
IRONY = re.compile(
    r"\bthanks for nothing\b|\boh (?:great|brilliant|good|wow|joy|lovely)\b|\bwhat a surprise\b|\boh wait\b|"
    r"\bsaid no one\b|🙃|🙄|\bnot\.$|\bgenius\.?$|\baim harder\b|\bwho needs\b",
    re.IGNORECASE,
)
IRONY_WEIGHT = -0.8

# The problem was put right: thanks after a wait is praise, not a complaint.
RESOLUTION = re.compile(
    r"\b(?:sorted|fixed|resolved|arrived|came through|went through|approved|got my|finally got|all done|"
    r"it'?s done|dealt with|paid for|saved me|fixing)\b",
    re.IGNORECASE,
)
RESOLUTION_WEIGHT = 0.8

_NOT_RESOLVED = re.compile(r"(?:n'?t|\bnot|\bnever|\bno|\byet to be)\s+(?:\w+\s+){0,2}$", re.IGNORECASE)

# Phrases that name a measure or a plan, not a grievance ("waiting times fell", "planned maintenance").
NEUTRAL_PHRASES = re.compile(r"\bwaiting (?:times?|lists?|rooms?)\b|\bplanned maintenance\b", re.IGNORECASE)

_PERSONAL = re.compile(r"\b(?:i|i'?m|i'?ve|i'?d|my|me|we|our|us|you|your)\b", re.IGNORECASE)


@cache
def _vader() -> SentimentIntensityAnalyzer:
    return SentimentIntensityAnalyzer()


@cache
def _tuned() -> SentimentIntensityAnalyzer:
    analyser = SentimentIntensityAnalyzer()
    analyser.lexicon.update(DOMAIN_LEXICON)
    return analyser


def vader_score(text: str) -> float:
    """VADER's compound score alone, -1 to 1 (the baseline the bench compares against)."""
    return _vader().polarity_scores(text)["compound"]


@lru_cache(maxsize=20_000)
def sentiment_score(text: str) -> float:
    """The tuned score, -1 (needs attention) to 1. Cached by text: retweets and campaigns repeat texts exactly."""
    text = NEUTRAL_PHRASES.sub("", text)
    base = _tuned().polarity_scores(text)["compound"]
    cues = sum(weight for pattern, weight in COMPLAINT_CUES if pattern.search(text))
    irony = IRONY.search(text) is not None
    addressed = _PERSONAL.search(text) is not None or "@" in text
    if not addressed:
        # A report in the third person, addressed to no one, describes a problem:
        # it is not someone asking us to put theirs right.
        cues /= 2
    if cues > -1.5 and not irony and _resolved(text):
        return _clamp(base + RESOLUTION_WEIGHT + cues / 2)
    if cues or irony:
        # Praise words beside a complaint are irony: their weight counts against.
        return _clamp(-abs(base) + cues + (IRONY_WEIGHT if irony else 0.0))
    if base < 0 and (text.rstrip().endswith("?") or not addressed):
        # A plain question, or a report: negative words there describe, they do not complain.
        return _clamp(base * 0.1)
    return _clamp(base)


def _resolved(text: str) -> bool:
    """A resolution word not negated just before it ("it arrived", not "it hasn't arrived")."""
    return any(not _NOT_RESOLVED.search(text[: m.start()]) for m in RESOLUTION.finditer(text))


def _clamp(score: float) -> float:
    return round(max(-1.0, min(1.0, score)), 4)


def needs_attention(text: str) -> bool:
    return sentiment_score(text) <= NEGATIVE

"""Realistic, reproducible public activity aimed at the demo department, for the sandbox.

The same seed gives the same authors, texts and languages in the same order. Citizens complain to and
ask @DeptForExample, journalists ask the press office (@DeptExPress), people praise, talk about @MinisterJones and the
flagship policies, and a good share is unrelated noise (some of it with words a careless monitor would
catch). About one post in seven is not in English. Now and then a "storm" starts: a burst of complaints
about one problem, so spike alerts have something to find.

Use `Simulator(seed).next_post()` for one post's fields, `populate(state, count)` to fill an in-memory
SandboxState directly (200,000 posts in seconds, for benchmarks), or `python manage.py x_simulate`.
"""

import gc
import itertools
import random
from collections import deque
from datetime import UTC, datetime, timedelta

from twitter_api.sandbox.demo import DEMO_ACCOUNTS

# The demo department's handles, by kind, exactly as seed_demo creates them.
_DEMO_HANDLES = {
    kind: [handle for handle, _, k, *_ in DEMO_ACCOUNTS if k == kind]
    for kind in ("corporate", "press_office", "personal")
}
CORPORATE = _DEMO_HANDLES["corporate"][0]
PRESS_OFFICE = _DEMO_HANDLES["press_office"][0]
MINISTER, PERM_SEC = _DEMO_HANDLES["personal"][:2]

# Journalists the simulator writes as: recognisable, and ready for the monitoring demo's watchlist.
JOURNALIST_USERNAMES = (
    "bbc_jane_news",
    "guardian_tom",
    "ft_sarah_pol",
    "itv_mark_news",
    "sky_priya_news",
    "times_olivia",
    "reuters_ben_uk",
    "pa_media_lucy",
    "telegraph_raj",
    "politico_ana",
)
JOURNALIST_NAMES = {
    "bbc_jane_news": "Jane Reporter (BBC News)",
    "guardian_tom": "Tom Writer, The Guardian",
    "ft_sarah_pol": "Sarah Policy — FT",
    "itv_mark_news": "Mark Reports ITV News",
    "sky_priya_news": "Priya, Sky News",
    "times_olivia": "Olivia Desk | The Times",
    "reuters_ben_uk": "Ben (Reuters UK)",
    "pa_media_lucy": "Lucy at PA Media",
    "telegraph_raj": "Raj, Telegraph political desk",
    "politico_ana": "Ana — POLITICO Europe",
}

POLICIES = (
    ("Green Homes Grant", "GreenHomesGrant"),
    ("Example Skills Guarantee", "SkillsGuarantee"),
    ("Rural Broadband Pledge", "RuralBroadband"),
    ("Free School Breakfasts", "SchoolBreakfasts"),
    ("Bus Fare Cap", "BusFareCap"),
)
SERVICES = (
    "passport application",
    "benefit claim",
    "grant application",
    "licence renewal",
    "appeal",
    "refund",
    "online account",
    "helpline call",
)
PROBLEMS = (
    "the website keeps crashing",
    "the helpline rang out for an hour",
    "nobody has replied to my email in three weeks",
    "the online form will not accept my postcode",
    "I was charged twice",
    "the letter you sent has the wrong date",
    "the login page says 'service unavailable'",
    "my reference number is not recognised",
)
PLACES = ("Leeds", "Cardiff", "Bristol", "Glasgow", "Belfast", "Norwich", "Swansea", "Derby", "Hull", "Plymouth")
FIRST = (
    "sam", "alex", "jo", "chris", "priya", "mohammed", "olu", "megan", "dylan", "aisha", "tom", "kate", "ravi",
    "fiona", "gareth", "nia", "li", "tomasz", "ana", "ellie", "jamal", "rosie", "callum", "yusuf", "hannah",
)  # fmt: skip
SUFFIX = ("", "_uk", "123", "_writes", "x", "_says", "88", "_b", "jones", "_ldn", "smith", "_99")

EN = {
    "complaint": (
        "@{corp} {problem}. Trying to sort out my {service} and getting nowhere. Not good enough.",
        "Third time asking @{corp}: {problem}. Who do I speak to about my {service}?",
        "@{corp} absolutely fed up. {problem} and my {service} is now overdue",
        "Dear @{corp}, {problem}. Please fix it, people in {place} rely on this. #{tag}",
        "@{corp} why does every {service} take months? {problem}.",
        "Complaint to @{corp}: {problem}. Reference in DMs. https://www.gov.uk/complain",
    ),
    "question": (
        "@{corp} how long does a {service} take at the moment?",
        "Hi @{corp}, is the {policy} open to people renting in {place}?",
        "@{corp} quick question: can I still apply for the {policy} if I applied last year?",
        "Does anyone know if @{corp} has extended the deadline for the {policy}? #{tag}",
        "@{corp} where do I find the form for a {service}? The link on your site is broken",
        "@{corp} @{minister} when will the {policy} reach {place}?",
    ),
    "press": (
        "@{press} could you confirm whether the {policy} budget is being cut? Deadline 4pm.",
        "@{press} hi, writing about delays to {service}s in {place}. Can someone call me? DMs open",
        "Asked @{press} for comment on reports that {problem_lower}. Will update.",
        "@{press} @{corp} is the minister available for interview about the {policy} tomorrow?",
        "Request for comment @{press}: figures show applications to the {policy} have halved. Statement?",
        "@{press} can you share the embargoed release on the #{tag} announcement?",
    ),
    "praise": (
        "Credit where it's due: @{corp} sorted my {service} in two days. Thank you!",
        "Really helpful call with @{corp} this morning. The {policy} is making a difference in {place}",
        "Thanks @{corp} for the quick reply, all fixed now 👍",
        "The #{tag} scheme paid for our new boiler. Thank you @{minister} and @{corp} ❤️",
        "Well done @{corp}, the new online {service} took me ten minutes",
    ),
    "minister": (
        "@{minister} promised the {policy} would reach {place} by spring. Still waiting.",
        "Good to see @{minister} visiting {place} today to talk about the {policy}",
        "Is @{minister} going to answer questions about the {policy} or not? #PMQs",
        "Minister Jones on the radio this morning defending the {policy}. Not convinced.",
        "@{minister} @{permsec} the {policy} figures don't add up. Where has the money gone?",
        "Great speech from @{minister} on the #{tag} today",
    ),
    "policy": (
        "Applied for the {policy} today, fingers crossed #{tag}",
        "Anyone else still waiting for their {policy} payment? #{tag}",
        "Thread on what the #{tag} means for families in {place} 🧵",
        "The {policy} is a good idea badly delivered. #{tag}",
        "Our council says the {policy} money has not arrived yet #{tag}",
    ),
    "noise": (
        "Can't believe the football last night",
        "Anyone got a good recipe for banana bread?",
        "Train delayed again. Classic Monday.",
        "New episode of the podcast is out now https://example.org/podcast",
        "Working from {place} today, lovely coffee shop",
        "This is just an example of why I never go shopping on a Saturday",
        "The department store in {place} is closing down, sad times",
        "What a sunset 🌅 #{place}",
        "Grant me the patience to deal with this printer",
        "Is it just me or is the new phone update terrible",
        "Passport photo booths should be illegal, I look like a criminal",
    ),
}
OTHER_LANGUAGES = {
    "cy": (
        "@{corp} pryd fydd y wefan yn gweithio eto? Dw i wedi trio ers bore ma",
        "Diolch @{corp} am yr help gyda fy nghais heddiw",
        "@{corp} oes modd cael y ffurflen yn Gymraeg os gwelwch yn dda?",
    ),
    "fr": (
        "@{corp} bonjour, est-ce que le {policy} est ouvert aux résidents étrangers ?",
        "Le ministre @{minister} était à {place} aujourd'hui",
    ),
    "es": (
        "@{corp} hola, ¿cuánto tarda una solicitud de pasaporte ahora mismo?",
        "Gracias @{corp} por la respuesta tan rápida",
    ),
    "pl": (
        "@{corp} dzień dobry, czy formularz jest dostępny po polsku?",
        "Strona @{corp} znowu nie działa, próbuję od rana",
    ),
    "de": ("@{corp} Wie lange dauert die Bearbeitung meines Antrags?",),
    "ur": ("@{corp} کیا یہ فارم اردو میں دستیاب ہے؟",),
}
# Direct messages to the department's accounts: people who were asked to "send us a DM", or prefer to.
DIRECT_MESSAGES = (
    "Hi, you asked me to message you. My reference is {ref} and my {service} has been stuck for weeks.",
    "Hello, I didn't want to post this publicly: my {service} was refused and I don't understand why. Ref {ref}.",
    "Still waiting for a reply about my {service}, reference {ref}. Can someone call me back?",
    "Thank you for sorting out my {service} so quickly. Really appreciated.",
    "Can you tell me whether the {policy} covers people in {place}? I couldn't find it on the website.",
    "I was charged twice for my {service}. Reference {ref}. Please refund the second payment.",
)
DM_SHARE = 0.05  # about one message in twenty is sent privately

CATEGORY_WEIGHTS = (
    ("complaint", 24),
    ("question", 18),
    ("press", 9),
    ("praise", 9),
    ("minister", 10),
    ("policy", 10),
    ("noise", 20),
)
STORM_PROBLEMS = (
    ("the website is down", "websitedown"),
    ("the payment portal is showing other people's details", "dataleak"),
    ("the helpline has been closed all day", "helpline"),
)


class _Placeholders(dict):
    """Template values, drawn only when a template uses them (policy and tag are drawn together)."""

    def __init__(self, rng: random.Random):
        super().__init__(corp=CORPORATE, press=PRESS_OFFICE, minister=MINISTER, permsec=PERM_SEC)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        r = self.rng
        if key in ("policy", "tag"):
            self["policy"], self["tag"] = r.choice(POLICIES)
        elif key in ("problem", "problem_lower"):
            problem = r.choice(PROBLEMS)
            self["problem"], self["problem_lower"] = problem[0].upper() + problem[1:], problem
        elif key == "service":
            self[key] = r.choice(SERVICES)
        elif key == "place":
            self[key] = r.choice(PLACES)
        else:
            raise KeyError(key)
        return self[key]


class Simulator:
    """Generates post fields for SandboxState.inject_post; deterministic for a given seed."""

    def __init__(self, seed: int = 0):
        self.random = random.Random(seed)
        self.dm_random = random.Random(seed + 1_000_003)
        self.citizens = [
            f"{first}{suffix}{n or ''}"[:15] for n in range(4) for first in FIRST for suffix in SUFFIX[: 4 + n * 2]
        ]
        self.recent_ids: deque[str] = deque(maxlen=50)
        self.storm_left = 0
        self.storm: tuple[str, str] | None = None
        self.count = 0
        categories, weights = zip(*CATEGORY_WEIGHTS, strict=True)
        self._categories = categories
        self._cum_weights = list(itertools.accumulate(weights))

    def next_direct_message(self) -> dict | None:
        """Now and then, a private message to the corporate account (its own random stream: the public posts a
        seed gives stay the same); None most of the time."""
        r = self.dm_random
        if r.random() >= DM_SHARE:
            return None
        placeholders = _Placeholders(r)
        placeholders["ref"] = f"{r.choice('ABCDEFGH')}{r.randint(10000, 99999)}"
        return {
            "from": r.choice(self.citizens),
            "to": CORPORATE,
            "text": r.choice(DIRECT_MESSAGES).format_map(placeholders),
        }

    def remember(self, post_id: str) -> None:
        """Tell the simulator a post's id, so later posts may reply to it."""
        self.recent_ids.append(str(post_id))

    def _fill(self, template: str) -> str:
        return template.format_map(_Placeholders(self.random))

    def next_post(self) -> dict:
        r = self.random
        self.count += 1
        if self.storm_left == 0 and r.random() < 0.004:
            self.storm, self.storm_left = r.choice(STORM_PROBLEMS), r.randint(15, 40)
        if self.storm_left > 0:
            self.storm_left -= 1
            problem, tag = self.storm
            text = r.choice(
                (
                    f"@{CORPORATE} {problem}!! #{tag}",
                    f"Is anyone else finding {problem}? @{CORPORATE} #{tag}",
                    f"@{CORPORATE} {problem} and I have a deadline today",
                    f"Seriously @{CORPORATE}, {problem}. Sort it out. #{tag}",
                )
            )
            return self._post(r.choice(self.citizens), text, "en", "complaint", followers=r.randint(10, 3000))

        category = r.choices(self._categories, cum_weights=self._cum_weights)[0]
        if category in ("complaint", "question", "praise", "minister") and r.random() < 0.14:
            lang = r.choice(tuple(OTHER_LANGUAGES))
            text = self._fill(r.choice(OTHER_LANGUAGES[lang]))
            return self._post(r.choice(self.citizens), text, lang, category, followers=r.randint(5, 2000))
        text = self._fill(r.choice(EN[category]))
        if category == "press":
            author = r.choice(JOURNALIST_USERNAMES)
            return self._post(
                author,
                text,
                "en",
                category,
                followers=r.randint(8_000, 250_000),
                verified=True,
                name=JOURNALIST_NAMES[author],
            )
        post = self._post(r.choice(self.citizens), text, "en", category, followers=int(r.paretovariate(1.2) * 40))
        if category in ("complaint", "minister", "policy") and self.recent_ids and r.random() < 0.12:
            post["in_reply_to_post_id"] = r.choice(self.recent_ids)
        return post

    def _post(self, author, text, lang, category, *, followers, verified=False, name=None) -> dict:
        return {
            "author_username": author,
            "author_name": name or author.replace("_", " ").title(),
            "text": text,
            "lang": lang,
            "author_followers": min(followers, 5_000_000),
            "author_verified": verified,
            "category": category,
        }


def inject_kwargs(post: dict) -> dict:
    """The fields SandboxState.inject_post (and POST /_sandbox/posts) takes."""
    return {k: v for k, v in post.items() if k != "category"}


def populate(state, count: int, *, seed: int = 0, spread: timedelta = timedelta(days=6)) -> list[str]:
    """Inject `count` simulated posts straight into an in-memory SandboxState; returns their ids, oldest first.

    created_at is spread evenly over the last `spread` so the posts look like a week of activity.
    """
    simulator = Simulator(seed)
    now = datetime.now(tz=UTC)
    step = spread / max(count, 1)
    ids = []
    gc_was_enabled = gc.isenabled()
    gc.disable()  # millions of new long-lived objects: collection passes would make this quadratic
    try:
        with state.lock:
            _populate(state, simulator, count, now - spread, step, ids)
    finally:
        if gc_was_enabled:
            gc.enable()
    return ids


def _populate(state, simulator, count, start, step, ids) -> None:
    for n in range(count):
        fields = simulator.next_post()
        author = state.users_by_name.get(fields["author_username"].lower())
        if author is None:
            author = state.add_user(
                username=fields["author_username"],
                name=fields["author_name"],
                followers_count=fields["author_followers"],
                verified=fields["author_verified"],
            )
        stored = state.add_post(
            author=author,
            text=fields["text"],
            in_reply_to_post_id=fields.get("in_reply_to_post_id"),
            created_at=start + step * n,
            lang=fields["lang"],
        )
        simulator.remember(stored.post.id)
        ids.append(stored.post.id)

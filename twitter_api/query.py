"""X's search-query language: a parser, a canonical printer and a local matcher for what monitors use.

Supported: words, "exact phrases", implicit AND (a space), `OR`, `-` negation (of terms, operators and
parenthesised groups), parentheses, `#hashtag`, `@mention`, `from:`, `to:`, `lang:`, `is:retweet`,
`is:reply`, `has:links` and `conversation_id:`.

How it follows X's documentation (docs.x.com, "Build a query" and "Search operators"):

- Precedence: `-` binds tightest, then AND (a space), then `OR`: `apple OR iphone ipad` means
  `apple OR (iphone ipad)`.
- Keywords are a *tokenized* match, case-insensitive, on the post's text and the full URLs behind its
  links ("within the body or urls", so `gov` matches a t.co link to www.gov.uk). Text is split into
  tokens at punctuation, symbols and separators ("I like coca-cola" gives i, like, coca, cola); each
  emoji is a token of its own. So `tax` does not match "taxi" but does match "tax." and "#tax" (the `#`
  is a symbol, so the word inside a hashtag or a mention is a token too). A word containing punctuation
  (`covid-19`) is the phrase of its tokens, and is printed in double quotes, as X requires.
- "Exact phrases" match their tokens consecutively ("state of the art" matches "state-of-the-art").
- `#tag` and `@name` match X's entities exactly (case-insensitive): `#thanku` does not match #thankunext,
  and `#nhs` does not match the plain word "nhs".
- Diacritics: X's v2 documentation says a query *with* accents matches posts with and without them
  (`Diacrítica` matches Diacrítica and Diacritica); we do exactly that for words, phrases and hashtags.
  A query without accents matches only unaccented text. (X's older premium-search documentation says
  "and vice versa"; matching that would stop anchor terms being plain substrings of the text.)
- `from:` and `to:` take a username (case-insensitive) or a numeric user id; `to:` means "is a reply to
  that user". `lang:` is X's language classification of the post. `is:reply` is any reply.
  `has:links` is a post with URL entities or a URL in its text. `conversation_id:` takes a post id and matches
  the posts of that conversation (the post that started it, whose conversation id is its own, and every reply).
- X refuses queries made only of conjunction-required operators (`lang:`, `is:`, `has:`) or only of
  negations, and says not to negate groups. We refuse the former (more strictly: *every* alternative
  of an `OR` must contain a word, phrase, hashtag, mention, `from:` or `to:`), and we rewrite negated
  groups with De Morgan's laws, so the canonical string `str(query)` never negates a group.

No regular expression is ever built from user input: the tokeniser uses fixed patterns only.

For speed, analyse a post once (`analyse(post)`) and match it against many queries with
`query.matches_analysed(analysed)`; `query.matches(post)` does both for one-off checks.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from twitter_text import extract_urls

from twitter_api.text import mentioned_handles

__all__ = [
    "MAX_NESTING",
    "AnalysedPost",
    "Query",
    "QuerySyntaxError",
    "analyse",
    "combine_or",
    "parse",
    "searchable_text",
    "tokenize",
]


# --- Tokenising text (fixed patterns, built once at import) ----------------------------------------------


def _character_classes() -> tuple[str, str]:
    """Regex classes for combining marks (part of a word) and symbols such as emoji (a token each)."""
    marks, symbols = [], []
    for cp in range(0x20000):
        if 0xD800 <= cp <= 0xDFFF:
            continue
        category = unicodedata.category(chr(cp))
        if category in ("Mn", "Mc") and not (0xFE00 <= cp <= 0xFE0F):
            marks.append(cp)
        elif category == "So":
            symbols.append(cp)
    return _ranges(marks), _ranges(symbols)


def _ranges(code_points: list[int]) -> str:
    parts = []
    start = prev = code_points[0]
    for cp in code_points[1:] + [-1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(re.escape(chr(start)) if start == prev else f"{re.escape(chr(start))}-{re.escape(chr(prev))}")
        start = prev = cp
    return "".join(parts)


_MARKS, _SYMBOLS = _character_classes()
# A token is a run of letters, digits and combining marks, or a single symbol (emoji, ©...). Everything
# else (punctuation, `_`, `#`, `@`, spaces, joiners, variation selectors) separates tokens.
_TOKEN = re.compile(rf"(?:[^\W_]|[{_MARKS}])+|[{_SYMBOLS}]")
_BARE_WORD = re.compile(rf"(?:[^\W_]|[{_MARKS}])+")
_HASHTAG_BODY = re.compile(rf"(?:\w|[{_MARKS}])+")
_USERNAME = re.compile(r"[A-Za-z0-9_]{1,15}")
_NUMERIC_ID = re.compile(r"[0-9]{1,20}")
_POST_ID = re.compile(r"[1-9][0-9]{0,18}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
_OPERATOR_NAME = re.compile(r"[A-Za-z_]+")
# Fallbacks for posts whose entities were not supplied (X and the sandbox always supply them).
_TEXT_HASHTAG = re.compile(r"(?<![\w#＃&])[#＃](\w*[^\W\d]\w*)")

_QUOTES = '"“”'
_COMBINING_DIACRITICS = re.compile("[\u0300-\u036f]")


# For ASCII text: every byte but a-z and 0-9 becomes a space, so splitting on spaces gives exactly the
# tokens `[a-z0-9]+` would find, several times faster than the regex.
_ASCII_SEPARATORS = bytes(c if (48 <= c <= 57 or 97 <= c <= 122) else 32 for c in range(256))


def tokenize(text: str) -> list[str]:
    """The lowercase tokens X's keyword matching compares: `"I like Coca-Cola!"` -> i, like, coca, cola."""
    return _tokens(unicodedata.normalize("NFC", text).lower())


def _tokens(normalised_lower_text: str) -> list[str]:
    if normalised_lower_text.isascii():  # the same tokens, several times faster
        return normalised_lower_text.encode("ascii").translate(_ASCII_SEPARATORS).decode("ascii").split()
    return _TOKEN.findall(normalised_lower_text)


def _without_accents(term: str) -> str:
    return unicodedata.normalize("NFC", _COMBINING_DIACRITICS.sub("", unicodedata.normalize("NFD", term)))


def _variants(term: str) -> tuple[str, ...]:
    """What a query term matches: itself, and its unaccented form when it has accents (X's rule)."""
    plain = _without_accents(term)
    return (term,) if plain == term else (term, plain)


# --- Errors -------------------------------------------------------------------------------------------------


class QuerySyntaxError(ValueError):
    """A query X would refuse or that we can't run.

    `position` is the 0-based index of the offending character in the query as typed; `message` is
    plain English for a person and counts characters from 1 ("at character 1" is the first character).
    """

    def __init__(self, message: str, position: int):
        super().__init__(message, position)  # both in args, so the error pickles (e.g. into a job's result)
        self.message = message
        self.position = position

    def __str__(self) -> str:
        return self.message


def _esc(user_text: str) -> str:
    """User text quoted inside an error message template (which is filled with str.format)."""
    return user_text.replace("{", "{{").replace("}", "}}")


def _error(message: str, position: int) -> QuerySyntaxError:
    return QuerySyntaxError(message.format(at=f"at character {position + 1}"), position)


_SEARCHABLE = 'a word, "phrase", #hashtag, @mention, from: or to:'

# The parser and the tree recurse once or twice per level of brackets: 255 levels fit in X's 512 characters and
# would exhaust Python's stack. A query nested this deep still parses after packing doubles it (monitors are held
# to less: monitoring.forms.MONITOR_MAX_NESTING).
MAX_NESTING = 25


# --- The syntax tree (canonical: lowercase, negation only on single terms, AND/OR flattened) -----------------


@dataclass(frozen=True)
class Node:
    pos: int = field(default=0, compare=False, repr=False, kw_only=True)

    def compile(self) -> Callable[[AnalysedPost], bool]:
        """A function telling whether an analysed post matches: closures, for speed over many posts."""
        raise NotImplementedError

    def anchors(self) -> frozenset[str] | None:
        """Literal lowercase substrings, one of which every matching post's text contains; None if none."""
        return None

    def render(self, parent: Node | None = None) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class Term(Node):
    """A word, or an exact phrase: `tokens` must appear consecutively among the post's tokens."""

    raw: str
    tokens: tuple[str, ...]

    def compile(self) -> Callable[[AnalysedPost], bool]:
        options = tuple(frozenset(_variants(token)) for token in self.tokens)
        if len(options) == 1:
            (only,) = options
            if len(only) == 1:
                (token,) = only
                return lambda post: token in post.token_set
            return lambda post: not only.isdisjoint(post.token_set)
        first, rest = options[0], options[1:]
        span = len(rest)

        def phrase(post: AnalysedPost) -> bool:
            token_set = post.token_set
            for choice in options:
                if choice.isdisjoint(token_set):
                    return False
            tokens = post.tokens
            for start in range(len(tokens) - span):
                if tokens[start] in first:
                    for offset, choice in enumerate(rest, start + 1):
                        if tokens[offset] not in choice:
                            break
                    else:
                        return True
            return False

        return phrase

    def anchors(self) -> frozenset[str]:
        # The longest token is the most selective; a phrase's own spelling isn't safe ("state-of-the-art").
        return frozenset(_variants(max(self.tokens, key=len)))

    def render(self, parent: Node | None = None) -> str:
        bare = len(self.tokens) == 1 and self.raw == self.tokens[0] and _BARE_WORD.fullmatch(self.raw)
        return self.raw if bare else f'"{self.raw}"'


@dataclass(frozen=True)
class Hashtag(Node):
    tag: str

    def compile(self) -> Callable[[AnalysedPost], bool]:
        options = frozenset(_variants(self.tag))
        return lambda post: not options.isdisjoint(post.hashtags)

    def anchors(self) -> frozenset[str]:
        return frozenset(sign + option for option in _variants(self.tag) for sign in "#＃")

    def render(self, parent: Node | None = None) -> str:
        return f"#{self.tag}"


@dataclass(frozen=True)
class Mention(Node):
    username: str

    def compile(self) -> Callable[[AnalysedPost], bool]:
        username = self.username
        return lambda post: username in post.mentions

    def anchors(self) -> frozenset[str]:
        return frozenset({f"@{self.username}", f"＠{self.username}"})

    def render(self, parent: Node | None = None) -> str:
        return f"@{self.username}"


@dataclass(frozen=True)
class From(Node):
    user: str  # lowercase username, or a numeric id

    def compile(self) -> Callable[[AnalysedPost], bool]:
        user = self.user
        return lambda post: user == post.author_id or user == post.author_username

    def render(self, parent: Node | None = None) -> str:
        return f"from:{self.user}"


@dataclass(frozen=True)
class To(Node):
    user: str  # lowercase username, or a numeric id

    def compile(self) -> Callable[[AnalysedPost], bool]:
        user = self.user
        return lambda post: (
            post.in_reply_to_user_id is not None
            and (user == post.in_reply_to_user_id or user in post.reply_to_usernames)
        )

    def render(self, parent: Node | None = None) -> str:
        return f"to:{self.user}"


@dataclass(frozen=True)
class Conversation(Node):
    """`conversation_id:<post id>`: the posts of one conversation (X searches by it: it stands alone)."""

    conversation_id: str

    def compile(self) -> Callable[[AnalysedPost], bool]:
        wanted = self.conversation_id
        return lambda post: post.conversation_id == wanted

    def render(self, parent: Node | None = None) -> str:
        return f"conversation_id:{self.conversation_id}"


@dataclass(frozen=True)
class Lang(Node):
    code: str

    def compile(self) -> Callable[[AnalysedPost], bool]:
        code = self.code
        return lambda post: post.lang == code

    def render(self, parent: Node | None = None) -> str:
        return f"lang:{self.code}"


@dataclass(frozen=True)
class Is(Node):
    kind: str  # "retweet" | "reply"

    def compile(self) -> Callable[[AnalysedPost], bool]:
        if self.kind == "retweet":
            return lambda post: post.is_retweet
        return lambda post: post.is_reply

    def render(self, parent: Node | None = None) -> str:
        return f"is:{self.kind}"


@dataclass(frozen=True)
class Has(Node):
    kind: str  # "links"

    def compile(self) -> Callable[[AnalysedPost], bool]:
        return lambda post: post.has_links

    def render(self, parent: Node | None = None) -> str:
        return f"has:{self.kind}"


@dataclass(frozen=True)
class Not(Node):
    child: Node

    def compile(self) -> Callable[[AnalysedPost], bool]:
        child = self.child.compile()
        return lambda post: not child(post)

    def render(self, parent: Node | None = None) -> str:
        return "-" + self.child.render(self)


@dataclass(frozen=True)
class And(Node):
    children: tuple[Node, ...]

    def compile(self) -> Callable[[AnalysedPost], bool]:
        # Cheap tests first: a missing word rules a post out faster than a phrase scan.
        children = tuple(child.compile() for child in sorted(self.children, key=_cost))
        if len(children) == 2:
            first, second = children
            return lambda post: first(post) and second(post)

        def all_match(post: AnalysedPost) -> bool:
            for child in children:
                if not child(post):
                    return False
            return True

        return all_match

    def anchors(self) -> frozenset[str] | None:
        # Any one child's anchors will do; pick the fewest, longest terms (fewest candidate posts).
        found = [a for a in (child.anchors() for child in self.children) if a]
        return min(found, key=lambda a: (len(a), -min(map(len, a)))) if found else None

    def render(self, parent: Node | None = None) -> str:
        text = " ".join(child.render(self) for child in self.children)
        # AND binds tighter than OR, but we never rely on it: the grouping is always explicit.
        return f"({text})" if parent is not None else text


@dataclass(frozen=True)
class Or(Node):
    children: tuple[Node, ...]

    def compile(self) -> Callable[[AnalysedPost], bool]:
        children = tuple(child.compile() for child in sorted(self.children, key=_cost))
        if len(children) == 2:
            first, second = children
            return lambda post: first(post) or second(post)

        def any_match(post: AnalysedPost) -> bool:
            for child in children:
                if child(post):
                    return True
            return False

        return any_match

    def anchors(self) -> frozenset[str] | None:
        union: set[str] = set()
        for child in self.children:
            found = child.anchors()
            if not found:
                return None
            union |= found
        return frozenset(union)

    def render(self, parent: Node | None = None) -> str:
        text = " OR ".join(child.render(self) for child in self.children)
        return f"({text})" if parent is not None else text


_STANDALONE = (Term, Hashtag, Mention, From, To, Conversation)


def _cost(node: Node) -> int:
    """Rough relative cost of testing a node, to test cheap ones first (the result doesn't depend on it)."""
    if isinstance(node, Not):
        return _cost(node.child)
    if isinstance(node, (And, Or)):
        return 2 + sum(_cost(child) for child in node.children)
    if isinstance(node, Term):
        return len(node.tokens)
    return 1 if not isinstance(node, Has) else 3


def _searchable(node: Node) -> bool:
    """Whether `node` can only match posts found by something X searches for (not just filters)."""
    if isinstance(node, _STANDALONE):
        return True
    if isinstance(node, And):
        return any(_searchable(child) for child in node.children)
    if isinstance(node, Or):
        return all(_searchable(child) for child in node.children)
    return False


# --- The query --------------------------------------------------------------------------------------------


class Query:
    """A parsed, validated query. Equal queries have the same canonical form."""

    __slots__ = ("root", "source", "_text", "_anchors", "_match")

    def __init__(self, root: Node, source: str = ""):
        self.root = root
        self.source = source
        self._text = root.render()
        self._anchors = _with_decomposed_forms(root.anchors())
        self._match = root.compile()

    def __str__(self) -> str:
        return self._text

    def __repr__(self) -> str:
        return f"<Query {self._text!r}>"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Query) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    @property
    def length(self) -> int:
        """Characters the canonical query takes of X's query-length limit."""
        return len(self._text)

    def or_operand(self) -> str:
        """This query as one side of an `OR`: what `combine_or` joins (an AND is parenthesised)."""
        return f"({self._text})" if isinstance(self.root, And) else self._text

    def and_operand(self) -> str:
        """This query as one term of an AND (e.g. before a shared `-@handle` suffix): an OR is parenthesised."""
        return f"({self._text})" if isinstance(self.root, Or) else self._text

    def matches(self, post) -> bool:
        """Whether X would return `post` (an XPost, or an AnalysedPost from `analyse`) for this query."""
        if not isinstance(post, AnalysedPost):
            post = analyse(post)
        return self._match(post)

    def matches_analysed(self, post: AnalysedPost) -> bool:
        return self._match(post)

    @property
    def matcher(self) -> Callable[[AnalysedPost], bool]:
        """The compiled matcher itself, `matches_analysed` without the method call (for hot loops)."""
        return self._match

    def anchor_terms(self) -> frozenset[str] | None:
        """Lowercase literal terms, at least one of which is a substring of `searchable_text(post)` for
        every post this query matches (that is `post.text.lower()`, plus the full URLs behind links the
        text shows only as t.co); None when the query can match posts without any particular text (e.g. a
        `from:` alternative). For picking candidates with Aho-Corasick before calling `matches`."""
        return self._anchors


def _with_decomposed_forms(anchors: frozenset[str] | None) -> frozenset[str] | None:
    """Add each anchor's NFD spelling, so an anchor is found in a post's raw lowercased text even when the
    text arrived decomposed (matching normalises it; a substring search on the raw text doesn't)."""
    if not anchors:
        return anchors
    return anchors | {unicodedata.normalize("NFD", anchor) for anchor in anchors}


def combine_or(queries: list[Query]) -> str:
    """One query matching what any of `queries` matches, e.g. for packing monitors into one search."""
    return " OR ".join(query.or_operand() for query in queries)


# --- Lexer ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    kind: str  # "(", ")", "OR", "-", "term", "phrase"
    text: str
    pos: int


def _lex(query: str) -> list[_Token]:
    tokens: list[_Token] = []
    i, n = 0, len(query)
    while i < n:
        ch = query[i]
        if ch.isspace():
            i += 1
        elif ch in "()":
            tokens.append(_Token(ch, ch, i))
            i += 1
        elif ch in _QUOTES:
            end = next((j for j in range(i + 1, n) if query[j] in _QUOTES), -1)
            if end == -1:
                raise _error('Unclosed quote starting {at}: add a closing " after the exact words.', i)
            tokens.append(_Token("phrase", query[i + 1 : end], i))
            i = end + 1
        elif ch == "-":
            following = query[i + 1] if i + 1 < n else ""
            if not following or following.isspace() or following == ")":
                raise _error(
                    "Nothing after the minus sign {at}: put what to leave out straight after it, like -spam.", i
                )
            if following == "-":
                raise _error("Two minus signs in a row {at}: use one, like -spam.", i)
            tokens.append(_Token("-", ch, i))
            i += 1
        else:
            start = i
            while i < n and not query[i].isspace() and query[i] not in "()" and query[i] not in _QUOTES:
                i += 1
            word = query[start:i]
            if word == "OR":
                tokens.append(_Token("OR", word, start))
            elif word in ("AND", "NOT"):
                hint = (
                    "leave a space between terms to require both"
                    if word == "AND"
                    else "put a minus sign before what to leave out, like -spam"
                )
                raise _error(
                    f"X has no {word} operator {{at}}: {hint}. To search for the word, write it in lower case.", start
                )
            else:
                tokens.append(_Token("term", word, start))
    return tokens


# --- Parser -----------------------------------------------------------------------------------------------


class _Parser:
    def __init__(self, query: str, *, max_nesting: int = MAX_NESTING):
        self.query = query
        self.tokens = _lex(query)
        self.index = 0
        _check_nesting(self.tokens, max_nesting)

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def parse(self) -> Node:
        if not self.tokens:
            raise _error(f"The query is empty. Type what to search for: {_SEARCHABLE}.", 0)
        node = self.parse_or()
        leftover = self.peek()
        if leftover is not None:  # only a stray ")" can stop parse_or early
            raise _error("Unbalanced parenthesis {at}: this ) has no ( before it.", leftover.pos)
        return node

    def parse_or(self) -> Node:
        first = self.peek()
        if first is not None and first.kind == "OR":
            raise _error("OR {at} has nothing before it: put a term on each side of OR.", first.pos)
        items = [self.parse_and()]
        while (token := self.peek()) is not None and token.kind == "OR":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("OR", ")"):
                raise _error("Nothing after OR {at}: put a term on each side of OR.", token.pos)
            items.append(self.parse_and())
        return items[0] if len(items) == 1 else Or(tuple(items), pos=first.pos)

    def parse_and(self) -> Node:
        items = []
        start = self.peek()
        while (token := self.peek()) is not None and token.kind not in ("OR", ")"):
            items.append(self.parse_unary())
        if not items:
            if start is not None and start.kind == ")":
                raise _error("Unbalanced parenthesis {at}: this ) has no ( before it.", start.pos)
            raise _error(f"The query is empty. Type what to search for: {_SEARCHABLE}.", 0)
        return items[0] if len(items) == 1 else And(tuple(items), pos=start.pos)

    def parse_unary(self) -> Node:
        token = self.peek()
        if token.kind == "-":
            self.take()
            following = self.peek()
            if following is None or following.kind in ("OR", ")"):
                raise _error(
                    "Nothing after the minus sign {at}: put what to leave out straight after it, like -spam.",
                    token.pos,
                )
            return Not(self.parse_unary(), pos=token.pos)
        return self.parse_primary()

    def parse_primary(self) -> Node:
        token = self.take()
        if token.kind == "(":
            following = self.peek()
            if following is None:
                raise _error("Unbalanced parenthesis {at}: this ( is never closed.", token.pos)
            if following.kind == ")":
                raise _error("Empty parentheses {at}: put terms between them or remove them.", token.pos)
            inner = self.parse_or()
            closing = self.peek()
            if closing is None:
                raise _error("Unbalanced parenthesis {at}: this ( is never closed.", token.pos)
            self.take()
            return inner
        if token.kind == ")":
            raise _error("Unbalanced parenthesis {at}: this ) has no ( before it.", token.pos)
        if token.kind == "phrase":
            return _phrase(token)
        return _term(token)


def _check_nesting(tokens: list[_Token], limit: int) -> None:
    """Refuse brackets nested deeper than `limit`, before the recursive parser meets them."""
    open_brackets: list[_Token] = []
    deepest, outermost = 0, None  # how deep, and the outermost bracket of the first group that is too deep
    for token in tokens:
        if token.kind == "(":
            open_brackets.append(token)
            deepest = max(deepest, len(open_brackets))
            if len(open_brackets) > limit and outermost is None:
                outermost = open_brackets[0]
        elif token.kind == ")" and open_brackets:
            open_brackets.pop()
    if outermost is not None:
        raise _error(
            f"Brackets are nested {deepest} deep {{at}}; at most {limit} are allowed. Remove the brackets you "
            "don't need.",
            outermost.pos,
        )


def _phrase(token: _Token) -> Node:
    raw = " ".join(token.text.split()).lower()
    if not raw:
        raise _error("Empty quotes {at}: put the exact words to search for between them.", token.pos)
    tokens = tuple(tokenize(raw))
    if not tokens:
        raise _error(
            f'"{_esc(token.text)}" {{at}} has no letters, numbers or emoji that X can search for. Remove it.', token.pos
        )
    return Term(unicodedata.normalize("NFC", raw), tokens, pos=token.pos)


def _term(token: _Token) -> Node:
    text, pos = token.text, token.pos
    head, body = text[0], text[1:]
    if head in "#＃":
        if not body:
            raise _error("A # {at} needs the hashtag straight after it, like #NHS.", pos)
        if not _HASHTAG_BODY.fullmatch(body) or body.isdigit():
            raise _error(
                f"'{_esc(text)}' {{at}} is not a hashtag X recognises: hashtags are letters, numbers and underscores, "
                "not only numbers. To search for the text, put it in double quotes.",
                pos,
            )
        return Hashtag(unicodedata.normalize("NFC", body).lower(), pos=pos)
    if head in "@＠":
        if not body:
            raise _error("An @ {at} needs the username straight after it, like @GOVUK.", pos)
        if not _USERNAME.fullmatch(body):
            raise _error(
                f"'{_esc(text)}' {{at}} is not a username X recognises: usernames are up to 15 letters, numbers "
                "and underscores.",
                pos,
            )
        return Mention(body.lower(), pos=pos)
    if head == "$" and body[:1].isalpha():
        raise _error(
            f"Cashtags like '{_esc(text)}' {{at}} aren't supported in monitors. To search for the text, put it in "
            "double quotes.",
            pos,
        )
    name, colon, value = text.partition(":")
    if colon and _OPERATOR_NAME.fullmatch(name):
        return _operator(name.lower(), value, pos)
    tokens = tuple(tokenize(text))
    if not tokens:
        raise _error(f"'{_esc(text)}' {{at}} has no letters, numbers or emoji that X can search for. Remove it.", pos)
    return Term(unicodedata.normalize("NFC", text).lower(), tokens, pos=pos)


_OPERATORS_HELP = "Monitors understand from:, to:, lang:, is:retweet, is:reply and has:links"


def _operator(name: str, value: str, pos: int) -> Node:
    if name == "conversation_id":
        if not _POST_ID.fullmatch(value):
            raise _error(
                f"'{_esc(value)}' after conversation_id: {{at}} is not a post id: use the number at the end of the "
                "post's link, like conversation_id:1453231029364047873.",
                pos,
            )
        return Conversation(value, pos=pos)
    if name not in ("from", "to", "lang", "is", "has"):
        raise _error(
            f"Unknown operator '{name}:' {{at}}. {_OPERATORS_HELP}. To search for text containing a colon, put it "
            "in double quotes.",
            pos,
        )
    if not value:
        example = {"from": "from:GOVUK", "to": "to:GOVUK", "lang": "lang:en", "is": "is:reply", "has": "has:links"}
        raise _error(f"{name}: {{at}} needs a value straight after it, with no space, like {example[name]}.", pos)
    if name in ("from", "to"):
        user = value[1:] if value[:1] in "@＠" else value
        if not (_USERNAME.fullmatch(user) or _NUMERIC_ID.fullmatch(user)):
            raise _error(
                f"'{_esc(value)}' after {name}: {{at}} is not a username or user id: usernames are up to 15 letters, "
                "numbers and underscores.",
                pos,
            )
        return (From if name == "from" else To)(user.lower(), pos=pos)
    if name == "lang":
        if not _LANGUAGE.fullmatch(value):
            raise _error(
                f"'{_esc(value)}' after lang: {{at}} is not a language code: use X's codes, like lang:en or lang:cy.",
                pos,
            )
        return Lang(value.lower(), pos=pos)
    kinds = ("retweet", "reply") if name == "is" else ("links",)
    if value.lower() not in kinds:
        raise _error(f"'{name}:{_esc(value)}' {{at}} isn't supported. {_OPERATORS_HELP}.", pos)
    return (Is if name == "is" else Has)(value.lower(), pos=pos)


# --- Normalising and validating ----------------------------------------------------------------------------


def _normalise(node: Node, negate: bool = False, minus_pos: int = 0) -> Node:
    """Push negations down to single terms (De Morgan) and flatten nested ANDs and ORs."""
    if isinstance(node, Not):
        return _normalise(node.child, not negate, node.pos)
    if isinstance(node, (And, Or)):
        kind = (Or if isinstance(node, And) else And) if negate else type(node)
        children: list[Node] = []
        for child in node.children:
            normal = _normalise(child, negate, minus_pos)
            if type(normal) is kind:
                children.extend(normal.children)
            else:
                children.append(normal)
        return kind(tuple(children), pos=minus_pos if negate else node.pos)
    return Not(node, pos=minus_pos) if negate else node


def _validate(root: Node) -> None:
    if _searchable(root):
        return
    positives = list(_positive_atoms(root))
    if not any(isinstance(atom, _STANDALONE) for atom in positives):
        if not positives:
            raise _error(
                f"The query only leaves things out. X needs at least one thing to search for: {_SEARCHABLE}.",
                root.pos,
            )
        raise _error(
            f"lang:, is: and has: can only narrow a search. Add at least one thing to search for: {_SEARCHABLE}.",
            root.pos,
        )
    culprit = _unsearchable_alternative(root)
    raise _error(
        f"The part of the query {{at}} is one side of an OR with nothing to search for. Each side of OR needs "
        f"{_SEARCHABLE}.",
        culprit.pos,
    )


def _positive_atoms(node: Node):
    if isinstance(node, (And, Or)):
        for child in node.children:
            yield from _positive_atoms(child)
    elif not isinstance(node, Not):
        yield node


def _unsearchable_alternative(node: Node) -> Node:
    """The first alternative of an OR that makes `node` unsearchable (node itself if none is found)."""
    if isinstance(node, Or):
        for child in node.children:
            if not _searchable(child):
                return child if not isinstance(child, And) else _unsearchable_alternative(child)
    if isinstance(node, And):
        for child in node.children:
            if isinstance(child, Or) and not _searchable(child):
                return _unsearchable_alternative(child)
    return node


def parse(query: str, *, max_nesting: int = MAX_NESTING) -> Query:
    """Parse and validate `query`, raising QuerySyntaxError that says where the problem is and what to do.

    Brackets may be nested `max_nesting` deep at most."""
    root = _normalise(_Parser(query, max_nesting=max_nesting).parse())
    _validate(root)
    return Query(root, source=query)


# --- Posts, analysed once for matching many queries ---------------------------------------------------------


def searchable_text(post) -> str:
    """The text anchor terms are found in: the post's text, NFC-normalised and lowercased, followed by
    any full URLs (X's `expanded_url`/`unwound_url`) the text itself doesn't show, one per line.

    X matches keywords "within the body or urls" of a post, including the unwound URL behind a t.co
    link, so a word can match a post only through its link; for text posted with full URLs (as in the
    sandbox) this is just `post.text.lower()`, NFC-normalised."""
    text = unicodedata.normalize("NFC", post.text).lower()
    hidden = _hidden_urls(post, text)
    return "\n".join([text, *hidden]) if hidden else text


def _hidden_urls(post, text_lower: str) -> list[str]:
    found: list[str] = []
    for item in (post.entities or {}).get("urls") or ():
        for key in ("expanded_url", "unwound_url"):
            url = item.get(key)
            if url:
                url = unicodedata.normalize("NFC", url).lower()
                if url not in text_lower and url not in found:
                    found.append(url)
    return found


class AnalysedText:
    """What matching needs from a post's text and entities alone: lowercase tokens (computed up front, as nearly
    every query needs them), and hashtags, mentions and links (only when a query first asks for them). Posts
    with the same text and entities can share one (the sandbox's do)."""

    def __init__(self, text: str, entities: dict | None, *, body: str | None = None):
        # `body` is the text NFC-normalised and lowercased, when the caller has it already.
        self.raw = text
        self.entities = {} if entities is None else entities
        if body is None:
            body = unicodedata.normalize("NFC", text).lower()
        tokens = _tokens(body)
        hidden = _hidden_urls(self, body) if entities else ()
        for url in hidden:
            # A separator no query token can equal, so a phrase can't run from the text into a URL.
            tokens.append("\n")
            tokens.extend(_tokens(url))
        self.text = "\n".join([body, *hidden]) if hidden else body
        self.tokens: tuple[str, ...] = tuple(tokens)
        self.token_set = frozenset(tokens)

    @cached_property
    def hashtags(self) -> frozenset[str]:
        entities = self.entities
        if "hashtags" in entities:
            tags = [item.get("tag", "") for item in entities["hashtags"]]
        elif "#" in self.raw or "＃" in self.raw:
            tags = [m.group(1) for m in _TEXT_HASHTAG.finditer(self.raw)]
        else:
            return _NONE
        return frozenset(unicodedata.normalize("NFC", tag).lower() for tag in tags)

    @cached_property
    def mention_pairs(self) -> tuple[tuple[str, str | None], ...]:
        entities = self.entities
        if "mentions" in entities:
            return tuple((item.get("username", ""), item.get("id")) for item in entities["mentions"])
        if "@" in self.raw or "＠" in self.raw:
            return tuple((handle, None) for handle in mentioned_handles(self.raw))
        return ()

    @cached_property
    def mentions(self) -> frozenset[str]:
        pairs = self.mention_pairs
        return frozenset(username.lower() for username, _ in pairs) if pairs else _NONE

    @cached_property
    def has_links(self) -> bool:
        return bool(self.entities.get("urls")) or bool(extract_urls(self.raw))


_NONE: frozenset[str] = frozenset()


class AnalysedPost:
    """What matching needs from an XPost, computed once: its text's analysis (AnalysedText), author, reply,
    lang."""

    def __init__(
        self,
        post,
        *,
        reply_to_username: str | None = None,
        body: str | None = None,
        text: AnalysedText | None = None,
    ):
        # `body` is the post's text NFC-normalised and lowercased, when the caller has it already; `text` the
        # analysis of its text and entities, when the caller keeps one.
        self.post = post
        if text is None:
            text = AnalysedText(post.text, post.entities, body=body)
        self.analysed_text = text
        self.text = text.text
        self.tokens = text.tokens
        self.token_set = text.token_set
        author_id = post.author_id
        self.author_id = str(author_id) if author_id is not None else None
        author = getattr(post, "author", None)
        self.author_username = author.username.lower() if author is not None else None
        in_reply_to = post.in_reply_to_user_id
        self.in_reply_to_user_id = str(in_reply_to) if in_reply_to else None
        self._reply_to_username = reply_to_username
        lang = post.lang
        self.lang = lang.lower() if lang else None
        self.is_retweet = bool(post.is_retweet)
        self.is_reply = self.in_reply_to_user_id is not None or bool(post.reply_to_post_id)
        conversation_id = getattr(post, "conversation_id", None)
        self.conversation_id = str(conversation_id or post.id)

    @property
    def hashtags(self) -> frozenset[str]:
        return self.analysed_text.hashtags

    @property
    def mentions(self) -> frozenset[str]:
        return self.analysed_text.mentions

    @property
    def has_links(self) -> bool:
        return self.analysed_text.has_links

    @cached_property
    def reply_to_usernames(self) -> frozenset[str]:
        """Usernames `to:` accepts: the replied-to user's, when known from the caller or the entities."""
        if self.in_reply_to_user_id is None:
            return _NONE
        if self._reply_to_username:
            return frozenset({self._reply_to_username.lower()})
        return frozenset(
            username.lower()
            for username, user_id in self.analysed_text.mention_pairs
            if user_id == self.in_reply_to_user_id
        )


def analyse(post, *, reply_to_username: str | None = None) -> AnalysedPost:
    """Prepare `post` (an XPost) for matching against many queries.

    `to:username` needs the replied-to user's username; X's entities give it when the reply mentions
    that user (as replies do). A caller that knows it otherwise (the sandbox) may pass it.
    """
    return AnalysedPost(post, reply_to_username=reply_to_username)

"""X's API contract as JSON Schema: is an answer valid for the operation it answers, by X's own OpenAPI description
(spec 2.167, ../shared/reference/x-openapi/openapi.json)?

`validate(method, path, status, body, content_type=...)` finds the operation whose path template matches, the
response for the status (or the operation's `default`), the schema for the content type, and validates the body
with jsonschema (Draft 7, every `$ref` resolved inside the spec). It raises ContractError listing every violation.

Two widenings, both stated here so a reader knows what "valid" means:
- OpenAPI 3.0's `nullable: true` becomes JSON Schema's "or null" (the spec has 203 of them).
- A problem body (application/problem+json) may also be one of the problem types X documents but spec 2.167's
  `Problem` leaves out (PROBLEMS_BEYOND_THE_SPEC): X's generic problem (`about:blank`, what it sends for 401,
  403 and 429), `usage-capped`, `client-forbidden`, `unsupported-authentication`, and `credits` (the 402 seen
  when an account's credits run out). Each has the shape every X problem has: `type`, `title`, `detail`.

To cover a new sandbox endpoint: nothing to add here if the spec has it; add a call to `validate` in the test of
that endpoint (tests/twitter_api/test_sandbox_contract.py holds one per endpoint the sandbox serves).
"""

import copy
import json
import re
from functools import cache
from pathlib import Path

from jsonschema import Draft7Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

SPEC_URI = "urn:x-openapi-2.167"


def _spec_file() -> Path:
    """../shared/reference beside the checkout (found from any depth, so a git worktree finds it too)."""
    tail = Path("shared", "reference", "x-openapi", "openapi.json")
    for parent in Path(__file__).resolve().parents:
        if (parent / tail).exists():
            return parent / tail
    return Path(__file__).resolve().parents[3] / tail


SPEC_FILE = _spec_file()

_PROBLEM_BASE = {
    "type": "object",
    "required": ["type", "title", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}


def _problem(type_uri: str, **extra_properties) -> dict:
    schema = copy.deepcopy(_PROBLEM_BASE)
    schema["properties"]["type"] = {"type": "string", "enum": [type_uri]}
    schema["properties"].update(extra_properties)
    return schema


# Problem types X documents (https://docs.x.com/x-api/fundamentals/response-codes-and-errors, and bodies X was seen
# to send: ../shared/reference/x-platform-2026.md section 1) that spec 2.167's `Problem` leaves out.
PROBLEMS_BEYOND_THE_SPEC = {
    "about:blank": _problem("about:blank"),
    "usage-capped": _problem(
        "https://api.x.com/2/problems/usage-capped",
        period={"type": "string"},
        scope={"type": "string"},
        account_id={"type": "string"},
        product_name={"type": "string"},
    ),
    "client-forbidden": _problem("https://api.x.com/2/problems/client-forbidden", reason={"type": "string"}),
    "unsupported-authentication": _problem("https://api.x.com/2/problems/unsupported-authentication"),
    "credits": _problem("https://api.x.com/2/problems/credits", account_id={"type": "string"}),
}


class ContractError(AssertionError):
    """An answer the contract does not allow; the message lists each violation with where it is."""


def _widen(node):
    """OpenAPI 3.0 schema keywords as JSON Schema: `nullable: true` also allows null."""
    if isinstance(node, list):
        return [_widen(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _widen(value) for key, value in node.items()}
    if node.pop("nullable", False) is True:
        kind = node.get("type")
        if isinstance(kind, str) and "$ref" not in node:
            node["type"] = [kind, "null"]
            if "enum" in node:
                node["enum"] = [*node["enum"], None]
        else:
            node = {"anyOf": [node, {"type": "null"}]}
    return node


@cache
def spec() -> dict:
    """The spec with its schemas widened, and `Problem` widened by the problem types it leaves out."""
    document = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    document = _widen(document)
    problem = document["components"]["schemas"]["Problem"]
    problem["oneOf"] = [*problem["oneOf"], *PROBLEMS_BEYOND_THE_SPEC.values()]
    problem.pop("discriminator", None)
    # An activity event's payload is told apart by the envelope's event_type (a discriminator JSON Schema cannot
    # follow: "../event_type"); a post is also a valid like, so "exactly one of" is read as "one of them at least".
    payload = document["components"]["schemas"]["ActivityStreamingResponsePayload"]
    payload["anyOf"] = payload.pop("oneOf")
    payload.pop("discriminator", None)
    return document


@cache
def _registry() -> Registry:
    return Registry().with_resource(SPEC_URI, Resource.from_contents(spec(), default_specification=DRAFT7))


@cache
def _routes() -> list[tuple[re.Pattern, str]]:
    """(pattern, template) for every path of the spec, the templates with fewer parameters first (so /2/users/me
    is found before /2/users/{id})."""
    routes = []
    for template in spec()["paths"]:
        pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", r"[^/]+", re.escape(template)) + "$")
        routes.append((template.count("{"), template, pattern))
    return [(pattern, template) for _, template, pattern in sorted(routes)]


def operation(method: str, path: str) -> tuple[str, dict]:
    """The spec's (path template, operation) for a request path such as /2/tweets/123."""
    path = path.split("?", 1)[0]
    for pattern, template in _routes():
        if pattern.match(path):
            found = spec()["paths"][template].get(method.lower())
            if found is not None:
                return template, found
    raise ContractError(f"X's spec has no operation {method.upper()} {path}")


def response_schema(method: str, path: str, status: int, content_type: str = "application/json") -> str:
    """Where in the spec the schema of this answer is (a URI with a JSON pointer)."""
    template, found = operation(method, path)
    responses = found["responses"]
    code = str(status) if str(status) in responses else "default"
    if code not in responses:
        raise ContractError(f"{method.upper()} {template} has no response {status} (it has {sorted(responses)})")
    media = content_type.split(";", 1)[0].strip() or "application/json"
    content = responses[code].get("content", {})
    if media not in content:
        raise ContractError(f"{method.upper()} {template} {status} is not sent as {media} (only {sorted(content)})")
    steps = ["paths", template, method.lower(), "responses", code, "content", media, "schema"]
    return SPEC_URI + "#/" + "/".join(step.replace("~", "~0").replace("/", "~1") for step in steps)


def validate(method: str, path: str, status: int, body, *, content_type: str = "application/json") -> None:
    """Raise ContractError unless `body` is a valid answer `status` to `method path` as the spec describes it."""
    validator = Draft7Validator({"$ref": response_schema(method, path, status, content_type)}, registry=_registry())
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"- at {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message[:300]}" for e in errors[:20]]
        raise ContractError(f"{method.upper()} {path} {status} breaks X's contract:\n" + "\n".join(lines))

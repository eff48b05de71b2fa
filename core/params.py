"""Ids and free text read from query strings and forms, which anyone can type. Ids: only plain ASCII digits
that fit a database id.

`str.isdigit()` alone also accepts '²' and full-width digits (int() then raises or reads them as other numbers),
and any length (a 23-digit id overflows the database's integer): both were server errors.
"""

MAX_ID = 2**63 - 1


def row_id(value: object) -> int | None:
    """The id `value` names, or None when it names none."""
    if not isinstance(value, str) or not value.isascii() or not value.isdigit() or len(value) > 19:
        return None
    number = int(value)
    return number if 0 < number <= MAX_ID else None


def row_ids(values: list[str]) -> set[int]:
    return {number for number in map(row_id, values) if number is not None}


def typed(value: object) -> str:
    """What a person typed (a reason, a note, a comment), trimmed, as the database can keep it: NUL characters,
    which PostgreSQL refuses in text and which a form field would have refused, are removed."""
    return value.replace("\x00", "").strip() if isinstance(value, str) else ""


def posted_text(data, name: str) -> str:
    """Free text a form sent, read straight from it: see `typed`."""
    return typed(data.get(name, ""))

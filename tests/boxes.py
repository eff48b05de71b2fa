"""What a browser sends from the GOV.UK date input (core.forms.DateField): a day in three boxes."""

from datetime import date


def date_boxes(name: str, day: date | str) -> dict[str, str]:
    """{name}_day, {name}_month and {name}_year for a date (or an ISO 2027-03-28 string, even an impossible one)."""
    year, month, number = (day.isoformat() if isinstance(day, date) else day).split("-")
    return {f"{name}_day": number, f"{name}_month": month, f"{name}_year": year}

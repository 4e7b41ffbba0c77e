"""Dates of the knowledge graph: parsing RDF date literals and comparing them at mixed precision.

The graphs hold ``xsd:date`` ("1564-04-23"), ``xsd:gYear`` ("1564", BCE as "-0044"),
``xsd:gYearMonth`` and ``xsd:dateTime`` values. A year-only date stands for the whole
year, so "1600" is neither before nor after "1600-05-01": :meth:`KGDate.before` and
:meth:`KGDate.after` only answer ``True`` when the order is certain.

Example:
    >>> parse_date("-0044").before(parse_date("0014-08-19"))
    True
    >>> parse_date("1600").before(parse_date("1600-05-01"))
    False
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from functools import total_ordering
from typing import Any

from kgqa.errors import InputError

_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)

# -YYYY[-MM[-DD]][Thh:mm:ss[.s]][Z|+hh:mm]; four or more year digits as in XSD, fewer for plain strings.
_ISO = re.compile(
    r"^(?P<sign>[-+]?)(?P<year>\d{1,9})(?:-(?P<month>\d{1,2})(?:-(?P<day>\d{1,2}))?)?"
    r"(?:T\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?(?:Z|[+-]\d{2}:\d{2})?$"
)
# "44 BC", "44 BCE", "AD 14", "14 CE", "c. 1564"
_ERA = re.compile(
    r"^(?:c\.?\s*|circa\s+)?(?:(?P<pre>ad|ce)\s*)?(?P<year>\d{1,6})\s*(?P<era>bc|bce|b\.c\.|ad|ce|a\.d\.)?$"
)


@total_ordering
@dataclass(frozen=True)
class KGDate:
    """A calendar date at year, month or day precision; BCE years are negative ("-0044" is ``year=-44``).

    ``<``/``sorted`` give a total order for sorting (a year sorts before its months and days);
    use :meth:`before`/:meth:`after` for the logical question, which is ``False`` both ways
    when one date is only a year that contains the other.

    Attributes:
        year: the year, negative for BCE as written in XSD.
        month: 1-12, or ``None`` for a year-only date.
        day: 1-31, or ``None`` for year or month precision.
    """

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if self.month is None and self.day is not None:
            raise InputError(f"a date with a day needs a month (got year={self.year}, day={self.day})")
        if self.month is not None and not 1 <= self.month <= 12:
            raise InputError(f"month must be 1-12, got {self.month}")
        if self.day is not None and self.month is not None and not 1 <= self.day <= _DAYS[self.month - 1]:
            raise InputError(f"day {self.day} does not exist in month {self.month}")

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.month is None:
            return "year"
        return "month" if self.day is None else "day"

    def _key(self) -> tuple[int, int, int]:
        return (self.year, self.month or 0, self.day or 0)

    def __lt__(self, other: object) -> bool:
        if not isinstance(other, KGDate):
            return NotImplemented
        return self._key() < other._key()

    def _common(self, other: KGDate) -> tuple[tuple[int, ...], tuple[int, ...]]:
        """Both dates cut to the precision they share."""
        a = (self.year, self.month, self.day)
        b = (other.year, other.month, other.day)
        n = 1
        while n < 3 and a[n] is not None and b[n] is not None:
            n += 1
        return tuple(x for x in a[:n] if x is not None), tuple(x for x in b[:n] if x is not None)

    def before(self, other: KGDate) -> bool:
        """Whether this date is certainly earlier than ``other``.

        Example:
            >>> KGDate(1564).before(KGDate(1616, 4, 23))
            True
        """
        a, b = self._common(other)
        return a < b

    def after(self, other: KGDate) -> bool:
        """Whether this date is certainly later than ``other``."""
        a, b = self._common(other)
        return a > b

    def overlaps(self, other: KGDate) -> bool:
        """Whether the two dates may be the same day (equal at their shared precision)."""
        a, b = self._common(other)
        return a == b

    def isoformat(self) -> str:
        """XSD lexical form: ``"1564-04-23"``, ``"1564"``, ``"-0044"``."""
        sign = "-" if self.year < 0 else ""
        text = f"{sign}{abs(self.year):04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
        if self.day is not None:
            text += f"-{self.day:02d}"
        return text

    def text(self) -> str:
        """Readable form: ``"23 April 1564"``, ``"44 BC"``."""
        year = f"{-self.year} BC" if self.year < 0 else str(self.year)
        if self.month is None:
            return year
        month = _dt.date(2000, self.month, 1).strftime("%B")
        return f"{self.day} {month} {year}" if self.day is not None else f"{month} {year}"

    def __str__(self) -> str:
        return self.isoformat()


def parse_date(value: Any) -> KGDate | None:
    """Read a date from an RDF literal, a string, an int or a ``datetime.date``.

    Accepts ``xsd:date``, ``xsd:gYear``, ``xsd:gYearMonth`` and ``xsd:dateTime`` lexical
    forms (with an optional time zone), plain years ("1564") and "44 BC"/"AD 14".

    Returns:
        The date, or ``None`` when the value is not a date.

    Example:
        >>> parse_date("1564-04-23T00:00:00Z")
        KGDate(year=1564, month=4, day=23)
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, KGDate):
        return value
    if isinstance(value, _dt.date):  # datetime.datetime is a date too
        return KGDate(value.year, value.month, value.day)
    if isinstance(value, int):
        return KGDate(value)
    text = str(value).strip()  # an rdflib Literal is a str: its lexical form
    match = _ISO.match(text)
    try:
        if match:
            year = int(match["year"]) * (-1 if match["sign"] == "-" else 1)
            if match["month"] is None and len(match["year"]) > 6:
                return None  # a long number, not a year
            month = int(match["month"]) if match["month"] else None
            day = int(match["day"]) if match["day"] else None
            return KGDate(year, month, day)
        match = _ERA.match(text.casefold())
        if match:
            year = int(match["year"])
            era = (match["era"] or "").replace(".", "")
            return KGDate(-year if era in ("bc", "bce") else year)
    except InputError:
        return None
    return None


__all__ = ["KGDate", "parse_date"]

from __future__ import annotations

import datetime as dt

import pytest
from rdflib import Literal
from rdflib.namespace import XSD

from kgqa.errors import InputError
from kgqa.graph.dates import KGDate, parse_date


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Literal("1564-04-23", datatype=XSD.date), KGDate(1564, 4, 23)),
        (Literal("1564", datatype=XSD.gYear), KGDate(1564)),
        (Literal("-0044", datatype=XSD.gYear), KGDate(-44)),
        (Literal("-0044-03-15", datatype=XSD.date), KGDate(-44, 3, 15)),
        (Literal("1969-07-20T20:17:40Z", datatype=XSD.dateTime), KGDate(1969, 7, 20)),
        (Literal("1815-06", datatype=XSD.gYearMonth), KGDate(1815, 6)),
        ("1564", KGDate(1564)),
        ("1564-04-23+01:00", KGDate(1564, 4, 23)),
        ("44 BC", KGDate(-44)),
        ("AD 14", KGDate(14)),
        (1600, KGDate(1600)),
        (dt.date(1616, 4, 23), KGDate(1616, 4, 23)),
    ],
)
def test_parse_date_forms(value: object, expected: KGDate) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize("value", ["Hamlet", "", None, "1564-13-01", "1564-02-30", "12345678", True])
def test_parse_date_rejects_non_dates(value: object) -> None:
    assert parse_date(value) is None


def test_year_precision_is_not_strictly_ordered() -> None:
    year, day = KGDate(1600), KGDate(1600, 5, 1)
    assert not year.before(day) and not year.after(day)
    assert not day.before(year) and not day.after(year)
    assert year.overlaps(day)
    assert KGDate(1600, 4).before(KGDate(1600, 5, 1))
    assert KGDate(1599).before(KGDate(1600, 5, 1))
    assert KGDate(1601).after(KGDate(1600, 12, 31))


def test_bce_dates_compare_before_ce() -> None:
    caesar_born, ides = parse_date("-0100"), parse_date("-0044-03-15")
    augustus_died = parse_date("0014-08-19")
    assert caesar_born is not None and ides is not None and augustus_died is not None
    assert caesar_born.before(ides) and ides.before(augustus_died)
    assert augustus_died.after(caesar_born)
    assert parse_date("-0044-03-14").before(ides)
    assert sorted([augustus_died, ides, caesar_born]) == [caesar_born, ides, augustus_died]


def test_format_and_precision() -> None:
    assert KGDate(-44).isoformat() == "-0044" and KGDate(-44).text() == "44 BC"
    assert KGDate(1564, 4, 23).text() == "23 April 1564" and str(KGDate(1564, 4, 23)) == "1564-04-23"
    assert [KGDate(1).precision, KGDate(1, 2).precision, KGDate(1, 2, 3).precision] == ["year", "month", "day"]
    assert parse_date(KGDate(1564, 4, 23).isoformat()) == KGDate(1564, 4, 23)


def test_invalid_kgdate_raises_input_error() -> None:
    with pytest.raises(InputError, match="month"):
        KGDate(1564, 13)
    with pytest.raises(InputError):
        KGDate(1564, None, 3)

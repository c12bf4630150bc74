"""``mdy``, ``mdy_hm``, ``ymd_hm`` and ``money`` write what Django's ``date:"m/d/Y"``,
``date:"m/d/Y g:i A"``, ``date:"Y-m-d H:i"`` and ``floatformat:"2g"`` write."""

import datetime
import decimal
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import timezone

AMOUNTS = [
    decimal.Decimal("0"),
    decimal.Decimal("0.00"),
    decimal.Decimal("1234.5"),
    decimal.Decimal("1234567.891"),
    decimal.Decimal("-1234.56"),
    decimal.Decimal("0.005"),
    decimal.Decimal("2.675"),
    decimal.Decimal("-0.004"),
    decimal.Decimal("99999999.995"),
    12,
    3.14159,
    "45.6",
    "not a number",
    None,
    "",
]

DATES = [
    datetime.date(2026, 12, 2),
    datetime.date(2026, 1, 9),
    datetime.datetime(2026, 3, 8, 5, 30, tzinfo=datetime.UTC),  # 11:30 PM the day before in Chicago
    datetime.datetime(2026, 7, 4, 12, 0, tzinfo=ZoneInfo("America/Chicago")),
    None,
    "",
    "2026-12-02",
]


def _render(source: str, value) -> str:
    return Template(source).render(Context({"value": value}))


@pytest.mark.parametrize("value", AMOUNTS, ids=repr)
def test_money_matches_floatformat_2g(value):
    assert _render("{{ value|money }}", value) == _render('{{ value|floatformat:"2g" }}', value)


@pytest.mark.parametrize("value", DATES, ids=repr)
def test_mdy_matches_the_date_filter(value):
    assert _render("{{ value|mdy }}", value) == _render('{{ value|date:"m/d/Y" }}', value)


DATE_TIMES = [
    datetime.datetime(2026, 3, 8, 5, 30, tzinfo=datetime.UTC),  # 11:30 PM the day before in Chicago
    datetime.datetime(2026, 7, 4, 12, 0, tzinfo=ZoneInfo("America/Chicago")),  # noon
    datetime.datetime(2026, 7, 4, 0, 5, tzinfo=ZoneInfo("America/Chicago")),  # just after midnight
    datetime.datetime(2026, 11, 1, 6, 59, tzinfo=datetime.UTC),  # the night the clocks go back
    datetime.datetime(2026, 1, 9, 13, 7, 59, tzinfo=ZoneInfo("America/Chicago")),
    datetime.datetime(2026, 12, 2, 23, 59),  # naive
    None,
    "",
    "2026-12-02 10:00",
]


@pytest.mark.parametrize("value", DATE_TIMES, ids=repr)
@pytest.mark.parametrize(("ours", "django"), [("mdy_hm", "m/d/Y g:i A"), ("ymd_hm", "Y-m-d H:i")])
def test_date_time_filters_match_the_date_filter(value, ours, django):
    source = "{{ value|" + ours + " }}"
    assert _render(source, value) == _render('{{ value|date:"' + django + '" }}', value)


def test_mdy_hm_writes_twelve_hour_time_in_the_portals_zone():
    late = datetime.datetime(2026, 3, 8, 5, 30, tzinfo=datetime.UTC)
    assert _render("{{ value|mdy_hm }}", late) == "03/07/2026 11:30 PM"
    assert _render("{{ value|ymd_hm }}", late) == "2026-03-07 23:30"
    with timezone.override("UTC"):
        assert _render("{{ value|mdy_hm }}", late) == "03/08/2026 5:30 AM"


def test_mdy_shows_an_aware_time_on_the_portals_day():
    late = datetime.datetime(2026, 3, 8, 5, 30, tzinfo=datetime.UTC)
    assert _render("{{ value|mdy }}", late) == "03/07/2026"
    with timezone.override("UTC"):
        assert _render("{{ value|mdy }}", late) == "03/08/2026"


def test_money_escapes_nothing_it_did_not_make():
    assert _render("{{ value|money }}", "<b>1</b>") == ""

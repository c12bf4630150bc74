"""Keyset pagination for long lists: no COUNT(*) and the same cost on page 1 and page 10,000.

``keyset_page(queryset, order=("-received_date", "-id"), after=request.GET.get("after"))``
returns a page of rows and an opaque cursor for the next page. The last field of ``order`` must
be unique (the primary key), so the order is total.
"""

import base64
import datetime
import decimal
import json
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

DEFAULT_PAGE_SIZE = 50


@dataclass
class KeysetPage:
    rows: list[Any]
    next_cursor: str | None
    is_first: bool
    page_size: int
    extra: dict = field(default_factory=dict)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self):
        return len(self.rows)


def _encode_value(value):
    if isinstance(value, datetime.datetime):
        return {"dt": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"d": value.isoformat()}
    if isinstance(value, decimal.Decimal):
        return {"dec": str(value)}
    if isinstance(value, uuid.UUID):
        return {"u": str(value)}
    return value


def _decode_value(value):
    if isinstance(value, dict):
        if "dt" in value:
            return datetime.datetime.fromisoformat(value["dt"])
        if "d" in value:
            return datetime.date.fromisoformat(value["d"])
        if "dec" in value:
            return decimal.Decimal(value["dec"])
        if "u" in value:
            return uuid.UUID(value["u"])
    return value


def encode_cursor(values: list) -> str:
    raw = json.dumps([_encode_value(v) for v in values], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str, expected: int) -> list | None:
    """The cursor's values, or None for a malformed one (treated as the first page)."""
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
        if not isinstance(values, list) or len(values) != expected:
            return None
        return [_decode_value(v) for v in values]
    except (ValueError, TypeError, json.JSONDecodeError):
        return None


def _after_q(order: tuple[str, ...], values: list) -> Q:
    """Rows strictly after ``values`` in ``order``: (a > va) OR (a = va AND b > vb) ..."""
    condition = Q()
    equal = Q()
    for name, value in zip(order, values, strict=True):
        field_name = name.lstrip("-")
        if value is None:
            # NULLs are not used in keyset orders here; a cursor holding one restarts the list.
            return Q()
        lookup = "lt" if name.startswith("-") else "gt"
        condition |= equal & Q(**{f"{field_name}__{lookup}": value})
        equal &= Q(**{field_name: value})
    return condition


def keyset_page(
    queryset: QuerySet,
    *,
    order: tuple[str, ...],
    after: str | None = None,
    page_size: int = DEFAULT_PAGE_SIZE,
) -> KeysetPage:
    values = decode_cursor(after, len(order)) if after else None
    rows = None
    if values is not None:
        try:
            rows = list(queryset.filter(_after_q(order, values)).order_by(*order)[: page_size + 1])
        except (ValueError, TypeError, decimal.InvalidOperation, ValidationError):
            # A hand-made cursor whose values do not fit the fields: start from the first page.
            values = None
    if rows is None:
        rows = list(queryset.order_by(*order)[: page_size + 1])
    next_cursor = None
    if len(rows) > page_size:
        rows = rows[:page_size]
        last = rows[-1]
        next_cursor = encode_cursor([_attr(last, name.lstrip("-")) for name in order])
    return KeysetPage(rows=rows, next_cursor=next_cursor, is_first=values is None, page_size=page_size)


def _attr(obj, dotted: str):
    for part in dotted.split("__"):
        obj = obj[part] if isinstance(obj, dict) else getattr(obj, part)
    if hasattr(obj, "pk") and not isinstance(obj, (int, str)):
        return obj.pk
    return obj

"""The audit viewer page and its CSV export, for any set of events a view may show.

The views that choose the events live with their audience: the Control Panel's in ``portal``
(every event), the account managers' in ``user_management`` (their TINs').
"""

import csv
import datetime
import json

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone

from audit.forms import AuditFilterForm
from audit.models import AuditEvent
from audit.selectors import EVENT_ORDER, audit_events_filter
from audit.services import audit_log_exported
from audit.text import event_sentence
from core.pagination import decode_cursor, keyset_page

PAGE_SIZE = 50
EXPORT_CHUNK_SIZE = 2000
SCOPE_ALL, SCOPE_MANAGER = "all", "manager"


def _checked_cursor(after: str | None) -> str | None:
    """The cursor when it holds an aware time and an integer id, else None (the first page).

    A well-formed cursor with values of the wrong type (a hand-made URL) would otherwise reach
    the query: a naive time warns, a string fails inside the database driver.
    """
    values = decode_cursor(after, len(EVENT_ORDER)) if after else None
    if values is None:
        return None
    occurred_at, pk = values
    if not isinstance(occurred_at, datetime.datetime) or timezone.is_naive(occurred_at):
        return None
    if not isinstance(pk, int) or isinstance(pk, bool):
        return None
    return after


def audit_page(
    request: HttpRequest, *, events: QuerySet[AuditEvent], scope: str, export_url: str, title: str
) -> HttpResponse:
    form = AuditFilterForm(request.GET)
    page = rows = None
    if form.is_valid():
        page = keyset_page(
            audit_events_filter(events, **form.filters()),
            order=EVENT_ORDER,
            after=_checked_cursor(request.GET.get("after")),
            page_size=PAGE_SIZE,
        )
        rows = [(event, event_sentence(event)) for event in page]
    return render(
        request,
        "audit/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": rows,
            "scope": scope,
            "export_url": export_url,
            "title": title,
            "time_zone": timezone.get_current_timezone_name(),
        },
    )


# --- CSV export ----------------------------------------------------------------------------------

CSV_COLUMNS_AFTER_TIME = [
    "actor",
    "action",
    "sentence",
    "target type",
    "target id",
    "organization TIN",
    "IP address",
    "user agent",
    "details",
]


def csv_header() -> list[str]:
    """The header row; the time column names the portal's time zone, the one the page shows."""
    return [f"time ({settings.TIME_ZONE})", *CSV_COLUMNS_AFTER_TIME]


# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: str) -> str:
    """The cell as text a spreadsheet will not run: a formula-like start gets a leading quote."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell


def _csv_row(event) -> list[str]:
    return [
        neutralise(cell)
        for cell in (
            # The page's time zone, with its UTC offset, so a spreadsheet and the page agree.
            timezone.localtime(event.occurred_at).isoformat(),
            event.actor_email,
            event.action,
            event_sentence(event),
            event.target_type,
            event.target_id,
            event.organization.tin if event.organization_id else "",
            event.ip_address or "",
            event.user_agent,
            json.dumps(event.details, sort_keys=True, ensure_ascii=False),
        )
    ]


class _Echo:
    """A file-like object whose write returns the line, for csv.writer over a generator."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(events):
    writer = csv.writer(_Echo())
    yield writer.writerow(csv_header())
    for event in events.order_by(*EVENT_ORDER).iterator(chunk_size=EXPORT_CHUNK_SIZE):
        yield writer.writerow(_csv_row(event))


def audit_export(request: HttpRequest, *, events: QuerySet[AuditEvent], scope: str, page_url: str) -> HttpResponseBase:
    form = AuditFilterForm(request.GET)
    if not form.is_valid():
        # The page shows what is wrong; the export never runs on filters it cannot apply.
        return redirect(f"{page_url}?{request.GET.urlencode()}")
    audit_log_exported(actor=request.user, filters=form.summary(), scope=scope, request=request)
    filename = f"audit-log-{timezone.localdate():%Y-%m-%d}.csv"
    response = StreamingHttpResponse(
        _csv_lines(audit_events_filter(events, **form.filters())),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

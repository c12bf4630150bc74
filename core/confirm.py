"""Ask before a destructive action, without script.

The action's form posts as usual. The view checks access and validates the input first (so an
outsider still gets 404 and a missing comment its error on the original page), then calls
``confirmation_page``: without ``confirmed=yes`` in the POST it returns a page that says what will
happen and re-posts the same fields, with a Cancel link back; with it, the view goes on.

A view whose form holds typed changes may also offer ``back_label``: a button that re-posts the
fields with ``confirmed=no``, so the view shows its form again with everything still typed in
(``confirmation_declined``) instead of the saved state Cancel goes back to.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

CONFIRM_FIELD = "confirmed"
_NOT_REPOSTED = {"csrfmiddlewaretoken", CONFIRM_FIELD}


def confirmation_page(
    request: HttpRequest,
    *,
    title: str,
    consequences: list[str],
    confirm_label: str,
    cancel_url: str,
    breadcrumbs: list[tuple[str, str]] | None = None,
    back_label: str = "",
) -> HttpResponse | None:
    """``None`` when the user has confirmed; otherwise the confirmation page to return.

    ``consequences`` are plain sentences saying what will happen ("Their sessions end at once.").
    ``breadcrumbs`` are ``(label, url)`` pairs shown before the title.
    """
    if request.POST.get(CONFIRM_FIELD) == "yes":
        return None
    fields = [(name, value) for name, values in request.POST.lists() if name not in _NOT_REPOSTED for value in values]
    return render(
        request,
        "portal/confirm.html",
        {
            "title": title,
            "consequences": consequences,
            "confirm_label": confirm_label,
            "cancel_url": cancel_url,
            "fields": fields,
            "action": request.get_full_path(),
            "trail": breadcrumbs or [],
            "back_label": back_label,
        },
    )


def confirmation_declined(request: HttpRequest) -> bool:
    """The user chose "go back" on the confirmation page: show the form again as they left it."""
    return request.method == "POST" and request.POST.get(CONFIRM_FIELD) == "no"

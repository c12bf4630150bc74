"""Backup codes after enrollment: how many are left, and new ones on request."""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.services.mfa import BACKUP_CODE_COUNT, backup_codes_remaining, backup_codes_replace
from core.confirm import confirmation_page


@never_cache
@require_http_methods(["GET", "POST"])
def backup_codes(request: HttpRequest) -> HttpResponse:
    """GET: how many codes are left. POST (after a confirmation): new codes, shown once."""
    user = request.user
    if request.method == "POST":
        home = reverse("accounts:backup_codes")
        trail = [] if user.is_payer_staff else [("My Profile", reverse("accounts:profile"))]
        asked = confirmation_page(
            request,
            title="Make new backup codes?",
            consequences=[
                "Your current backup codes stop working at once, printed or saved ones included.",
                f"{BACKUP_CODE_COUNT} new codes are shown one time only: "
                "have a printer or your password manager ready.",
            ],
            confirm_label="Make new backup codes",
            cancel_url=home,
            breadcrumbs=[*trail, ("Backup codes", home)],
        )
        if asked is not None:
            return asked
        codes = backup_codes_replace(user=user, request=request)
        return render(request, "accounts/mfa_backup_codes.html", {"codes": codes, "next": home})
    return render(
        request,
        "accounts/backup_codes.html",
        {"remaining": backup_codes_remaining(user=user), "total": BACKUP_CODE_COUNT},
    )

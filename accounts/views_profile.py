"""The owner's own profile details: name and telephone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.forms_management import ProfileForm
from accounts.services import profile_update

_LABELS = {"full_name": "name", "phone": "telephone number"}


@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"full_name": user.full_name, "phone": user.phone})
    if request.method == "POST" and form.is_valid():
        try:
            changed = profile_update(user=user, request=request, **form.cleaned_data)
        except ValidationError as error:
            for field, errors in error.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if changed:
                messages.success(request, f"Your {' and '.join(_LABELS[f] for f in changed)} changed.")
            else:
                messages.info(request, "Nothing changed.")
            return redirect("accounts:profile")
    return render(request, "accounts/profile_edit.html", {"form": form})

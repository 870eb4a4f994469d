"""The Settings page (the rules live in preferences.services)."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from audio.engines.registry import all_engines
from preferences.forms import SettingsForm
from preferences.services import (
    PreferencesInvalid,
    model_states,
    preference_values,
    preferences_get,
    preferences_update,
    secret_mask,
)


@require_http_methods(["GET", "POST"])
def settings_edit(request: HttpRequest) -> HttpResponse:
    row = preferences_get(user=request.user)
    states = {engine.name: model_states(user=request.user, engine=engine.name) for engine in all_engines()}
    if request.method == "GET":
        form = SettingsForm(initial=preference_values(row=row), model_states=states)
    else:
        form = SettingsForm(request.POST, model_states=states)
        if form.is_valid():
            try:
                preferences_update(user=request.user, values=form.values())
            except PreferencesInvalid as exc:
                for field, message in exc.errors.items():
                    form.add_error(field if field in form.fields else None, message)
            else:
                messages.success(request, "Settings saved.")
                return redirect("settings")
    form.keep_typed_secrets()
    masks = {key: secret_mask(row=row, engine=engine) for key, engine in form.secrets.items()}
    # Engines billed by the minute: the page asks each for the minutes left (GET /api/<engine>/quota).
    quotas = {
        engine.label: reverse("api-engine-quota", args=[engine.name]) for engine in all_engines() if engine.account
    }
    return render(
        request, "preferences/settings.html", {"form": form, "sections": form.layout(masks), "quotas": quotas}
    )

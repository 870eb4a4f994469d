"""GET and PUT /api/settings/: every preference by its flat name; secrets never come back."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from audio.engines.base import Preference
from audio.http.errors import error_responses
from preferences.catalog import common_preferences, engine_preferences
from preferences.models import UserPreferences
from preferences.services import PreferencesInvalid, preference_values, preferences_get, preferences_update, secret_mask

SECRET_MAX_LENGTH = 1000  # a bound on what is read; each engine says what a good secret is


def _field(preference: Preference) -> serializers.Field:
    options = {"required": False, "help_text": preference.help or preference.label}
    if preference.kind == "choice":
        return serializers.ChoiceField(choices=preference.choices, **options)
    if preference.kind == "choices":
        return serializers.ListField(child=serializers.ChoiceField(choices=preference.choices), **options)
    if preference.kind == "flag":
        return serializers.BooleanField(**options)
    options["help_text"] += '. A new value replaces the saved one; "" or null removes it. Never answered back.'
    return serializers.CharField(
        write_only=True,
        allow_null=True,
        allow_blank=True,
        trim_whitespace=False,
        max_length=SECRET_MAX_LENGTH,
        **options,
    )


class SettingsSerializer(serializers.Serializer):
    """The user's settings; on PUT, fields left out keep their value. For each secret
    ``<name>``, ``<name>_set`` says whether one is saved and ``<name>_masked`` shows its end."""

    def get_fields(self) -> dict[str, serializers.Field]:
        fields = {preference.name: _field(preference) for preference in common_preferences()}
        for item in engine_preferences():
            fields[item.key] = _field(item.preference)
            if item.preference.kind == "secret":
                fields[f"{item.key}_set"] = serializers.BooleanField(read_only=True)
                fields[f"{item.key}_masked"] = serializers.CharField(
                    read_only=True, allow_null=True, help_text="The saved secret's last 4 characters at most."
                )
        return fields


def settings_data(row: UserPreferences) -> dict:
    data = preference_values(row=row)
    for item in engine_preferences():
        if item.preference.kind == "secret":
            mask = secret_mask(row=row, engine=item.engine.name)
            data[f"{item.key}_set"], data[f"{item.key}_masked"] = mask is not None, mask
    return data


class SettingsView(APIView):
    parser_classes = [JSONParser]

    @extend_schema(
        tags=["settings"],
        summary="Your settings (secrets only masked)",
        responses={200: SettingsSerializer, **error_responses()},
    )
    def get(self, request: Request) -> Response:
        return Response(SettingsSerializer(settings_data(preferences_get(user=request.user))).data)

    @extend_schema(
        tags=["settings"],
        summary="Change your settings; fields left out keep their value",
        request=SettingsSerializer,
        responses={200: SettingsSerializer, **error_responses(400, 403)},
    )
    def put(self, request: Request) -> Response:
        form = SettingsSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        try:
            row = preferences_update(user=request.user, values=dict(form.validated_data))
        except PreferencesInvalid as exc:
            raise ValidationError(exc.errors) from exc
        return Response(SettingsSerializer(settings_data(row)).data)

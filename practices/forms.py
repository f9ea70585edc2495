from __future__ import annotations

from typing import Any

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.mailboxes import PlainEmailField
from practices.filters import FIRST_YEAR, LAST_YEAR
from practices.models import SUBMITTED_FIELDS, PracticeSubmission
from practices.services import practice_description_sanitise

DESCRIPTION_MAX_LENGTH = 20_000
PARTNERS_MAX_LENGTH = 2_000
HONEYPOT_FIELD = "homepage"


def https_url_formfield(field: models.Field, **kwargs: Any) -> forms.Field | None:
    """Web links typed without a scheme get https:// (Django 6's default, chosen now)."""
    if isinstance(field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    return field.formfield(**kwargs)


class SanitisedDescriptionMixin:
    """Every form that writes a practice keeps only the allowed HTML of its description."""

    def clean_description(self) -> str:
        return practice_description_sanitise(self.cleaned_data["description"])


class PracticeAdminForm(SanitisedDescriptionMixin, forms.ModelForm):
    """The admin's form; the ModelAdmin's fieldsets decide which of these it shows. The
    moderation fields are not among them: only the publish and reject actions set them."""

    class Meta:
        model = PracticeSubmission
        formfield_callback = https_url_formfield
        fields = [*SUBMITTED_FIELDS, "slug", "submitted_on"]


class RejectionForm(forms.Form):
    """The reason asked for when rejecting practices from the admin list."""

    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Kept with the practice for the record."),
    )


class PracticeSubmissionForm(SanitisedDescriptionMixin, forms.ModelForm):
    """The public form. Every field has a size limit; the honeypot is hidden from people."""

    # Bots fill every field they find; people never see this one (hidden by CSS and from
    # assistive technology). A filled honeypot pretends success and stores nothing.
    homepage = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"}),
    )
    description = forms.CharField(
        label=_("Description"),
        max_length=DESCRIPTION_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "What the practice does, for whom, and what it achieved. Plain text; separate "
            "paragraphs with an empty line."
        ),
    )
    partners = forms.CharField(
        label=_("Implementing partners"),
        max_length=PARTNERS_MAX_LENGTH,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One partner per line."),
    )
    start_year = forms.IntegerField(
        label=_("Start year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False
    )
    end_year = forms.IntegerField(
        label=_("End year"), min_value=FIRST_YEAR, max_value=LAST_YEAR, required=False
    )

    class Meta:
        model = PracticeSubmission
        fields = SUBMITTED_FIELDS
        formfield_callback = https_url_formfield
        labels = {
            "is_global": _("This practice is global (concerns no country in particular)"),
            "submitted_by_name": _("Your name"),
            "submitter_organisation": _("Your organisation"),
            "submitter_email": _("Your email"),
        }
        help_texts = {
            "is_global": "",  # the label says it
            "url": _("A page about the practice, if there is one."),
            "countries": _("The countries the practice concerns."),
            "submitted_by_name": _(
                "Published with the practice, as “Submitted by”, with your organisation."
            ),
            "submitter_organisation": _("Published with the practice, after your name."),
            "submitter_email": _(
                "Your address is never shown publicly: only our moderators see it. We send it "
                "an acknowledgement (one a day at most)."
            ),
        }
        field_classes = {"submitter_email": PlainEmailField}
        widgets = {
            "countries": forms.CheckboxSelectMultiple,
            "themes": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["submitter_email"].required = True
        self.fields["countries"].queryset = self.fields["countries"].queryset.only("name")

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get(self.add_prefix(HONEYPOT_FIELD)))

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("countries") and not cleaned.get("is_global"):
            self.add_error(
                "countries", _("Choose at least one country, or mark the practice as global.")
            )
        return cleaned

"""The admin page "Read a page from the current site" of a country (gfmd/pages.py does it).

Paste the page's text or upload it as a .txt file; the preview lists, year by year, each
line beside the record it becomes (new, changed, unchanged), every line that could not be
read, and a year chooser for each block whose year the page leaves open. Confirm imports it
all or nothing. The confirm form carries the text itself with a signature of the preview
(text and chosen years), so what is confirmed is exactly what was previewed; no file is
kept on the server.

Registered in gfmd/urls.py (the top layer), not in countries/admin.py: it writes practices
too, which countries may not import.
"""

from __future__ import annotations

import hashlib
import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core import signing
from django.core.exceptions import PermissionDenied, SuspiciousOperation
from django.db import models
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from countries.models import Country
from gfmd.pages import WrongCountry, page_import
from imports.formats import ImportFileError, check_file_size

SIGNING_SALT = "gfmd.pages_admin.preview"


class PageForm(forms.Form):
    text = forms.CharField(
        label=_("The page's text"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 16, "cols": 100}),
        help_text=_("Select all on the country's page of the current site, copy, paste here."),
    )
    upload = forms.FileField(
        label=_("or a .txt file"), required=False, help_text=_("The same text, saved as UTF-8.")
    )

    def clean(self) -> dict:
        cleaned = super().clean()
        upload = cleaned.get("upload")
        if upload:
            try:
                check_file_size(upload.size)
                cleaned["text"] = upload.read().decode("utf-8-sig")
            except ImportFileError as error:
                raise forms.ValidationError(str(error)) from error
            except UnicodeDecodeError as error:
                raise forms.ValidationError(
                    gettext("The file is not text in UTF-8; save it as UTF-8 text.")
                ) from error
        else:
            try:
                check_file_size(len(cleaned.get("text", "").encode()))
            except ImportFileError as error:
                raise forms.ValidationError(str(error)) from error
        if not cleaned.get("text", "").strip():
            raise forms.ValidationError(gettext("Paste the page's text or choose a .txt file."))
        if "\x00" in cleaned["text"]:
            raise forms.ValidationError(gettext("The text holds a NUL character."))
        return cleaned


def preview_signature(text: str, choices: dict[int, str]) -> str:
    digest = hashlib.sha256(
        json.dumps([text, sorted(choices.items())], ensure_ascii=False).encode()
    ).hexdigest()
    return signing.dumps(digest, salt=SIGNING_SALT)


def signature_matches(signature: str, text: str, choices: dict[int, str]) -> bool:
    try:
        signed = signing.loads(signature, salt=SIGNING_SALT)
    except signing.BadSignature:
        return False
    expected = signing.loads(preview_signature(text, choices), salt=SIGNING_SALT)
    return signed == expected


def chosen_years(data) -> dict[int, str]:
    choices = {}
    for key, value in data.items():
        if key.startswith("year_") and key[5:].isdigit() and value:
            choices[int(key[5:])] = value
    return choices


def read_page_view(request: HttpRequest, object_id: str) -> HttpResponse:
    country_admin = admin.site._registry[Country]
    try:
        country = country_admin.get_object(request, unquote(object_id))
    except (ValueError, OverflowError) as error:
        raise Http404 from error
    if country is None:
        raise Http404
    if not country_admin.has_change_permission(request, country):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": gettext("Read a page from the current site: %(country)s")
        % {"country": country.name},
        "opts": Country._meta,
        "original": country,
        "change_url": reverse("admin:countries_country_change", args=[country.pk]),
    }
    if request.method != "POST":
        context["form"] = PageForm()
        return TemplateResponse(request, "admin/countries/country/read_page.html", context)

    confirming = "confirm" in request.POST
    form = PageForm(request.POST, request.FILES)
    context["form"] = form
    if not form.is_valid():
        return TemplateResponse(request, "admin/countries/country/read_page.html", context)
    text = form.cleaned_data["text"]
    choices = chosen_years(request.POST)
    if confirming and not signature_matches(request.POST.get("signature", ""), text, choices):
        raise SuspiciousOperation("Confirm without the preview of this text and these years.")

    def resource_kwargs(model: type[models.Model]) -> dict:
        """As the admin's import of that model: its change permission, no new records
        without the add permission, no read-only field changed."""
        model_admin = admin.site._registry[model]
        if not model_admin.has_change_permission(request):
            raise PermissionDenied
        return {
            "may_add": model_admin.has_add_permission(request),
            "protected": model_admin.get_readonly_fields(request),
        }

    try:
        result = page_import(
            country=country,
            text=text,
            dry_run=not confirming,
            user=request.user,
            choices=choices,
            resource_kwargs=resource_kwargs,
        )
    except WrongCountry as error:
        form.add_error(None, str(error))
        return TemplateResponse(request, "admin/countries/country/read_page.html", context)
    except ValueError as error:  # a chosen year that is not a candidate
        form.add_error(None, str(error))
        return TemplateResponse(request, "admin/countries/country/read_page.html", context)
    if result.written:
        counts = result.counts()
        messages.success(
            request,
            gettext(
                "The page was imported: %(new)s new, %(changed)s changed, %(unchanged)s "
                "unchanged lines."
            )
            % counts,
        )
        return HttpResponseRedirect(context["change_url"])
    if confirming:
        messages.error(request, gettext("Nothing was imported: the page has problems."))
    context.update(
        result=result,
        text=text,
        choices=choices,
        signature=preview_signature(text, choices),
        confirm_form=forms.Form(),
    )
    return TemplateResponse(request, "admin/countries/country/read_page.html", context)

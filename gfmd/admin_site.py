"""The staff site: Django's admin with two-factor logins and lookups that fail as 400.

Installed as the default admin site (`gfmd.admin_apps.GfmdAdminConfig`), so every
`@admin.register` lands here. README, Security, says what it protects against.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import segno
from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.utils import unquote
from django.contrib.admin.views.main import ChangeList
from django.contrib.auth import user_login_failed
from django.core.exceptions import BadRequest, ImproperlyConfigured, ValidationError
from django.db.models import Model
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice
from simple_history.admin import SimpleHistoryAdmin


def confirmed_device(user: Any) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def _verify(device: TOTPDevice, token: str) -> bool:
    """django-otp's check, with its throttling: each failure doubles the wait."""
    allowed, _details = device.verify_is_allowed()
    return bool(allowed) and device.verify_token(token)


class TokenLoginForm(AdminAuthenticationForm):
    """Username and password, then the authenticator app's code for a staff member who
    has turned two-factor on. A wrong code counts as a failed login for django-axes."""

    otp_token = forms.CharField(
        label=_("Authenticator code"),
        required=False,
        max_length=8,
        help_text=_("Only if you have turned on two-factor authentication."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        user = self.get_user()
        device = confirmed_device(user) if user else None
        if device is None:
            return cleaned
        token = cleaned.get("otp_token", "").strip()
        if not token or not _verify(device, token):
            user_login_failed.send(
                sender=__name__,
                credentials={"username": cleaned.get("username", "")},
                request=self.request,
            )
            raise forms.ValidationError(
                _("Enter the current code from your authenticator app."), code="otp_token"
            )
        user.otp_device = device  # django-otp marks the session verified on login
        return cleaned


class TokenForm(forms.Form):
    otp_token = forms.CharField(
        label=_("Code from the app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class GfmdAdminSite(admin.AdminSite):
    site_header = _("GFMD country profiles")
    site_title = _("GFMD country profiles")
    index_title = _("Country profiles and practices")
    login_form = TokenLoginForm

    def register(self, model_or_iterable, admin_class=None, **options) -> None:
        """Every ModelAdmin answers a list lookup it cannot make (a filter value of the wrong
        type, a year out of range) with 400, where Django redirects or fails with 500, and a
        history page of an id that cannot be one with 404."""
        base = admin_class or admin.ModelAdmin
        mixins = (StrictLookupsMixin,)
        if issubclass(base, SimpleHistoryAdmin):
            mixins += (StrictHistoryIdsMixin,)
        strict = type(base.__name__, (*mixins, base), {"__module__": base.__module__})
        super().register(model_or_iterable, strict, **options)

    def needs_otp_setup(self, request: HttpRequest) -> bool:
        user = request.user
        return (
            settings.OTP_REQUIRED_FOR_STAFF
            and user.is_active
            and user.is_staff
            and not user.is_verified()
            and confirmed_device(user) is None
        )

    def has_permission(self, request: HttpRequest) -> bool:
        if not super().has_permission(request):
            return False
        if request.user.is_verified():
            return True
        # Password only: enough unless two-factor is mandatory or this user has turned it on.
        return not settings.OTP_REQUIRED_FOR_STAFF and confirmed_device(request.user) is None

    @method_decorator(never_cache)
    def login(self, request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
        if request.method == "GET" and self.needs_otp_setup(request):
            return HttpResponseRedirect(reverse("admin:otp_setup", current_app=self.name))
        return super().login(request, extra_context)

    def get_urls(self) -> list:
        return [
            path("two-factor/", self.otp_setup_view, name="otp_setup"),
            *super().get_urls(),
        ]

    @method_decorator(never_cache)
    @method_decorator(csrf_protect)
    def otp_setup_view(self, request: HttpRequest) -> HttpResponse:
        """Turn on two-factor: scan the QR code (or type the key), confirm with a code.
        Open to every active staff member, verified or not, so that a mandatory setting
        can send them here after their password."""
        user = request.user
        if not (user.is_active and user.is_staff):
            return HttpResponseRedirect(
                f"{reverse('admin:login', current_app=self.name)}?next={request.path}"
            )
        device = confirmed_device(user)
        if device is not None:
            return TemplateResponse(
                request,
                "admin/otp_setup.html",
                {
                    **self.each_context(request),
                    "title": _("Two-factor authentication"),
                    "device": device,
                },
            )
        # The same key on every visit until it is confirmed (the oldest, if two tabs raced).
        device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
        if device is None:
            device = TOTPDevice.objects.create(user=user, confirmed=False, name="Authenticator app")
        form = TokenForm(request.POST or None)
        if form.is_valid():
            if _verify(device, form.cleaned_data["otp_token"].strip()):
                device.confirmed = True
                device.save(update_fields=["confirmed"])
                otp_login(request, device)
                messages.success(request, _("Two-factor authentication is on."))
                return HttpResponseRedirect(reverse("admin:index", current_app=self.name))
            form.add_error("otp_token", _("That code does not match. Try the current one."))
        return TemplateResponse(
            request,
            "admin/otp_setup.html",
            {
                **self.each_context(request),
                "title": _("Two-factor authentication"),
                "form": form,
                "qr_svg": segno.make(device.config_url).svg_inline(scale=4),
                "secret": parse_qs(urlsplit(device.config_url).query)["secret"][0],
                "config_url": device.config_url,
                "required": settings.OTP_REQUIRED_FOR_STAFF,
            },
        )


def lockout_response(
    request: HttpRequest, response: HttpResponse | None, credentials: dict | None
) -> HttpResponse:
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a page that says
    why and for how long, with 429 Too Many Requests."""
    return TemplateResponse(
        request,
        "admin/lockout.html",
        {
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "cooloff_minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        },
        status=429,
    ).render()


class StrictChangeList(ChangeList):
    """A list (or django-import-export's export of it) whose filters the database cannot
    take answers 400: Django redirects to `?e=1` or, for a date out of range, fails."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        try:
            super().__init__(*args, **kwargs)
        except IncorrectLookupParameters as error:
            raise BadRequest(f"Invalid filter: {error}") from error

    def get_filters(self, request: HttpRequest) -> tuple:
        try:
            return super().get_filters(request)
        except (ValueError, OverflowError) as error:
            # The date hierarchy's year, month and day, made into dates unchecked.
            raise IncorrectLookupParameters(error) from error


class StrictLookupsMixin:
    def get_changelist(self, request: HttpRequest, **kwargs: Any) -> type[ChangeList]:
        changelist = super().get_changelist(request, **kwargs)
        if changelist is not ChangeList:
            raise ImproperlyConfigured(f"{changelist} would lose StrictChangeList's checks")
        return StrictChangeList


def _checked_pk(model: type[Model], value: str) -> None:
    try:
        model._meta.pk.to_python(unquote(value))
    except ValidationError as error:
        raise Http404(f"No {model._meta.verbose_name} with id {value!r}") from error


class StrictHistoryIdsMixin:
    """django-simple-history looks ids up unchecked: "abc" as an object or version id would
    be a server error."""

    def history_view(self, request, object_id, extra_context=None):
        _checked_pk(self.model, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        _checked_pk(self.model, object_id)
        _checked_pk(self.model.history.model, version_id)
        return super().history_form_view(request, object_id, version_id, extra_context)

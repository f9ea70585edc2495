from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import translation
from django.utils.decorators import method_decorator
from django.utils.feedgenerator import Atom1Feed
from django.utils.html import escape, linebreaks
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_exempt
from django.views.generic import FormView, ListView

from core.pagination import ForgivingPaginationMixin
from core.ratelimit import RateLimit, client_address
from countries.models import Country, CountryUpdate
from subscriptions import services
from subscriptions.forms import ManageForm, SubscribeForm
from subscriptions.models import Subscription
from subscriptions.tokens import (
    InvalidToken,
    Purpose,
    SubscriptionGone,
    link_path,
    subscription_for_token,
)

FEED_LENGTH = 20


class SubscribeView(FormView):
    """The same page, word for word and status for status, whoever the address belongs to."""

    form_class = SubscribeForm
    template_name = "subscriptions/subscribe.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.country = get_object_or_404(Country, slug=kwargs["slug"])
        return super().dispatch(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        limit = RateLimit(scope="subscribe", limit=settings.SUBSCRIBE_RATE_LIMIT_PER_HOUR)
        if limit.hit(client_address(request)):
            return render(
                request,
                "subscriptions/subscribe_limited.html",
                {"country": self.country},
                status=429,
            )
        return super().post(request, *args, **kwargs)

    def form_valid(self, form: SubscribeForm) -> HttpResponse:
        if not form.is_bot():
            services.subscription_request(
                email=form.cleaned_data["email"],
                country=self.country,
                frequency=form.cleaned_data["frequency"],
                language=translation.get_language(),
            )
        return render(self.request, "subscriptions/subscribe_done.html", {"country": self.country})

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(country=self.country, **kwargs)


class CountryUpdatesFeed(Feed):
    feed_type = Atom1Feed

    def get_object(self, request: HttpRequest, slug: str) -> Country:
        return get_object_or_404(Country, slug=slug)

    def title(self, obj: Country) -> str:
        return _("GFMD: updates to %(country)s") % {"country": obj.local_name}

    def subtitle(self, obj: Country) -> str:
        return _("Changes to the GFMD country profile of %(country)s.") % {
            "country": obj.local_name
        }

    def link(self, obj: Country) -> str:
        # The feed's human page: a browser that opens the feed finds its way there.
        return reverse("subscriptions:country_updates", kwargs={"slug": obj.slug})

    def get_feed(self, obj: Country, request: HttpRequest):
        feed = super().get_feed(obj, request)
        # The feed keeps the id it always had (the country page's address): readers key on it.
        domain = get_current_site(request).domain
        feed.feed["id"] = add_domain(domain, obj.get_absolute_url(), request.is_secure())
        return feed

    def items(self, obj: Country) -> list[CountryUpdate]:
        return list(obj.updates.select_related("country")[:FEED_LENGTH])

    def item_title(self, item: CountryUpdate) -> str:
        return item.headline

    def item_description(self, item: CountryUpdate) -> str:
        return linebreaks(escape(item.local_summary))

    def item_link(self, item: CountryUpdate) -> str:
        return item.get_absolute_url()  # the section of the page the update changed

    def item_guid(self, item: CountryUpdate) -> str:
        return f"{settings.SITE_URL}{item.country.get_absolute_url()}#update-{item.pk}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: CountryUpdate):
        return item.created_at

    def item_updateddate(self, item: CountryUpdate):
        return item.created_at


class CountryUpdatesView(ForgivingPaginationMixin, ListView):
    """Every update of a country, newest first: the feed as a page for people, with how to
    follow it by email or in a feed reader."""

    template_name = "subscriptions/country_updates.html"
    context_object_name = "updates"
    paginate_by = 20

    def get_queryset(self) -> Any:
        self.country = get_object_or_404(Country, slug=self.kwargs["slug"])
        return CountryUpdate.objects.for_country(self.country).select_related("country")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        feed = reverse("subscriptions:country_feed", kwargs={"slug": self.country.slug})
        context |= {"country": self.country, "feed_url": self.request.build_absolute_uri(feed)}
        return context


class SignedLinkView(View):
    """A page opened from an emailed link. GET only shows; state changes on POST, because
    mail scanners open links. A link that is not ours answers 400 and changes nothing."""

    purpose: Purpose

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            self.subscription = subscription_for_token(kwargs["token"], self.purpose)
        except SubscriptionGone:
            return self.subscription_gone(request)
        except InvalidToken:
            return invalid_link(request)
        return super().dispatch(request, *args, **kwargs)

    def subscription_gone(self, request: HttpRequest) -> HttpResponse:
        return invalid_link(request)


def invalid_link(request: HttpRequest) -> HttpResponse:
    return render(request, "subscriptions/invalid_link.html", status=400)


class ConfirmView(SignedLinkView):
    purpose = Purpose.CONFIRM

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        if self.subscription.status == Subscription.Status.UNSUBSCRIBED:
            return invalid_link(request)
        return render(request, "subscriptions/confirm.html", {"subscription": self.subscription})

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        subscription = services.subscription_confirm(subscription=self.subscription)
        if subscription.status != Subscription.Status.ACTIVE:
            return invalid_link(request)
        context = {
            "subscription": subscription,
            "manage_url": link_path(subscription, Purpose.MANAGE),
        }
        return render(request, "subscriptions/confirm_done.html", context)


class ManageView(SignedLinkView):
    """Every subscription of the link's address: change frequencies, leave one or all."""

    purpose = Purpose.MANAGE

    def get_form(self, data: Any = None) -> ManageForm:
        followed = list(
            Subscription.objects.for_email(self.subscription.email).live().select_related("country")
        )
        return ManageForm(data, subscriptions=followed)

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self.respond(request, self.get_form())

    def respond(self, request: HttpRequest, form: ManageForm, status: int = 200) -> HttpResponse:
        """The countries followed, and once each those left and not followed again."""
        followed = {subscription.country_id for subscription in form.subscriptions}
        left = (
            Subscription.objects.for_email(self.subscription.email)
            .filter(status=Subscription.Status.UNSUBSCRIBED)
            .exclude(country_id__in=followed)
            .select_related("country")
        )
        context = {
            "form": form,
            "email": self.subscription.email,
            "unsubscribed": list({s.country_id: s for s in left}.values()),
        }
        return render(request, "subscriptions/manage.html", context, status=status)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        form = self.get_form(request.POST)
        by_pk = {str(s.pk): s for s in form.subscriptions}
        if "unsubscribe_all" in request.POST:
            leaving = form.subscriptions
        elif "unsubscribe" in request.POST:
            leaving = [by_pk[pk]] if (pk := request.POST["unsubscribe"]) in by_pk else []
        else:
            if not form.is_valid():
                return self.respond(request, form, status=400)
            for subscription, frequency in form.chosen_frequencies():
                services.subscription_frequency_set(subscription=subscription, frequency=frequency)
            messages.success(request, _("Your choices are saved."))
            return HttpResponseRedirect(request.path)
        for subscription in leaving:
            services.subscription_unsubscribe(subscription=subscription)
        if leaving:
            names = ", ".join(s.country.local_name for s in leaving)
            messages.success(request, _("Unsubscribed from %(countries)s.") % {"countries": names})
        return HttpResponseRedirect(request.path)


@method_decorator(csrf_exempt, name="dispatch")
class UnsubscribeView(SignedLinkView):
    """RFC 8058 one-click: a mail client POSTs with no cookie and no CSRF token and expects
    200, not a redirect. The link works once: opened or posted again, it shows when the
    address left and changes nothing (a later subscription to the country is another record,
    with its own links)."""

    purpose = Purpose.UNSUBSCRIBE

    def get(self, request: HttpRequest, token: str) -> HttpResponse:
        return self.respond(request, self.subscription)

    def post(self, request: HttpRequest, token: str) -> HttpResponse:
        return self.respond(
            request, services.subscription_unsubscribe(subscription=self.subscription)
        )

    def respond(self, request: HttpRequest, subscription: Subscription) -> HttpResponse:
        context = {
            "subscription": subscription,
            "done": subscription.status == Subscription.Status.UNSUBSCRIBED,
            "manage_url": link_path(subscription, Purpose.MANAGE),
        }
        return render(request, "subscriptions/unsubscribe.html", context)

    def subscription_gone(self, request: HttpRequest) -> HttpResponse:
        # A genuine link whose subscription was already deleted: the address gets nothing.
        if request.method == "POST":
            return render(request, "subscriptions/unsubscribe.html", {"done": True})
        return invalid_link(request)

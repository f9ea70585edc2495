"""Signed links for subscriptions: confirm, manage, unsubscribe.

A token is `<subscription id>.<subscription secret>` signed with a salt per purpose, so a link
for one purpose opens no other, an edited link fails the signature, and a link stays bound to
the subscription's random secret. Only confirmation links expire (after three days); manage
and unsubscribe links work until used, as RFC 8058 one-click unsubscribe expects.
"""

from __future__ import annotations

import datetime
import enum
import re

from django.core import signing
from django.urls import reverse
from django.utils import translation

from subscriptions.models import Subscription

CONFIRMATION_MAX_AGE = datetime.timedelta(days=3)


class Purpose(enum.Enum):
    """Each purpose is a signing salt and the name of the URL its links open."""

    CONFIRM = "subscriptions.confirm"
    MANAGE = "subscriptions.manage"
    UNSUBSCRIBE = "subscriptions.unsubscribe"

    @property
    def url_name(self) -> str:
        return self.value.replace(".", ":")


class InvalidToken(Exception):
    """The link was edited, forged or has expired."""


class SubscriptionGone(InvalidToken):
    """A genuine link whose subscription was deleted (purged) or renewed with a new secret."""


def _signer(purpose: Purpose) -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=purpose.value)


def make_token(subscription: Subscription, purpose: Purpose) -> str:
    return _signer(purpose).sign(f"{subscription.pk}.{subscription.secret}")


def link_path(subscription: Subscription, purpose: Purpose) -> str:
    return reverse(purpose.url_name, kwargs={"token": make_token(subscription, purpose)})


class LinkPaths:
    """`link_path` for one subscriber after another: each purpose's URL is reversed once,
    with a stand-in token, and each token is put in its place (reverse() costs three times
    what signing the token does)."""

    _STAND_IN = "token-stand-in"
    _AS_IS = re.compile(r"[A-Za-z0-9._~:-]+")  # what reverse() puts in a path unquoted

    def __init__(self) -> None:
        # By purpose and language: the links of a French email go to /fr/ pages.
        self._around: dict[tuple[Purpose, str], tuple[str, str]] = {}

    def __call__(self, subscription: Subscription, purpose: Purpose) -> str:
        token = make_token(subscription, purpose)
        if not self._AS_IS.fullmatch(token):
            return reverse(purpose.url_name, kwargs={"token": token})
        key = (purpose, translation.get_language())
        if key not in self._around:
            path = reverse(purpose.url_name, kwargs={"token": self._STAND_IN})
            before, after = path.split(self._STAND_IN)
            self._around[key] = (before, after)
        before, after = self._around[key]
        return f"{before}{token}{after}"


def read_token(token: str, purpose: Purpose) -> tuple[int, str]:
    """The (subscription id, secret) a token carries; InvalidToken if it is not ours."""
    max_age = CONFIRMATION_MAX_AGE if purpose is Purpose.CONFIRM else None
    try:
        value = _signer(purpose).unsign(token, max_age=max_age)
        pk, secret = value.split(".", 1)
        return int(pk), secret
    except (signing.BadSignature, ValueError) as error:
        raise InvalidToken(str(error)) from error


def subscription_for_token(token: str, purpose: Purpose) -> Subscription:
    pk, secret = read_token(token, purpose)
    subscription = (
        Subscription.objects.select_related("country").filter(pk=pk, secret=secret).first()
    )
    if subscription is None:
        raise SubscriptionGone("No subscription has this link.")
    return subscription

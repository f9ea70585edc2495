from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.mailboxes import PlainEmailField
from subscriptions.models import Subscription


class SubscribeForm(forms.Form):
    email = PlainEmailField(
        label=_("Email address"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    frequency = forms.ChoiceField(
        label=_("How often"),
        choices=Subscription.Frequency.choices,
        initial=Subscription.Frequency.IMMEDIATE,
        widget=forms.RadioSelect,
    )
    # A honeypot: hidden from people by CSS and aria-hidden, filled in by form-filling bots.
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.cleaned_data.get("website"))


class ManageForm(forms.Form):
    """One frequency choice per subscription still followed by the address."""

    def __init__(self, *args, subscriptions: list[Subscription], **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.subscriptions = subscriptions
        for subscription in subscriptions:
            self.fields[self.field_name(subscription)] = forms.ChoiceField(
                label=subscription.country.local_name,
                choices=Subscription.Frequency.choices,
                initial=subscription.frequency,
                widget=forms.RadioSelect,
            )

    @staticmethod
    def field_name(subscription: Subscription) -> str:
        return f"frequency-{subscription.pk}"

    def rows(self) -> list[tuple[Subscription, forms.BoundField]]:
        return [(s, self[self.field_name(s)]) for s in self.subscriptions]

    def chosen_frequencies(self) -> list[tuple[Subscription, str]]:
        return [(s, self.cleaned_data[self.field_name(s)]) for s in self.subscriptions]

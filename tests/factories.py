"""Factories for every model; each builds a valid object with the fewest required fields."""

from __future__ import annotations

import datetime
from decimal import Decimal

import factory
from django.contrib.auth import get_user_model
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from core.mailboxes import mailbox_key
from countries.models import (
    Attendance,
    Contribution,
    Country,
    CountryUpdate,
    ForumYear,
    Roundtable,
    RoundtableRole,
    ThematicMeeting,
    ThematicMeetingParticipation,
)
from practices.models import PracticeSubmission, Theme
from subscriptions.models import Delivery, Subscription


def _letters(n: int, width: int) -> str:
    """A distinct run of capital letters for each n: AA, AB, … (ISO-shaped codes)."""
    letters = ""
    for _ in range(width):
        n, rest = divmod(n, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def unused_iso2() -> str:
    """Two letters no country has yet, from ZZ down: a sequence would wrap within a long run
    (there are only 676) and meet the real codes that tests give their countries."""
    taken = set(Country.objects.values_list("iso2", flat=True))
    return next(code for n in reversed(range(26 * 26)) if (code := _letters(n, 2)) not in taken)


class CountryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Country
        django_get_or_create = ("iso3",)

    name = factory.Sequence(lambda n: f"Country {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))
    official_name = factory.LazyAttribute(lambda o: f"Republic of {o.name}")
    iso2 = factory.LazyFunction(lambda: unused_iso2())
    iso3 = factory.Sequence(lambda n: _letters(n + 26 * 26 * 20, 3))
    latitude = Decimal("10")
    longitude = Decimal("20")
    region = "Africa"
    subregion = "Northern Africa"


class ForumYearFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ForumYear
        django_get_or_create = ("label",)

    # Years before any real forum year, however many a session makes: 1900 + n reached the
    # reference years (2007 on) after a hundred factories, and get_or_create then handed a
    # test the real 2011 with its records (a unique attendance failed, by test order).
    sort_year = factory.Sequence(lambda n: 1000 + n % 900)
    label = factory.LazyAttribute(lambda o: str(o.sort_year))
    summit_city = "Geneva"
    summit_start = factory.LazyAttribute(lambda o: datetime.date(o.sort_year, 11, 1))
    summit_end = factory.LazyAttribute(lambda o: datetime.date(o.sort_year, 11, 3))


class AttendanceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attendance

    country = factory.SubFactory(CountryFactory)
    forum_year = factory.SubFactory(ForumYearFactory)
    attended_summit = True


class RoundtableFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Roundtable

    forum_year = factory.SubFactory(ForumYearFactory)
    number = factory.Sequence(lambda n: f"{n // 3 + 1}.{n % 3 + 1}")
    title = factory.Sequence(lambda n: f"Roundtable session {n}")


class RoundtableRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoundtableRole

    country = factory.SubFactory(CountryFactory)
    roundtable = factory.SubFactory(RoundtableFactory)
    forum_year = factory.SelfAttribute("roundtable.forum_year")
    role = RoundtableRole.Role.TEAM_MEMBER


class ThematicMeetingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThematicMeeting

    forum_year = factory.SubFactory(ForumYearFactory)
    title = factory.Sequence(lambda n: f"Thematic meeting {n}")
    start_date = factory.LazyAttribute(lambda o: datetime.date(o.forum_year.sort_year, 6, 14))
    end_date = factory.LazyAttribute(lambda o: datetime.date(o.forum_year.sort_year, 6, 15))
    city = "Geneva"


class ThematicMeetingParticipationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ThematicMeetingParticipation

    meeting = factory.SubFactory(ThematicMeetingFactory)
    country = factory.SubFactory(CountryFactory)
    role = ThematicMeetingParticipation.Role.ATTENDED


class ContributionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contribution

    country = factory.SubFactory(CountryFactory)
    forum_year = factory.SubFactory(ForumYearFactory)
    amount = Decimal("50000")
    currency = "USD"
    earmarked = Contribution.Earmarked.NO


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Theme {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.name))


class PracticeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PracticeSubmission
        skip_postgeneration_save = True

    title = factory.Sequence(lambda n: f"Practice number {n}")
    slug = factory.LazyAttribute(lambda o: slugify(o.title))
    description = "<p>A description of the practice.</p>"
    submitted_by_name = "Ms. Laurence BRON"
    submitted_on = datetime.date(2020, 5, 1)
    status = PracticeSubmission.Status.PUBLISHED
    published_on = datetime.date(2020, 6, 1)

    @factory.post_generation
    def countries(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.countries.set(extracted)

    @factory.post_generation
    def themes(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.themes.set(extracted)


class CountryUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CountryUpdate

    country = factory.SubFactory(CountryFactory)
    summary = "2018: added Co-Chair in RT 2.1"
    source = CountryUpdate.Source.ADMIN


class SubscriptionFactory(factory.django.DjangoModelFactory):
    """An active (confirmed) subscription; pass status=PENDING for an unconfirmed one."""

    class Meta:
        model = Subscription

    email = factory.Sequence(lambda n: f"reader{n}@example.org")
    mailbox = factory.LazyAttribute(lambda o: mailbox_key(o.email))
    country = factory.SubFactory(CountryFactory)
    frequency = Subscription.Frequency.IMMEDIATE
    status = Subscription.Status.ACTIVE
    confirmation_sent_at = factory.LazyFunction(timezone.now)
    confirmed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Subscription.Status.ACTIVE else None
    )
    unsubscribed_at = factory.LazyAttribute(
        lambda o: timezone.now() if o.status == Subscription.Status.UNSUBSCRIBED else None
    )


class DeliveryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delivery

    subscription = factory.SubFactory(SubscriptionFactory)
    update = factory.SubFactory(
        CountryUpdateFactory, country=factory.SelfAttribute("..subscription.country")
    )


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


def factory_for(model: type[Model]) -> type[factory.django.DjangoModelFactory]:
    """The factory of this module that builds `model` (tests that walk every model use it)."""
    for candidate in globals().values():
        if (
            isinstance(candidate, type)
            and issubclass(candidate, factory.django.DjangoModelFactory)
            and candidate._meta.model is model
        ):
            return candidate
    raise LookupError(f"tests/factories.py has no factory for {model._meta.label}")

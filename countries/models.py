from __future__ import annotations

import datetime
import functools
import operator
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.signals import setting_changed
from django.core.validators import MinValueValidator, RegexValidator
from django.db import connection, models
from django.db.models import Exists, OuterRef, Q
from django.dispatch import receiver
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.i18n import country_name, format_amount
from core.models import TimeStampedModel
from countries import geo
from countries.links import choice_labels, country_url, forum_year_url

iso2_validator = RegexValidator(r"^[A-Z]{2}$", _("Enter two capital letters, e.g. MA."))
iso3_validator = RegexValidator(r"^[A-Z]{3}$", _("Enter three capital letters, e.g. MAR."))
currency_validator = RegexValidator(
    r"^[A-Z]{3}$", _("Enter an ISO 4217 currency code of three capital letters, e.g. USD.")
)
roundtable_number_validator = RegexValidator(
    r"^\d+(\.\d+)*$", _("Enter a roundtable number like 1.2, without 'RT'.")
)

SUMMIT_ENDS_BEFORE_START = _("The summit cannot end before it starts.")
MEETING_ENDS_BEFORE_START = _("The meeting cannot end before it starts.")
AMOUNT_NEEDS_CURRENCY = _("An amount needs a currency code.")
CURRENCY_NEEDS_AMOUNT = _("A currency code goes with an amount; leave it empty without one.")

# ISO 4217 minor units of the currencies that do not have two (list one, 2026): an amount in
# yen has no decimals, one in dinars of Kuwait three. Every other code takes two.
CURRENCY_MINOR_UNITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
    **dict.fromkeys(["CLF", "UYW"], 4),
}


def currency_decimals(currency: str) -> int:
    """How many decimals an amount in `currency` may have (ISO 4217 minor units)."""
    return CURRENCY_MINOR_UNITS.get(currency, 2)


def validate_date_range(
    instance: models.Model, *, start_field: str, end_field: str, message: str
) -> None:
    """Put the error of an "end >= start" check constraint on the field at fault.

    The constraint alone reports above the form; once a field has an error here,
    full_clean() skips the constraints on that field, so the message shows once.
    """
    start, end = getattr(instance, start_field), getattr(instance, end_field)
    if end is None:
        return
    if start is None:
        raise ValidationError({start_field: _("Give the start date as well as the end date.")})
    if end < start:
        raise ValidationError({end_field: message})


def date_range_constraint(start: str, end: str, *, name: str, message) -> models.CheckConstraint:
    """An end date needs a start date and may not come before it."""
    return models.CheckConstraint(
        condition=Q(**{f"{end}__isnull": True})
        | Q(**{f"{start}__isnull": False, f"{end}__gte": models.F(start)}),
        name=name,
        violation_error_message=message,
    )


def attended_anything(path: str = "") -> Q:
    """An attendance record with at least one flag set; `path` leads to it ("attendances__")."""
    flags = ["attended_meeting", "attended_prep_meetings", "attended_summit"]
    return Q(*[(f"{path}{flag}", True) for flag in flags], _connector=Q.OR)


def record_models() -> tuple[type[models.Model], ...]:
    """The records that make up a country's GFMD record: attendance, roundtable roles,
    thematic meetings and contributions (each with a `country` key)."""
    return (Attendance, RoundtableRole, ThematicMeetingParticipation, Contribution)


def has_records() -> Q:
    """A country whose GFMD record has been entered, in part at least."""
    return functools.reduce(
        operator.or_,
        (Exists(model.objects.filter(country=OuterRef("pk"))) for model in record_models()),
    )


class CountryQuerySet(models.QuerySet):
    def participating(self) -> CountryQuerySet:
        """Countries recorded as attending a GFMD meeting, prep meeting or summit. Counts of
        participation come from attendance alone: chairing a year, hosting a summit or a
        role without an attendance record is not counted."""
        return self.filter(
            Exists(Attendance.objects.filter(attended_anything(), country=OuterRef("pk")))
        )

    def with_records(self) -> CountryQuerySet:
        return self.filter(has_records())

    def for_map(self) -> CountryQuerySet:
        """What the maps draw: the outline (by ISO3), the point, and `years_attended`, the
        number of forum years with an attendance record (the map's fill)."""
        return (
            self.only("name", "slug", "iso2", "iso3", "latitude", "longitude")
            .annotate(
                years_attended=models.Count(
                    "attendances", filter=attended_anything("attendances__")
                )
            )
            .order_by("name")
        )

    def search(self, text: str) -> CountryQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(name__icontains=text)
            | Q(official_name__icontains=text)
            | Q(iso2__iexact=text)
            | Q(iso3__iexact=text)
        )


class Country(TimeStampedModel):
    name = models.CharField(_("short name"), max_length=100, help_text=_("As in lists: Morocco."))
    slug = models.SlugField(
        _("slug"),
        max_length=100,
        unique=True,
        help_text=_("The last part of the page address: morocco for /countries/morocco/."),
    )
    official_name = models.CharField(
        _("official name"), max_length=200, blank=True, help_text=_("Kingdom of Morocco.")
    )
    iso2 = models.CharField(
        _("ISO2 code"),
        max_length=2,
        unique=True,
        validators=[iso2_validator],
        help_text=_("ISO 3166-1 alpha-2, e.g. MA."),
    )
    iso3 = models.CharField(
        _("ISO3 code"),
        max_length=3,
        unique=True,
        validators=[iso3_validator],
        help_text=_("ISO 3166-1 alpha-3, e.g. MAR."),
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees, north positive (32 00 N is 32)."),
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        help_text=_("Decimal degrees, east positive (5 00 W is -5)."),
    )
    region = models.CharField(_("region"), max_length=50, blank=True, help_text=_("UN region."))
    subregion = models.CharField(_("subregion"), max_length=50, blank=True)

    objects = CountryQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        verbose_name = _("country")
        verbose_name_plural = _("countries")
        constraints = [
            models.CheckConstraint(
                condition=Q(iso2__regex=r"^[A-Z]{2}$"), name="country_iso2_two_capitals"
            ),
            models.CheckConstraint(
                condition=Q(iso3__regex=r"^[A-Z]{3}$"), name="country_iso3_three_capitals"
            ),
            models.CheckConstraint(
                condition=Q(latitude__gte=-90, latitude__lte=90), name="country_latitude_range"
            ),
            models.CheckConstraint(
                condition=Q(longitude__gte=-180, longitude__lte=180),
                name="country_longitude_range",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def local_name(self) -> str:
        """The name on the public pages: ISO 3166's French or Spanish name under /fr/ and
        /es/; the name as stored in English."""
        return country_name(self.iso2, self.name)

    def clean(self) -> None:
        # The range constraints would report above the form; say it on the field.
        super().clean()
        errors = {}
        if self.latitude is not None and not -90 <= self.latitude <= 90:
            errors["latitude"] = _("A latitude lies between -90 and 90.")
        if self.longitude is not None and not -180 <= self.longitude <= 180:
            errors["longitude"] = _("A longitude lies between -180 and 180.")
        if errors:
            raise ValidationError(errors)

    def validate_constraints(self, exclude=None) -> None:
        """The check constraints repeat the fields' validators and `clean` (which say it on
        the field), and each would cost a query: 4 a row of a country import (issue 11,
        load_gfmd_data). The database still enforces them."""
        checked = {"iso2", "iso3", "latitude", "longitude"}
        super().validate_constraints(exclude=set(exclude or ()) | checked)

    def get_absolute_url(self) -> str:
        return country_url(self.slug)

    @property
    def latitude_dms(self) -> str:
        return geo.latitude_dms(self.latitude)

    @property
    def longitude_dms(self) -> str:
        return geo.longitude_dms(self.longitude)

    @property
    def wkt(self) -> str:
        return geo.wkt_point(latitude=self.latitude, longitude=self.longitude)


class ForumYear(TimeStampedModel):
    label = models.CharField(
        _("label"),
        max_length=20,
        unique=True,
        validators=[RegexValidator(r"^\d{4}(-\d{4})?$", _("Enter a year or a range: 2013-2014."))],
        help_text=_("The year as the GFMD names it: 2007, 2013-2014."),
    )
    sort_year = models.PositiveSmallIntegerField(
        _("sort year"), help_text=_("Orders the years; usually the first year of the label.")
    )
    chairs = models.ManyToManyField(
        Country, related_name="chaired_forum_years", blank=True, verbose_name=_("chair countries")
    )
    summit_city = models.CharField(_("summit city"), max_length=100, blank=True)
    summit_start = models.DateField(_("summit start"), null=True, blank=True)
    summit_end = models.DateField(_("summit end"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)

    history = HistoricalRecords(m2m_fields=[chairs])

    class Meta:
        ordering = ["sort_year", "label"]
        verbose_name = _("forum year")
        verbose_name_plural = _("forum years")
        constraints = [
            date_range_constraint(
                "summit_start",
                "summit_end",
                name="forum_year_summit_end_after_start",
                message=SUMMIT_ENDS_BEFORE_START,
            ),
        ]

    def __str__(self) -> str:
        return self.label

    def clean(self) -> None:
        super().clean()
        validate_date_range(
            self,
            start_field="summit_start",
            end_field="summit_end",
            message=SUMMIT_ENDS_BEFORE_START,
        )

    def get_absolute_url(self) -> str:
        return forum_year_url(self.label)


def country_link(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name=related_name, verbose_name=_("country")
    )


def forum_year_link(related_name: str) -> models.ForeignKey:
    return models.ForeignKey(
        ForumYear,
        on_delete=models.PROTECT,
        related_name=related_name,
        verbose_name=_("forum year"),
    )


class Attendance(TimeStampedModel):
    country = country_link("attendances")
    forum_year = forum_year_link("attendances")
    attended_meeting = models.BooleanField(
        _("attended meeting"), default=False, help_text=_("Shows as 'Attended Meeting'.")
    )
    attended_prep_meetings = models.BooleanField(
        _("attended prep meetings"),
        default=False,
        help_text=_("Shows as 'Attended Prep Meetings'."),
    )
    attended_summit = models.BooleanField(
        _("attended summit"), default=False, help_text=_("Shows as 'Attended Summit'.")
    )
    contribution_recorded = models.BooleanField(
        _("contribution recorded"),
        default=True,
        help_text=_(
            "Whether the year's financial contribution is on record. Off: without "
            "contributions the year shows no 'Financial Contribution' part at all (not "
            "'No Financial Contribution'); contributions entered for the year still show."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["forum_year__sort_year", "country__name"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["country", "forum_year"],
                name="attendance_one_per_country_and_year",
                violation_error_message=_("This country already has attendance for that year."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.forum_year}"

    @property
    def lines(self) -> list[str]:
        return attendance_lines(
            self.attended_meeting, self.attended_prep_meetings, self.attended_summit
        )


# A country page composes some fifty attendance and roundtable lines: their words are
# translated once per language and process (cleared for tests that change settings).
@functools.lru_cache(maxsize=16)
def _attendance_words(language: str | None) -> tuple[str, str, str]:
    return (
        gettext("Attended Meeting"),
        gettext("Attended Prep Meetings"),
        gettext("Attended Summit"),
    )


@functools.lru_cache(maxsize=16)
def _roundtable_line_formats(language: str | None) -> dict[str, str]:
    return {
        "numbered": gettext('%(role)s in RT %(number)s "%(title)s"'),
        "titled": gettext('%(role)s in "%(title)s"'),
        "coordinator": gettext("%(role)s of %(session)s"),
        "session": gettext("%(role)s in %(session)s"),
    }


@receiver(setting_changed)
def _forget_line_words(**kwargs) -> None:
    _attendance_words.cache_clear()
    _roundtable_line_formats.cache_clear()


def attendance_lines(meeting: bool, prep_meetings: bool, summit: bool) -> list[str]:
    """An attendance's lines from its flags (country pages read them as values, not rows)."""
    words = _attendance_words(translation.get_language())
    return [
        text
        for attended, text in zip((meeting, prep_meetings, summit), words, strict=True)
        if attended
    ]


class Roundtable(TimeStampedModel):
    forum_year = forum_year_link("roundtables")
    number = models.CharField(
        _("number"),
        max_length=10,
        blank=True,
        validators=[roundtable_number_validator],
        help_text=_("Like 1.2; unique within its year. Leave empty for an unnumbered session."),
    )
    title = models.CharField(_("title"), max_length=500, help_text=_("As the GFMD wrote it."))

    history = HistoricalRecords()

    class Meta:
        ordering = ["forum_year__sort_year", "number", "title"]
        verbose_name = _("roundtable")
        verbose_name_plural = _("roundtables")
        constraints = [
            models.UniqueConstraint(
                fields=["forum_year", "number"],
                condition=~Q(number=""),
                name="roundtable_number_unique_in_year",
                violation_error_message=_("That year already has a roundtable with this number."),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.forum_year} RT {self.number}: {self.title}"
            if self.number
            else (f"{self.forum_year}: {self.title}")
        )


class RoundtableRole(TimeStampedModel):
    class Role(models.TextChoices):
        CO_CHAIR = "co_chair", _("Co-Chair")
        TEAM_MEMBER = "team_member", _("Team Member")
        COORDINATOR = "coordinator", _("Coordinator")
        COORDINATOR_CO_CHAIR = "coordinator_co_chair", _("Coordinator and Co-Chair")
        RAPPORTEUR = "rapporteur", _("Rapporteur")
        NO_PARTICIPATION = "no_participation", _("No Participation")

    country = country_link("roundtable_roles")
    forum_year = forum_year_link("roundtable_roles")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    roundtable = models.ForeignKey(
        Roundtable,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="roles",
        verbose_name=_("roundtable"),
        help_text=_("A numbered roundtable of the same year."),
    )
    session = models.CharField(
        _("session without number"),
        max_length=300,
        blank=True,
        help_text=_(
            "Instead of a roundtable, as it follows the role: "
            "'\"Platform for Partnerships\" meeting' (shown after 'in'), "
            "'the Roundtable Team Consultations' (shown after 'Coordinator of')."
        ),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["forum_year__sort_year", "roundtable__number", "pk"]
        verbose_name = _("roundtable role")
        verbose_name_plural = _("roundtable roles")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(role="no_participation", roundtable__isnull=True, session="")
                    | (
                        ~Q(role="no_participation")
                        & (
                            Q(roundtable__isnull=False, session="")
                            | Q(roundtable__isnull=True) & ~Q(session="")
                        )
                    )
                ),
                name="roundtable_role_has_one_target",
                violation_error_message=_(
                    "Give either a roundtable or a session without number; "
                    "'No Participation' takes neither."
                ),
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=[
                        "co_chair",
                        "team_member",
                        "coordinator",
                        "coordinator_co_chair",
                        "rapporteur",
                        "no_participation",
                    ]
                ),
                name="roundtable_role_valid_role",
            ),
            models.UniqueConstraint(
                fields=["country", "roundtable"],
                condition=Q(roundtable__isnull=False),
                name="roundtable_role_once_per_roundtable",
                violation_error_message=_("This country already has a role in that roundtable."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.forum_year}: {self.line}"

    def clean(self) -> None:
        super().clean()
        if (
            self.roundtable_id
            and self.forum_year_id
            and (self.roundtable.forum_year_id != self.forum_year_id)
        ):
            raise ValidationError({"roundtable": _("Choose a roundtable of the same forum year.")})

    @property
    def line(self) -> str:
        rt = self.roundtable if self.roundtable_id else None
        return roundtable_role_line(
            self.role, rt.number if rt else None, rt.title if rt else None, self.session
        )


def roundtable_role_line(
    role: str, roundtable_number: str | None, roundtable_title: str | None, session: str
) -> str:
    """`Co-Chair in RT 1.2 "Title"`, `Coordinator of the …`, or `No Participation`: a
    roundtable role's line from its values, the roundtable's title None without one."""
    if role == RoundtableRole.Role.NO_PARTICIPATION:
        return str(RoundtableRole.Role.NO_PARTICIPATION.label)
    label = choice_labels(RoundtableRole.Role)[role]
    formats = _roundtable_line_formats(translation.get_language())
    if roundtable_title is not None:
        if roundtable_number:
            return formats["numbered"] % {
                "role": label,
                "number": roundtable_number,
                "title": roundtable_title,
            }
        return formats["titled"] % {"role": label, "title": roundtable_title}
    if role == RoundtableRole.Role.COORDINATOR:
        return formats["coordinator"] % {"role": label, "session": session}
    return formats["session"] % {"role": label, "session": session}


class ThematicMeeting(TimeStampedModel):
    class Kind(models.TextChoices):
        THEMATIC_MEETING = "thematic_meeting", _("Thematic Meeting")
        THEMATIC_WORKSHOP = "thematic_workshop", _("Thematic Workshop")
        GFMD_THEMATIC_WORKSHOP = "gfmd_thematic_workshop", _("GFMD Thematic Workshop")

    forum_year = forum_year_link("thematic_meetings")
    kind = models.CharField(
        _("kind"), max_length=30, choices=Kind.choices, default=Kind.THEMATIC_MEETING
    )
    title = models.CharField(_("title"), max_length=500, help_text=_("As the GFMD wrote it."))
    start_date = models.DateField(_("start date"), null=True, blank=True)
    end_date = models.DateField(
        _("end date"), null=True, blank=True, help_text=_("Leave empty for a one-day meeting.")
    )
    city = models.CharField(_("city"), max_length=100, blank=True)
    host_country = models.ForeignKey(
        Country,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="hosted_thematic_meetings",
        verbose_name=_("host country"),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["forum_year__sort_year", "start_date", "title"]
        verbose_name = _("thematic meeting")
        verbose_name_plural = _("thematic meetings")
        constraints = [
            date_range_constraint(
                "start_date",
                "end_date",
                name="thematic_meeting_end_after_start",
                message=MEETING_ENDS_BEFORE_START,
            ),
        ]

    def __str__(self) -> str:
        return f"{self.forum_year}: {self.title}"

    def clean(self) -> None:
        super().clean()
        validate_date_range(
            self, start_field="start_date", end_field="end_date", message=MEETING_ENDS_BEFORE_START
        )


class ThematicMeetingParticipation(TimeStampedModel):
    class Role(models.TextChoices):
        CO_CHAIR = "co_chair", _("Co-Chair")
        CHAIR = "chair", _("Chair")
        ATTENDED = "attended", _("Attended")
        PARTICIPATED = "participated", _("Participated")
        CO_CONVENER = "co_convener", _("Co-Convener")

    meeting = models.ForeignKey(
        ThematicMeeting,
        on_delete=models.CASCADE,
        related_name="participations",
        verbose_name=_("thematic meeting"),
    )
    country = country_link("thematic_participations")
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)

    history = HistoricalRecords()

    class Meta:
        ordering = ["meeting__forum_year__sort_year", "meeting__start_date", "pk"]
        verbose_name = _("thematic meeting participation")
        verbose_name_plural = _("thematic meeting participations")
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "country"],
                name="thematic_participation_once_per_meeting",
                violation_error_message=_("This country is already listed for that meeting."),
            ),
            models.CheckConstraint(
                condition=Q(
                    role__in=["co_chair", "chair", "attended", "participated", "co_convener"]
                ),
                name="thematic_participation_valid_role",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country}: {self.get_role_display()} {self.meeting}"


def amount_places(amount: Decimal | None) -> int:
    """Decimal places written, trailing zeros aside: 50000.10 has 1, 5E+4 none."""
    if amount is None or not amount.is_finite():
        return 0
    return max(0, -amount.normalize().as_tuple().exponent)


class Contribution(TimeStampedModel):
    class Earmarked(models.TextChoices):
        YES = "yes", _("earmarked")
        NO = "no", _("non-earmarked")
        UNKNOWN = "unknown", _("not stated")

    country = country_link("contributions")
    forum_year = forum_year_link("contributions")
    amount = models.DecimalField(
        _("amount"),
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
        help_text=_("Leave empty for a contribution described only by its note."),
    )
    currency = models.CharField(
        _("currency"),
        max_length=3,
        blank=True,
        validators=[currency_validator],
        help_text=_("ISO 4217 code, e.g. USD; required with an amount."),
    )
    earmarked = models.CharField(
        _("earmarked"), max_length=10, choices=Earmarked.choices, default=Earmarked.UNKNOWN
    )
    note = models.CharField(
        _("note"),
        max_length=500,
        blank=True,
        help_text=_("Shown in brackets after an amount (Left-over), or alone without one."),
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["forum_year__sort_year", "pk"]
        verbose_name = _("financial contribution")
        verbose_name_plural = _("financial contributions")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="contribution_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(currency__regex=r"^[A-Z]{3}$"),
                name="contribution_amount_has_currency",
                violation_error_message=AMOUNT_NEEDS_CURRENCY,
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=False) | ~Q(note=""),
                name="contribution_amount_or_note",
                violation_error_message=_("Give an amount, a note, or both."),
            ),
            models.CheckConstraint(
                condition=Q(earmarked__in=["yes", "no", "unknown"]),
                name="contribution_valid_earmarked",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.forum_year}: {self.line}"

    def clean(self) -> None:
        super().clean()
        if self.amount is not None and not self.currency:
            raise ValidationError({"currency": AMOUNT_NEEDS_CURRENCY})
        if self.amount is None and self.currency:
            raise ValidationError({"currency": CURRENCY_NEEDS_AMOUNT})
        places = amount_places(self.amount)
        allowed = currency_decimals(self.currency)
        # More places than the column holds is the column's error (imports.validation and
        # the form's own check); here what the currency allows.
        if self.currency and allowed < places <= self._meta.get_field("amount").decimal_places:
            raise ValidationError(
                {
                    "amount": _("An amount in %(currency)s has at most %(places)s decimals.")
                    % {"currency": self.currency, "places": allowed}
                }
            )

    @property
    def line(self) -> str:
        return contribution_line(self.amount, self.currency, self.earmarked, self.note)


def contribution_line(amount: Decimal | None, currency: str, earmarked: str, note: str) -> str:
    """`USD 50,000 non-earmarked`, `USD 48,342 (Left-over)`, or the note alone: a
    contribution's line from its values."""
    if amount is None:
        return note
    parts = [format_amount(amount, currency)]
    if earmarked != Contribution.Earmarked.UNKNOWN:
        parts.append(choice_labels(Contribution.Earmarked)[earmarked])
    if note:
        parts.append(f"({note})")
    return " ".join(parts)


class CountryUpdateQuerySet(models.QuerySet):
    def for_country(self, country: Country) -> CountryUpdateQuerySet:
        return self.filter(country=country)

    def in_period(self, start: datetime.datetime, end: datetime.datetime) -> CountryUpdateQuerySet:
        return self.filter(created_at__gte=start, created_at__lt=end)


class CountryUpdate(models.Model):
    """A change that a reader of a country's page would see: the record of a country's
    changes (countries.services records it), from which subscriptions notify."""

    class Source(models.TextChoices):
        ADMIN = "admin", _("Edited in the admin")
        PRACTICE = "practice", _("Practice moderated")
        IMPORT = "import", _("Imported")
        DATA_LOAD = "data_load", _("Reference data loaded")

    country = models.ForeignKey(
        Country, on_delete=models.CASCADE, related_name="updates", verbose_name=_("country")
    )
    summary = models.TextField(
        _("summary"), help_text=_("What changed, in words a reader understands.")
    )
    translated_summaries = models.JSONField(
        _("translated summaries"),
        default=dict,
        blank=True,
        help_text=_("The summary in the site's other languages, by language code (fr, es)."),
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices)
    sections = models.JSONField(
        _("sections"),
        default=list,
        blank=True,
        help_text=_(
            "The ids of the country page's sections it changed, in page order "
            "(facts, year-2012, practices); its link goes to the first."
        ),
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True, db_index=True)

    objects = CountryUpdateQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("country update")
        verbose_name_plural = _("country updates")
        indexes = [models.Index(fields=["country", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.country}: {self.summary[:60]}"

    def get_absolute_url(self) -> str:
        """The country page at the first section the update changed; its top for an update
        recorded before updates knew their sections."""
        page = self.country.get_absolute_url()
        return f"{page}#{self.sections[0]}" if self.sections else page

    @property
    def local_summary(self) -> str:
        """The summary in the active language (English for an update recorded before
        summaries were translated)."""
        return self.translated_summaries.get(translation.get_language()) or self.summary

    @property
    def section_name(self) -> str:
        """What its link leads to, for the link's text: "GFMD 2012", "the country facts"."""
        anchor = self.sections[0] if self.sections else ""
        if anchor.startswith("year-"):
            return gettext("GFMD %(year)s") % {"year": anchor.removeprefix("year-")}
        names = {"facts": _("the country facts"), "practices": _("the practices")}
        return str(names.get(anchor, _("the page of %(country)s") % {"country": self.country}))

    @property
    def headline(self) -> str:
        """The first line of the summary: a feed entry's title."""
        summary = self.local_summary.strip()
        return summary.splitlines()[0] if summary else ""


def records_coverage() -> dict[str, int]:
    """{"entered": countries with records (with_records), "total": countries}, in one
    query: four pages show the pair, uncached. Plain SQL because the ORM took 2 ms of CPU
    to build its four EXISTS, ten times what this function takes in all."""
    quote = connection.ops.quote_name
    country = Country._meta
    has_records = " OR ".join(
        f"EXISTS (SELECT 1 FROM {quote(model._meta.db_table)} r "
        f"WHERE r.{quote(model._meta.get_field('country').column)} = c.{quote(country.pk.column)})"
        for model in record_models()
    )
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(CASE WHEN {has_records} THEN 1 END), COUNT(*) "
            f"FROM {quote(country.db_table)} c"
        )
        entered, total = cursor.fetchone()
    return {"entered": entered, "total": total}

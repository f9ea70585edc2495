from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Policy and Practice Database")

    def ready(self) -> None:
        """Practices take their part in a country's snapshot (the lines a country update
        compares) and in its profile workbook (countries.resources), a sheet of their own."""
        from countries.profile import snapshot_lines_register
        from countries.resources import PROFILE_WORKBOOK
        from imports.workbooks import Sheet
        from practices.models import PracticeSubmission
        from practices.profile import PRACTICES_SECTION, country_practice_lines
        from practices.resources import PracticeResource

        snapshot_lines_register(country_practice_lines, anchors={PRACTICES_SECTION: "practices"})
        PROFILE_WORKBOOK.add(
            Sheet(
                _("Practices"),
                PracticeResource,
                lambda country: PracticeSubmission.objects.filter(countries=country),
            )
        )

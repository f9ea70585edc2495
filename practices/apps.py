from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Policy and Practice Database")

    def ready(self) -> None:
        """A country's profile workbook (countries.resources) has a sheet of its practices."""
        from countries.resources import PROFILE_WORKBOOK
        from imports.workbooks import Sheet
        from practices.models import PracticeSubmission
        from practices.resources import PracticeResource

        PROFILE_WORKBOOK.add(
            Sheet(
                _("Practices"),
                PracticeResource,
                lambda country: PracticeSubmission.objects.filter(countries=country),
            )
        )

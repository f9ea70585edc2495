from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PracticesConfig(AppConfig):
    name = "practices"
    verbose_name = _("Policy and Practice Database")

    def ready(self) -> None:
        from countries.profile import snapshot_lines_register
        from practices.profile import country_practice_lines

        snapshot_lines_register(country_practice_lines)

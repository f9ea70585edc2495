from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ImportsConfig(AppConfig):
    """Spreadsheet import and export machinery shared by every app; imports no project app."""

    name = "imports"
    verbose_name = _("Imports")

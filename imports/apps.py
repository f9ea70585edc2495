from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Spreadsheet import and export machinery shared by every app; imports no project app."""

    name = "imports"
    verbose_name = "Imports"

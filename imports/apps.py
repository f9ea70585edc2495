from django.apps import AppConfig


class ImportsConfig(AppConfig):
    """Spreadsheet import/export machinery shared by every app; imports no project app."""

    name = "imports"
    verbose_name = "Imports"

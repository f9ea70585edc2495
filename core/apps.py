from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The bottom layer: what every app uses and that imports no app of the project."""

    name = "core"
    verbose_name = "Core"

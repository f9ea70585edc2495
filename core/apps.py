from django.apps import AppConfig
from django.db.backends.signals import connection_created


class CoreConfig(AppConfig):
    """The bottom layer: what every app uses and that imports no app of the project."""

    name = "core"
    verbose_name = "Core"

    def ready(self) -> None:
        from core.data_version import install_on

        connection_created.connect(install_on, dispatch_uid="core.data_version")

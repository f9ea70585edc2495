from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SubscriptionsConfig(AppConfig):
    name = "subscriptions"
    verbose_name = _("Subscriptions")

    def ready(self) -> None:
        from countries.signals import country_update_recorded
        from subscriptions import receivers

        country_update_recorded.connect(
            receivers.country_update_recorded, dispatch_uid="subscriptions.deliveries"
        )

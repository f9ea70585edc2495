from __future__ import annotations

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("GFMD country profiles")
admin.site.site_title = _("GFMD country profiles")
admin.site.index_title = _("Country profiles and practices")

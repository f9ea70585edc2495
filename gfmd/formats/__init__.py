"""Date formats of the site's pages and emails, per language (FORMAT_MODULE_PATH): templates
name them (`date:"DATE_FORMAT"`) so that each language writes a date its own way: "2 December
2026", "2 décembre 2026", "2 de diciembre de 2026". Anything not set here comes from Django's
own formats for the language."""

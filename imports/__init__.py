"""Bulk import and export for the admin, made safe for spreadsheets kept by people.

django-import-export supplies the upload -> preview -> confirm workflow; this app, which
imports no app of the project, adds what the apps' `resources.py` and admins build on:

- `formats`: CSV, XLSX and JSON read with limits checked before parsing (size, rows, the
  size an XLSX archive unpacks to); every sheet of a workbook; rows numbered as the
  spreadsheet shows them, blank rows included; formulas escaped on export, unescaped on
  import; a formula saved without its value, or a CSV separated by semicolons, refused.
- `widgets`: cells as people type them (natural keys, choice labels, yes/no, ISO dates).
- `resources`: `GfmdResource`, the base of every resource: all or nothing (the library
  commits the valid rows of a file with invalid ones, django-import-export#1338), unknown
  columns refused, bulk writes with history, the import lock, and the hooks an app uses to
  record what a confirmed import changed (`get_change_recorder`, `watched_keys`).
- `results`: what the preview shows, row by row, and every problem as one line.
- `workbooks`: workbooks of several sheets (a country's whole profile), one upload.
- `admin`: the ModelAdmin mixins (limits on the upload form, the preview, the confirm step
  that writes only what its preview showed).
- `uploads`: the uploads kept between preview and confirm, deleted when old.

To import a tablib Dataset as the admin does, from code (a loader, a test):

    dataset = CSV(encoding="utf-8-sig").create_dataset(content)   # or XLSX(), JSON()
    preview = SomeResource().import_data(dataset, dry_run=True, user=user, file_name=name)
    if not preview.has_problems():
        result = SomeResource().import_data(dataset, dry_run=False, user=user, file_name=name)
    preview.error_messages()  # ["row 7: unknown country code 'MRC'", ...]
"""

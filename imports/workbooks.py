"""Workbooks of several sheets, each sheet the rows of one resource.

A `Workbook` lists its sheets in the order they are imported (a thematic meeting before the
countries that took part in it). Apps add sheets to a workbook defined lower down (the
practices app adds its sheet to the country profile workbook of the countries app) from
their `AppConfig.ready`, so that no app imports one above it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db import models

from imports.formats import write_workbook

if TYPE_CHECKING:
    from imports.resources import GfmdResource


@dataclass(frozen=True)
class Sheet:
    title: Any  # a lazy translation
    resource_class: type[GfmdResource]
    #: The records of the sheet for the object the workbook is about.
    records: Callable[[models.Model], models.QuerySet]


class Workbook:
    def __init__(self, sheets: list[Sheet]):
        self.sheets = list(sheets)

    def add(self, sheet: Sheet) -> None:
        if all(str(known.title) != str(sheet.title) for known in self.sheets):
            self.sheets.append(sheet)

    def __iter__(self) -> Iterator[Sheet]:
        return iter(self.sheets)

    def titles(self) -> list[str]:
        return [str(sheet.title) for sheet in self.sheets]

    def sheet_named(self, title: str) -> Sheet | None:
        wanted = title.strip().casefold()
        return next((s for s in self.sheets if str(s.title).casefold() == wanted), None)

    def export(self, obj: models.Model) -> bytes:
        """One XLSX workbook with a sheet per kind of record, in the resources' columns, so
        that it imports back through one upload."""
        return write_workbook(
            (
                str(sheet.title),
                sheet.resource_class().export(sheet.records(obj), force_native_type=True),
            )
            for sheet in self.sheets
        )

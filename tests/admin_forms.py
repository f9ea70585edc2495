"""Read an admin page's form as a browser would submit it, so tests post honest data."""

from __future__ import annotations

from html.parser import HTMLParser

from django.http import HttpResponse

FormData = dict[str, list[str]]


class _FormReader(HTMLParser):
    def __init__(self, form_id: str) -> None:
        super().__init__()
        self.form_id = form_id
        self.in_form = False
        self.data: FormData = {}
        self._select: str | None = None
        self._select_multiple = False
        self._first_option: str | None = None
        self._textarea: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {key: value or "" for key, value in attrs}
        if tag == "form" and attributes.get("id") == self.form_id:
            self.in_form = True
        if not self.in_form or "disabled" in attributes:
            return
        name = attributes.get("name")
        if tag == "input" and name:
            kind = attributes.get("type", "text")
            if kind in {"submit", "button", "image", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attributes:
                    self.data.setdefault(name, []).append(attributes.get("value", "on"))
            else:
                self.data.setdefault(name, []).append(attributes.get("value", ""))
        elif tag == "select" and name:
            self._select, self._first_option = name, None
            self._select_multiple = "multiple" in attributes
        elif tag == "option" and self._select:
            value = attributes.get("value", "")
            if self._first_option is None:
                self._first_option = value
            if "selected" in attributes:
                self.data.setdefault(self._select, []).append(value)
        elif tag == "textarea" and name:
            self._textarea = name
            self.data.setdefault(name, []).append("")

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select" and self._select:
            # A single select with nothing marked selected submits its first option.
            if (
                self._select not in self.data
                and not self._select_multiple
                and self._first_option is not None
            ):
                self.data[self._select] = [self._first_option]
            self._select = None
        elif tag == "textarea" and self._textarea:
            # Browsers drop the newline that follows <textarea>; Django writes one.
            self.data[self._textarea][-1] = self.data[self._textarea][-1].removeprefix("\n")
            self._textarea = None


def form_data(response: HttpResponse, form_id: str) -> FormData:
    """Every field of the form `form_id` in the page with the value it would be posted with.

    Like a browser, this includes each inline's empty-form template (names with
    `__prefix__`), which Django ignores; `add_inline_row` copies it as "Add another" does.
    """
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form with id {form_id!r} in the page"
    return reader.data


def add_inline_row(data: FormData, prefix: str, **fields: object) -> None:
    """Fill a new form of an inline formset from its template, as "Add another" does."""
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    template = f"{prefix}-__prefix__-"
    for name, values in list(data.items()):
        if name.startswith(template):
            data[name.replace("__prefix__", str(index))] = list(values)
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = [str(value)]


def form_values(form) -> dict:
    """What a browser would post for an unchanged form."""
    values = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is True:
            values[name] = "on"
        elif value not in (None, False):
            values[name] = value
    return values

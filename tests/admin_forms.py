"""Read an admin page's form as the browser would submit it, so tests post honest data."""

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
        self._textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        # The empty-form template of an inline is not submitted data.
        if "__prefix__" not in name:
            self.data.setdefault(name, []).append(value)

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
                    self._add(name, attributes.get("value", "on"))
                return
            self._add(name, attributes.get("value", ""))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attributes:
            self._add(self._select, attributes.get("value", ""))
        elif tag == "textarea" and name:
            self._textarea = name
            self._add(name, "")

    def handle_data(self, data: str) -> None:
        if self._textarea and "__prefix__" not in self._textarea:
            self.data[self._textarea][-1] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.in_form = False
        elif tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea:
            if "__prefix__" not in self._textarea:
                # Browsers drop the newline that follows <textarea>; Django writes one.
                value = self.data[self._textarea][-1]
                self.data[self._textarea][-1] = value.removeprefix("\n")
            self._textarea = None


def form_data(response: HttpResponse, form_id: str) -> FormData:
    """The values of every field of the form `form_id` in the page, as it would be posted."""
    reader = _FormReader(form_id)
    reader.feed(response.content.decode())
    assert reader.data, f"no form with id {form_id!r} in the page"
    # A select with nothing selected submits nothing.
    return {name: values for name, values in reader.data.items() if values}


def add_inline_row(data: FormData, prefix: str, **fields: object) -> None:
    """Fill the next extra form of an inline formset, as clicking "Add another" would."""
    index = int(data[f"{prefix}-TOTAL_FORMS"][0])
    data[f"{prefix}-TOTAL_FORMS"] = [str(index + 1)]
    data[f"{prefix}-{index}-id"] = [""]
    for name, value in fields.items():
        data[f"{prefix}-{index}-{name}"] = [str(value)]

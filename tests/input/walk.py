"""Finding every input: the API's operations from its OpenAPI document, the pages' forms and
filters from their HTML, so a new field or page is walked without editing the test."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import Any

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, reverse

NUL = "\x00"


@dataclass
class Form:
    page: str
    method: str
    action: str
    fields: dict[str, str] = field(default_factory=dict)


class FormParser(HTMLParser):
    """Every <form> of a page with its named inputs, selects and textareas."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.page, self.select, self.textarea = page, "", ""
        self.forms: list[Form] = []
        self.current: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "form":
            method = a.get("method", "get").lower()
            self.current = Form(self.page, method, a.get("action") or self.page)
            self.forms.append(self.current)
        elif self.current is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("file", "submit", "button", "image"):
            self.current.fields.setdefault(a["name"], a.get("value", "x") or "x")
        elif tag in ("textarea", "select"):
            self.current.fields.setdefault(a["name"], "x")
            self.select = a["name"] if tag == "select" else ""
            self.textarea = a["name"] if tag == "textarea" else ""
        if tag == "option" and self.select and self.current is not None:
            self.current.fields[self.select] = a.get("value", "x")
            self.select = ""

    def handle_data(self, data: str) -> None:
        if self.textarea and self.current is not None and data.strip():
            self.current.fields[self.textarea] = data.strip()

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.current = None
        elif tag == "textarea":
            self.textarea = ""


def forms_of(page: str, html: str) -> list[Form]:
    parser = FormParser(page)
    parser.feed(html)
    return parser.forms


def nul_variants(fields: dict[str, str]) -> Iterator[dict[str, str]]:
    """The form once per field, that field's value carrying a NUL byte."""
    for name in fields:
        if name != "csrfmiddlewaretoken":
            yield {**fields, name: fields[name] + NUL}


def escaped_nul_variants(fields: dict[str, str]) -> Iterator[dict[str, str]]:
    """For each field holding a JSON object or list, the value with a JSON-escaped NUL (`\\u0000`:
    no NUL in the text, one once decoded)."""
    for name, value in fields.items():
        try:
            decoded = json.loads(value)
        except ValueError:
            continue
        if isinstance(decoded, dict):
            yield {**fields, name: json.dumps({**decoded, "k": NUL})}
        elif isinstance(decoded, list):
            yield {**fields, name: json.dumps([*decoded, NUL])}


def namespace_urls(namespace: str, kwargs: dict[str, Any]) -> list[str]:
    urls = []
    for entry in get_resolver().url_patterns:
        if isinstance(entry, URLResolver) and entry.namespace == namespace:
            for pattern in entry.url_patterns:
                assert isinstance(pattern, URLPattern)
                names = pattern.pattern.converters.keys()
                given = {k: kwargs[k] for k in names}
                urls.append(reverse(f"{namespace}:{pattern.name}", kwargs=given))
    return urls


def api_operations(schema: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def body_schema(schema: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = (operation.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return None
    found = content["application/json"]["schema"]
    for option in found.get("anyOf", [found]):
        if "$ref" in option:
            return schema["components"]["schemas"][option["$ref"].rsplit("/", 1)[1]]
    return None


def fill_path(path: str, ids: dict[str, Any]) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), path)


def row_counts() -> dict[str, int]:
    """Rows per model: a refused request stores nothing."""
    return {m._meta.label: m._default_manager.count() for m in apps.get_models()}

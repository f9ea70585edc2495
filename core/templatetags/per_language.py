"""{% once_per_language %} … {% endonce_per_language %}: a part of a template that is the same
on every page in a language (the site's header and footer: translated words, the addresses of
fixed pages, static files), rendered once a process for each language instead of on every page.

The part is rendered without the page's variables (nor the context processors'), so a
variable put in it by mistake renders empty on every page rather than one page's value on all.
"""

from __future__ import annotations

import weakref

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.base import NodeList, Parser, Token
from django.template.context import Context
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

# Every node, for forgetting what they rendered when a test changes a setting (STATIC_URL…).
_nodes: weakref.WeakSet[OncePerLanguageNode] = weakref.WeakSet()


class OncePerLanguageNode(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist
        # By language and script prefix (the addresses start with it).
        self.rendered: dict[tuple[str | None, str], SafeString] = {}
        _nodes.add(self)

    def render(self, context: Context) -> SafeString:
        key = (get_language(), get_script_prefix())
        if key not in self.rendered:
            self.rendered[key] = self.nodelist.render(context.new())
        return self.rendered[key]


@register.tag
def once_per_language(parser: Parser, token: Token) -> OncePerLanguageNode:
    nodelist = parser.parse(("endonce_per_language",))
    parser.delete_first_token()
    return OncePerLanguageNode(nodelist)


@receiver(setting_changed)
def _forget_rendered(**kwargs: object) -> None:
    for node in list(_nodes):
        node.rendered.clear()

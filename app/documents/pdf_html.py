"""The document's own HTML read back into a small tree, for the PDF layout.

The PDF is laid out from the stored HTML rendering, so it shows exactly what the HTML shows, and a
document stored before a PDF was asked for can still be printed. Only the markup the template
writes is expected; inline SVG charts are kept whole, as their source text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset({"meta", "br", "hr", "img", "input", "link", "col", "area", "base", "wbr"})
_SVG = re.compile(r"<svg\b.*?</svg>", re.DOTALL)


@dataclass
class Node:
    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def classes(self) -> set[str]:
        return set(self.attrs.get("class", "").split())

    def text(self) -> str:
        """The text inside, whitespace collapsed as a browser would."""
        parts = [c if isinstance(c, str) else c.text() for c in self.children]
        return re.sub(r"[ \t\r\n]+", " ", "".join(parts)).strip()

    def find(self, tag: str) -> Node | None:
        return next(iter(self.find_all(tag)), None)

    def find_all(self, tag: str) -> list[Node]:
        found = []
        for child in self.children:
            if isinstance(child, Node):
                if child.tag == tag:
                    found.append(child)
                found += child.find_all(tag)
        return found

    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]


class _TreeBuilder(HTMLParser):
    def __init__(self, svgs: list[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("document")
        self.stack = [self.root]
        self.svgs = svgs

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, {name: value or "" for name, value in attrs})
        if tag == "svgref":
            node.attrs["source"] = self.svgs[int(node.attrs["n"])]
        self.stack[-1].children.append(node)
        if tag not in VOID and tag != "svgref":
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    """The page as a tree; each `<svg>` becomes an `svgref` node carrying its source."""
    svgs: list[str] = []

    def keep(match: re.Match[str]) -> str:
        svgs.append(match.group(0))
        kind = "chart" if 'class="chart"' in match.group(0)[:40] else "key"
        return f'<svgref n="{len(svgs) - 1}" kind="{kind}">'

    builder = _TreeBuilder(svgs)
    builder.feed(_SVG.sub(keep, html))
    builder.close()
    return builder.root

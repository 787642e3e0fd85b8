"""Deterministic user-level usage files for the import benchmark.

`users x products x days` rows, one per user, product and day (no two rows share a key), written
day by day as an Autodesk Account export (2026 columns) or a plain `date,user,product,tokens`
file. The same arguments always give the same bytes, so a file is generated once and reused.
Variants: `changed` adds one token to every row (every stored row is replaced on import),
`bad` breaks one cell near the end (to time the all-or-nothing refusal).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

PRODUCTS: tuple[tuple[str, int], ...] = (
    ("AutoCAD", 7),
    ("Revit", 10),
    ("3ds Max", 6),
    ("Navisworks Manage", 9),
    ("Navisworks Simulate", 4),
)
FIRST_DAY = date(2025, 1, 1)
ACCOUNT_HEADER = "Team,Email,First name,Last name,Product,Feature,Day used,Tokens used\n"
PLAIN_HEADER = "date,user,product,tokens\n"
FORMATS = ("account", "plain")
VARIANTS = ("", "changed", "bad")


@dataclass(frozen=True)
class Shape:
    """How many users, products and days; rows = users * products * days."""

    users: int = 2000
    products: int = 5
    days: int = 100

    @property
    def rows(self) -> int:
        return self.users * self.products * self.days

    def tokens(self, user: int, product: int, day: int) -> int:
        """A product's daily rate, or 0 for a short launch (about one row in 23)."""
        return 0 if (user * 7 + product * 3 + day) % 23 == 0 else PRODUCTS[product][1]

    def total_tokens(self) -> Decimal:
        return Decimal(
            sum(
                self.tokens(u, p, d)
                for u in range(self.users)
                for p in range(self.products)
                for d in range(self.days)
            )
        )


def _account_lines(shape: Shape, day: int, extra: int) -> list[str]:
    when = (FIRST_DAY + timedelta(days=day)).isoformat()
    team = "Studio North" if day % 2 else '"Studio South, Ltd"'
    out = []
    for u in range(shape.users):
        who = f"user{u:05d}@example.com,First{u},Last{u}"
        for p in range(shape.products):
            name = PRODUCTS[p][0]
            out.append(f"{team},{who},{name},Desktop,{when},{shape.tokens(u, p, day) + extra}\n")
    return out


def _plain_lines(shape: Shape, day: int, extra: int) -> list[str]:
    when = (FIRST_DAY + timedelta(days=day)).isoformat()
    return [
        f"{when},u{u:05d},{PRODUCTS[p][0]},{shape.tokens(u, p, day) + extra}\n"
        for u in range(shape.users)
        for p in range(shape.products)
    ]


def bad_line_number(shape: Shape) -> int:
    """The line (header = 1) the bad variant breaks: the next-to-last row."""
    return shape.rows


def write_file(path: Path, shape: Shape, fmt: str, variant: str = "") -> None:
    """Write the file; in the `bad` variant the next-to-last row's tokens cell reads `seven`."""
    if fmt not in FORMATS or variant not in VARIANTS:
        raise ValueError(f"unknown format {fmt!r} or variant {variant!r}")
    bad, extra = variant == "bad", int(variant == "changed")
    header, lines_of = (
        (ACCOUNT_HEADER, _account_lines) if fmt == "account" else (PLAIN_HEADER, _plain_lines)
    )
    tmp = path.with_suffix(".part")
    written = 1
    with tmp.open("w", encoding="utf-8", newline="") as fh:
        fh.write(header)
        for day in range(shape.days):
            lines = lines_of(shape, day, extra)
            if bad and written < bad_line_number(shape) <= written + len(lines):
                i = bad_line_number(shape) - written - 1
                lines[i] = lines[i].rsplit(",", 1)[0] + ",seven\n"
            fh.writelines(lines)
            written += len(lines)
    tmp.replace(path)


def cached_file(workdir: Path, shape: Shape, fmt: str, variant: str = "") -> Path:
    """The file for these arguments under `workdir`, written on first use."""
    tag = f"{fmt}-{shape.users}x{shape.products}x{shape.days}{'-' + variant if variant else ''}"
    path = workdir / f"usage-{tag}.csv"
    if not path.exists():
        workdir.mkdir(parents=True, exist_ok=True)
        write_file(path, shape, fmt, variant)
    return path


def file_digest(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()[:16]

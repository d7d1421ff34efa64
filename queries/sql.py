"""Loads SQL from `.sql` files and fills in the only things that may be
filled in: quoted identifiers and predicate fragments built from other
`.sql` files. Values are never placed in SQL text; they are bound.

Placeholders are written `{{name}}`. A template that is rendered with a
placeholder missing, or with one it does not contain, is refused, so a
typo cannot leave a half-built statement.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

SQL_DIR = Path(__file__).resolve().parent / "sql"
_PLACEHOLDER = re.compile(r"\{\{(\w+)\}\}")
_PARAMETER = re.compile(r"\$(\w+)")


def quote_identifier(name: str) -> str:
    """Quotes a table or column name found by discovery, so that a name such
    as `x"; DROP …` stays one identifier."""
    if not isinstance(name, str) or not name or "\x00" in name:
        raise ValueError("an identifier must be non-empty text")
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL built only from `.sql` files and quoted identifiers,
    with the parameters it binds."""

    text: str
    params: dict

    @staticmethod
    def join(fragments: list[Fragment], operator: str) -> Fragment:
        if operator not in ("OR", "AND", "UNION ALL", "UNION ALL BY NAME") or not fragments:
            raise ValueError("join needs fragments and OR, AND, UNION ALL or UNION ALL BY NAME")
        params: dict = {}
        for fragment in fragments:
            params.update(fragment.params)
        return Fragment("(" + f" {operator} ".join(f"({f.text})" for f in fragments) + ")", params)

    @staticmethod
    def listed(fragments: list[Fragment]) -> Fragment:
        """Comma-separated, as in a select list."""
        if not fragments:
            raise ValueError("listed needs fragments")
        params: dict = {}
        for fragment in fragments:
            params.update(fragment.params)
        return Fragment(", ".join(f.text for f in fragments), params)

    @staticmethod
    def concatenated_lists(fragments: list[Fragment]) -> Fragment:
        """One list holding the elements of every fragment's list."""
        inner = Fragment.listed(fragments)
        return Fragment(f"flatten([{inner.text}])", inner.params)


def bind(text: str, given: dict) -> dict:
    """The parameters `text` names, from `given`: DuckDB refuses unused ones,
    and callers pass the subject's id and email whichever identifier shapes
    the statement ended up matching."""
    return {name: given[name] for name in set(_PARAMETER.findall(text)) if name in given}


@cache
def load(name: str) -> str:
    """The statement without its lines of comment: they document the file,
    and a fragment repeated per file read would carry them into a statement
    hundreds of times, which DuckDB's client then tokenizes."""
    path = (SQL_DIR / f"{name}.sql").resolve()
    if SQL_DIR not in path.parents:
        raise ValueError(f"no query named {name!r}")
    lines = path.read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if not line.lstrip().startswith("--")).strip().rstrip(";")


def render(name: str, identifiers: dict[str, str] | None = None,
           fragments: dict[str, Fragment] | None = None, param_suffix: str = "") -> Fragment:
    """Fills a template's placeholders. With `param_suffix`, its own
    parameters are renamed (`$json_path` -> `$json_path_2`) so that several
    copies of one fragment can sit in a statement."""
    identifiers, fragments = identifiers or {}, fragments or {}
    text = load(name)
    wanted = set(_PLACEHOLDER.findall(text))
    given = set(identifiers) | set(fragments)
    if wanted != given:
        raise ValueError(f"{name}.sql needs {sorted(wanted)}, was given {sorted(given)}")
    if param_suffix:
        own = set(_PARAMETER.findall(text)) - {"employee_id", "email"}
        text = _PARAMETER.sub(lambda m: f"${m.group(1)}{param_suffix}" if m.group(1) in own else m.group(0), text)
    params: dict = {}
    for fragment in fragments.values():
        params.update(fragment.params)

    def fill(match: re.Match) -> str:
        key = match.group(1)
        return quote_identifier(identifiers[key]) if key in identifiers else fragments[key].text

    return Fragment(_PLACEHOLDER.sub(fill, text), params)

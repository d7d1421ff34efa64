"""Plain words for the register's terms: what a kind of data, a purpose and
a legal basis mean to someone who is not a lawyer or a data engineer.

The register names things the way its authors do (`derived_productivity`,
`ai_model_training`, "Art. 6(1)(f) GDPR"). Its optional `glossary` section
gives each term a name and a sentence; the legal bases of the GDPR are
explained here as well, because their meaning does not depend on the
company. A term nobody explained is still shown — as written, made
readable — never hidden.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import MappingProxyType

UNREGISTERED = "unregistered"


@dataclass(frozen=True)
class Term:
    term: str  # as the register writes it
    name: str  # what a person reads
    meaning: str | None  # one or two sentences; None: nobody explained it


# Matched against the register's legal basis text: the first pattern found wins.
_GDPR_BASES: tuple[tuple[re.Pattern, str, str], ...] = tuple((re.compile(pattern, re.IGNORECASE), name, meaning)
                                                              for pattern, name, meaning in (
    (r"6\s*\(1\)\s*\(?a\)?|\bconsent\b", "your consent",
     "You agreed to it, and you can withdraw that consent at any time; what was collected before stays lawful, "
     "nothing after."),
    (r"6\s*\(1\)\s*\(?b\)?|\bcontract\b", "your contract",
     "It is needed to carry out your contract with the company."),
    (r"6\s*\(1\)\s*\(?c\)?|legal obligation|legal duty", "a legal duty",
     "A law obliges the company to keep it (for example working-time or tax records)."),
    (r"6\s*\(1\)\s*\(?f\)?|legitimate interest", "the company's legitimate interest",
     "The company says it has an interest that outweighs yours. You may object (Art. 21 GDPR), and the company "
     "must then stop unless it shows compelling reasons."),
    (r"\b88\b|§\s*26 BDSG|employment", "your employment relationship",
     "It is needed to decide on, carry out or end your employment, as the employment data law allows."),
))

_UNREGISTERED = Term(UNREGISTERED, "Not in the data register",
                     "Tables holding rows about you that nobody declared: there is no stated purpose, legal basis "
                     "or retention period for them.")


def readable(term: str) -> str:
    """A register slug as words: `ai_model_training` -> "ai model training"."""
    return re.sub(r"[_\-.]+", " ", term).strip() or term


class Glossary:
    def __init__(self, kinds: dict[str, Term] | None = None, purposes: dict[str, Term] | None = None,
                 legal_bases: dict[str, Term] | None = None):
        self._kinds = MappingProxyType(dict(kinds or {}))
        self._purposes = MappingProxyType(dict(purposes or {}))
        self._legal_bases = MappingProxyType(dict(legal_bases or {}))

    def kind(self, category: str) -> Term:
        if category == UNREGISTERED:
            return _UNREGISTERED
        return self._kinds.get(category) or Term(category, readable(category).capitalize(), None)

    def purpose(self, purpose: str) -> Term:
        return self._purposes.get(purpose) or Term(purpose, readable(purpose), None)

    def legal_basis(self, basis: str) -> Term:
        if basis in self._legal_bases:
            return self._legal_bases[basis]
        for pattern, name, meaning in _GDPR_BASES:
            if pattern.search(basis):
                return Term(basis, name, meaning)
        return Term(basis, basis, None)

    @staticmethod
    def parse(raw: object) -> Glossary:
        """The register's `glossary` section: `kinds_of_data`, `purposes` and
        `legal_bases`, each a table of term -> {"name", "meaning"}. Raises
        ValueError on any other shape, so a typo is not silently ignored."""
        if raw is None:
            return Glossary()
        if not isinstance(raw, dict) or set(raw) - {"kinds_of_data", "purposes", "legal_bases"}:
            raise ValueError("glossary must be a table with kinds_of_data, purposes and legal_bases")
        sections = {}
        for section in ("kinds_of_data", "purposes", "legal_bases"):
            terms = raw.get(section, {})
            if not isinstance(terms, dict):
                raise ValueError(f"glossary.{section} must be a table")
            parsed = {}
            for term, words in terms.items():
                if not isinstance(words, dict) or not isinstance(words.get("name"), str) or \
                        not isinstance(words.get("meaning", ""), str) or set(words) - {"name", "meaning"}:
                    raise ValueError(f"glossary.{section}.{term} must have a name and a meaning (text)")
                parsed[term] = Term(term, words["name"], words.get("meaning") or None)
            sections[section] = parsed
        return Glossary(sections["kinds_of_data"], sections["purposes"], sections["legal_bases"])

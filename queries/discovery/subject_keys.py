"""Every form in which the company's data can name a person, and how a value
is cut into tokens to look for them.

A row is about a person when any value anywhere in it holds one of their
keys as a whole token. The keys come from the directory: the employee id,
the email, and where the directory has them the login name, the badge
number and the hostnames of the devices assigned to them; plus the SHA-256,
SHA-1 and MD5 (hex) of the email and of the id, because a hash of an
identifier is a pseudonym, not an anonymization.

Tokens are cut the same way everywhere (the index, reading one's rows,
pseudonymizing colleagues): an email address (`[A-Za-z0-9._%+-]+@domain`)
or a run of letters, digits, `.`, `_` and `-` that starts and ends with a
letter or digit; a token holding a character outside ASCII names nobody.
A token is lower-cased in ASCII only and, for an email, a
`+tag` in the local part is dropped (`discovery.plus_tags`). So `E0001`
never matches inside `E00010`, `al@x.example` never inside `val@x.example`,
while `/users/E00219/avatar.png`, `mailto:…`, `Name <…>`, `a@x;b@y` and
`ACME\\ivan.garcia` all yield the identifier as a token. A character outside
ASCII is part of the token it touches and spoils it, so a look-alike (`K`,
the Kelvin sign) neither stands for `k` nor cuts `Kivan.garcia@…` down to
somebody else's address.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cache

from queries.discovery.directory import Directory, Employee

# Characters outside ASCII belong to the token they touch (and spoil it) instead of separating:
# `\u212aivan.garcia@…` (a Kelvin-sign look-alike of another address) must not yield ivan.garcia@….
_OTHER = "\u0080-\U0010ffff"
_EMAIL = f"[A-Za-z0-9._%+\\-{_OTHER}]+@[A-Za-z0-9\\-{_OTHER}]+(?:\\.[A-Za-z0-9\\-{_OTHER}]+)+"
TOKEN = _EMAIL + f"|[A-Za-z0-9{_OTHER}](?:[A-Za-z0-9_.\\-{_OTHER}]*[A-Za-z0-9{_OTHER}])?"
TOKEN_AT_LEAST = _EMAIL + f"|[A-Za-z0-9{_OTHER}][A-Za-z0-9_.\\-{_OTHER}]" + "{minimum,}" + f"[A-Za-z0-9{_OTHER}]"
SINGLE_TOKEN = r"[A-Za-z0-9](?:[A-Za-z0-9._%+@\-]*[A-Za-z0-9])?"
PLUS_TAG = r"\+[^@]*@"
# A value that is one key as a whole: the token alone, `mailto:` it, `Name <address>` or `DOMAIN\login`.
WHOLE_VALUE = (r"(?i)\s*(?:mailto:)?(?P<token>" + SINGLE_TOKEN + r")\s*"
               r"|[^<>]*<\s*(?P<address>[A-Za-z0-9._%+\-]+@[A-Za-z0-9.\-]+)\s*>\s*"
               r"|\s*[A-Za-z0-9.\-]+\\(?P<login>[A-Za-z0-9._\-]+)\s*")
JSON_ESCAPE = r'\\(?:["\\/bfnrt]|u[0-9a-fA-F]{4})'
HASHES = ("sha256", "sha1", "md5")
PLAIN_KINDS = ("employee_id", "email", "login", "badge", "hostname")

KIND_LABELS = {
    "employee_id": "your employee id",
    "email": "your email address",
    "login": "your login name",
    "badge": "your badge number",
    "hostname": "the name of a device assigned to you",
    **{f"email_{h}": f"pseudonymized identifier (a {h.upper()} hash of your email)" for h in HASHES},
    **{f"employee_id_{h}": f"pseudonymized identifier (a {h.upper()} hash of your employee id)" for h in HASHES},
}

_TOKEN = re.compile(TOKEN)
_REGEX_SPECIAL = set(r".^$*+?()[]{}|\-")
_PLUS_TAG = re.compile(PLUS_TAG)


@dataclass(frozen=True)
class Key:
    key: str
    employee_id: str
    kind: str


def _hashes(kind: str, value: str, employee_id: str) -> list[Key]:
    forms = {value, value.lower()}
    return [Key(getattr(hashlib, h)(form.encode()).hexdigest(), employee_id, f"{kind}_{h}")
            for h in HASHES for form in sorted(forms)]


def keys_of(employee: Employee) -> list[Key]:
    """Every key of one person, lower-cased as tokens are."""
    plain = [("employee_id", employee.employee_id), ("email", employee.email), ("login", employee.login),
             ("badge", employee.badge), *(("hostname", h) for h in employee.hostnames)]
    plain = [(kind, value) for kind, value in plain if value and re.fullmatch(SINGLE_TOKEN, value)]
    keys = [Key(value.lower(), employee.employee_id, kind) for kind, value in plain]
    keys += _hashes("employee_id", employee.employee_id, employee.employee_id)
    keys += _hashes("email", employee.email, employee.employee_id)
    return list({k.key: k for k in keys}.values())


@cache
def _keys(directory: Directory) -> tuple[Key, ...]:
    every = [key for person in directory for key in keys_of(person)]
    counts: dict[str, int] = {}
    for key in every:
        counts[key.key] = counts.get(key.key, 0) + 1
    return tuple(key for key in every if counts[key.key] == 1)


def directory_keys(directory: Directory) -> tuple[Key, ...]:
    """Every key in the directory that names exactly one person; a value two
    entries share (a recycled login) names neither."""
    return _keys(directory)


@cache
def _people_by_key(directory: Directory) -> dict[str, str]:
    return {k.key: k.employee_id for k in directory_keys(directory)}


def person_named(directory: Directory, token: str) -> str | None:
    """The employee id a token (already cut and lower-cased) names, if any."""
    return _people_by_key(directory).get(token)


def _shape(value: str) -> str:
    """A regular expression for values shaped like `value`: letters, digits
    and the literal punctuation between them."""
    parts = []
    for run in re.finditer(r"[a-z]+|[0-9]+|[^a-z0-9]+", value):
        text = run.group(0)
        parts.append("[a-z]+" if text[0].isalpha() else "[0-9]+" if text[0].isdigit() else re.escape(text))
    return "".join(parts)


@cache
def _prefilter(directory: Directory) -> str:
    shapes = sorted({_shape(k.key) for k in directory_keys(directory) if k.kind in PLAIN_KINDS and "@" not in k.key}
                    | {"@", "[0-9a-f]{32}"})
    return "(?i)" + "|".join(shapes)


def subject_prefilter(keys: list[Key]) -> str:
    """A search every text holding one of `keys` as a token matches: each
    key literally, in any case, an email also with a `+tag` before its `@`.
    A text that fails it cannot name the subject, so it is never cut into
    tokens; one that passes is still cut and matched exactly. (RE2 folds
    case beyond ASCII, so the search may pass a look-alike: that only costs
    a cut.)"""
    def literal(text: str) -> str:
        return "".join("\\" + c if c in _REGEX_SPECIAL else c for c in text)
    forms = sorted({literal(local) + r"(?:\+[^@]*)?@" + literal(domain) if "@" in k.key else literal(k.key)
                    for k in keys for local, _, domain in [k.key.partition("@")]})
    return "(?i)" + "|".join(forms) if forms else "$^"


def tokens_at_least(length: int) -> str:
    """TOKEN without the tokens shorter than `length` characters, which name
    nobody when every key is that long; cutting text into fewer tokens is
    most of what building the index costs. The longer tokens are exactly
    TOKEN's: a run of letters and digits too short from its first character
    is too short from any later one, and an email found inside a run would
    have been found from the run's first character, as TOKEN finds it.
    Emails are not held to `length`: a shorter one names nobody either."""
    if length < 2:
        return TOKEN
    return TOKEN_AT_LEAST.replace("{minimum,}", f"{{{length - 2},}}")


@cache
def _shortest_key(directory: Directory) -> int:
    return min((len(k.key) for k in directory_keys(directory)), default=1)


def token_params(directory: Directory, plus_tags: bool) -> dict:
    """The bound parameters of every statement that cuts values into tokens.

    The prefilter is a search every key's shape matches (built from the
    directory), so a value that fails it holds no key and is not cut up."""
    shortest = _shortest_key(directory)
    return {"token": tokens_at_least(shortest), "single_token": SINGLE_TOKEN,
            "plus_tag": PLUS_TAG if plus_tags else "@", "json_escape": JSON_ESCAPE,
            "prefilter": _prefilter(directory), "shortest_key": shortest}


def as_key(token: str, plus_tags: bool = True) -> str | None:
    """A raw token as it is looked up among the keys — lower-cased, `+tag`
    dropped — or None when it holds a character outside ASCII (checked
    first: lower-casing turns the Kelvin sign into a `k`)."""
    if not token.isascii():
        return None
    return _PLUS_TAG.sub("@", token.lower()) if plus_tags else token.lower()


def tokens(text: str, plus_tags: bool = True) -> list[str]:
    """The tokens of one text, as the SQL cuts them (for pseudonymizing in Python)."""
    return [key for t in _TOKEN.findall(text) if (key := as_key(t, plus_tags))]


def _paths(value, path: str, keys: set[str], found: set[str], plus_tags: bool) -> None:
    if isinstance(value, dict):
        for key, inner in value.items():
            if isinstance(key, str) and set(tokens(key, plus_tags)) & keys:
                found.add(f"{path}{{key}}")
            _paths(inner, f"{path}.{key}", keys, found, plus_tags)
    elif isinstance(value, list) and value and all(isinstance(v, tuple) and len(v) == 2 for v in value):
        for key, inner in value:
            _paths(key, f"{path}{{key}}", keys, found, plus_tags)
            _paths(inner, f"{path}{{value}}", keys, found, plus_tags)
    elif isinstance(value, (list, tuple)):
        for inner in value:
            _paths(inner, f"{path}[]", keys, found, plus_tags)
    elif isinstance(value, str):
        if value.lstrip()[:1] in ("{", "["):
            try:
                _paths(json.loads(value), f"{path} $", keys, found, plus_tags)
                return
            except json.JSONDecodeError:
                pass
        if set(tokens(value, plus_tags)) & keys:
            found.add(path)
    elif isinstance(value, int) and not isinstance(value, bool) and str(value) in keys:
        found.add(path)


def paths_naming(rows: list[dict], keys: set[str], plus_tags: bool = True) -> list[str]:
    """Where in these rows the keys sit: `column`, `column.field`,
    `column[]`, `column{key}` and `column{value}` (a map's keys and values)
    or `column $.a.b` inside JSON text — for showing a person where they
    were found."""
    found: set[str] = set()
    for row in rows:
        for column, value in row.items():
            _paths(value, column, keys, found, plus_tags)
    return sorted(found)

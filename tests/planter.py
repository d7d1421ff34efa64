"""Plants unregistered tables holding people in every shape a real lake
holds them, next to a sample warehouse, with the ground truth of who each
row names, known by construction.

Each table is one hostile shape: identifiers in any case, wrapped in
display names, `mailto:`, URLs and paths, delimited lists, free text,
`+tags`, domain logins, hashes, integers, binary, DuckDB's JSON type, JSON
text with arrays at the top and odd keys, structs, maps (keys and values),
lists, fixed-size arrays, lists of structs holding maps, and a table of
200,000 service-account rows with 7 rows of one person. Every table also
holds decoys: values that contain, extend or shorten real identifiers
(`E00219` → `E002190`, `xE00219`, `ivan.garcia@acme.example.org`) and must
name nobody.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

DATABASE = "planted"


@dataclass(frozen=True)
class Person:
    employee_id: str
    email: str
    login: str
    badge: str
    hostnames: tuple[str, ...]


def decoys(p: Person) -> list[str]:
    """Values that look like p's identifiers but are not: longer, shorter, prefixed, on another domain."""
    local, domain = p.email.split("@")
    return [f"{p.employee_id}0", f"x{p.employee_id}", p.employee_id[:-1], f"{p.email}.org", f"v{p.email}",
            f"{local}@{domain}x", f"{local[1:]}@{domain}", f"{p.login}x", f"x{p.login}", f"{p.badge}1",
            p.badge[:-1], f"{p.hostnames[0]}9", f"x{p.hostnames[0]}", f"{p.employee_id}_{p.employee_id}0",
            hashlib.sha256(p.email.encode()).hexdigest()[:63], f"+{p.employee_id}1"]


def _h(name: str, text: str, upper: bool = False) -> str:
    digest = getattr(hashlib, name)(text.encode()).hexdigest()
    return digest.upper() if upper else digest


# Each shape: (arrow type or None for a string column, how a value naming one person looks,
# how a value naming two people looks or None).
Shape = tuple[pa.DataType, Callable[[Person], object], Callable[[Person, Person], object] | None]

SHAPES: dict[str, Shape] = {
    "email_upper_padded": (pa.string(), lambda p: f"  {p.email.upper()} ", None),
    "display_name": (pa.string(), lambda p: f"Someone Name <{p.email}>", None),
    "mailto": (pa.string(), lambda p: f"mailto:{p.email}", None),
    "url_path": (pa.string(), lambda p: f"https://intranet.acme.example/users/{p.employee_id}/avatar.png", None),
    "semicolons": (pa.string(), lambda p: p.email, lambda a, b: f"{a.email};{b.email}"),
    "commas": (pa.string(), lambda p: f"{p.email}, ", lambda a, b: f"{a.email}, {b.email.upper()}"),
    "free_text": (pa.string(), lambda p: f"please loop in {p.employee_id.lower()} on this, thanks.",
                  lambda a, b: f"{a.email} asked {b.employee_id} (see ticket)"),
    "plus_tag": (pa.string(), lambda p: p.email.replace("@", "+jira-notify@"), None),
    "domain_login": (pa.string(), lambda p: f"ACME\\{p.login.upper()}", None),
    "login_in_text": (pa.string(), lambda p: f"session opened by {p.login} from vpn", None),
    "hostname_text": (pa.string(), lambda p: f"ssh into {p.hostnames[-1]} failed twice", None),
    "badge_int": (pa.int64(), lambda p: int(p.badge), None),
    "badge_text": (pa.string(), lambda p: f"badge #{p.badge} at door 4", None),
    "binary_utf8": (pa.binary(), lambda p: f"user={p.employee_id}&ok=1".encode(), None),
    "json_type": (pa.json_(pa.string()), lambda p: json.dumps({"actor": {"ids": [p.employee_id]}}),
                  lambda a, b: json.dumps({"from": a.email, "cc": [{"to": b.login}]})),
    "json_array_top": (pa.string(), lambda p: json.dumps([{"who": p.email}, 3, None]), None),
    "json_odd_keys": (pa.string(), lambda p: json.dumps({"a b": {"ü-key": ["x", {"$id": p.employee_id}]}}), None),
    "json_escaped": (pa.string(), lambda p: json.dumps({"note": f"line one\nsee {p.employee_id}\tok"}), None),
    "json_key_is_id": (pa.string(), lambda p: json.dumps({p.employee_id: {"score": 3}}), None),
    "sha256_email": (pa.string(), lambda p: _h("sha256", p.email), None),
    "sha1_id_upper": (pa.string(), lambda p: _h("sha1", p.employee_id, upper=True), None),
    "md5_email": (pa.string(), lambda p: _h("md5", p.email), None),
    "sha256_in_text": (pa.string(), lambda p: f"user_hash={_h('sha256', p.employee_id)};v=2", None),
    "struct_deep": (pa.struct([("who", pa.struct([("email", pa.string()), ("n", pa.int64())]))]),
                    lambda p: {"who": {"email": p.email, "n": 1}}, None),
    "map_keys": (pa.map_(pa.string(), pa.int64()), lambda p: [(p.employee_id, 3), ("other", 1)],
                 lambda a, b: [(a.employee_id, 1), (b.email, 2)]),
    "map_values": (pa.map_(pa.string(), pa.string()), lambda p: [("owner", p.login), ("k", "v")], None),
    "list_of_structs_with_map": (
        pa.list_(pa.struct([("m", pa.map_(pa.string(), pa.string()))])),
        lambda p: [{"m": [("reviewer", p.email)]}, {"m": []}],
        lambda a, b: [{"m": [("a", a.employee_id)]}, {"m": [("b", b.hostnames[0])]}]),
    "fixed_size_list": (pa.list_(pa.string(), 2), lambda p: ["nobody", p.employee_id], None),
    "list_of_lists": (pa.list_(pa.list_(pa.string())), lambda p: [["x"], ["y", p.email]], None),
    "large_text": (pa.large_string(), lambda p: f"owner {p.email}", None),
    "dictionary_text": (pa.dictionary(pa.int32(), pa.string()), lambda p: p.employee_id, None),
    "hostname_list": (pa.list_(pa.string()), lambda p: list(p.hostnames), None),
}


def _value(shape: Shape, decoy: str):
    """A value of the shape's type holding `decoy` where a person would be, or None if the type cannot."""
    kind = shape[0]
    if isinstance(kind, pa.BaseExtensionType):
        return json.dumps({"d": decoy})
    if pa.types.is_integer(kind):
        return int(decoy) if decoy.isdigit() else None
    if pa.types.is_binary(kind):
        return decoy.encode()
    if pa.types.is_struct(kind):
        return {"who": {"email": decoy, "n": 0}}
    if pa.types.is_map(kind):
        return [("decoy", decoy)] if pa.types.is_string(kind.item_type) else [(decoy, 0)]
    if pa.types.is_fixed_size_list(kind):
        return ["nobody", decoy]
    if pa.types.is_list(kind):
        inner = kind.value_type
        return [[decoy]] if pa.types.is_list(inner) else [{"m": [("d", decoy)]}] if pa.types.is_struct(inner) else [decoy]
    return decoy


def plant(warehouse: Path, people: list[Person], taken: set[str]) -> Counter:
    """Writes the planted tables; returns {(table, employee_id): rows naming them}.
    `taken` holds every identifier of the directory, lower-cased: a decoy that
    happens to be somebody's real identifier is left out."""
    truth: Counter = Counter()
    for number, (name, shape) in enumerate(SHAPES.items()):
        kind, one, two = shape
        values, named = [], []
        for index, person in enumerate(people):
            for repeat in range(1 + (index + number) % 3):
                values.append(one(person))
                named.append({person.employee_id})
            if two is not None:
                other = people[(index + 1 + number) % len(people)]
                if other is not person:
                    values.append(two(person, other))
                    named.append({person.employee_id, other.employee_id})
        for person in people:
            for decoy in decoys(person):
                value = _value(shape, decoy)
                if value is not None and decoy.lower() not in taken and str(value).lower() not in taken:
                    values.append(value)
                    named.append(set())
        values.append(None)
        named.append(set())
        column = pa.array(values, type=kind.storage_type if isinstance(kind, pa.BaseExtensionType) else
                          kind.value_type if pa.types.is_dictionary(kind) else kind)
        if isinstance(kind, pa.BaseExtensionType):
            column = pa.ExtensionArray.from_storage(kind, column)
        elif pa.types.is_dictionary(kind):
            column = column.dictionary_encode()
        _write(warehouse, name, pa.table({"row_no": pa.array(range(len(values)), pa.int32()), "value": column,
                                          "score": pa.array([0.5] * len(values))}))
        for who in named:
            for employee_id in who:
                truth[(f"{DATABASE}.{name}", employee_id)] += 1
    truth += _needle_in_a_haystack(warehouse, people[0])
    return truth


def _needle_in_a_haystack(warehouse: Path, person: Person) -> Counter:
    """200,000 rows of service accounts and 7 rows of one person: no share
    threshold may hide them."""
    n = 200_000
    actors = [f"svc-batch-{i % 50:02d}" for i in range(n)]
    for position in range(7):
        actors[position * 28_571 + 5] = person.email
    _write(warehouse, "service_account_heavy", pa.table({"actor": actors, "job": [f"job-{i % 97}" for i in range(n)]}))
    return Counter({(f"{DATABASE}.service_account_heavy", person.employee_id): 7})


def _write(warehouse: Path, table: str, rows: pa.Table) -> None:
    folder = warehouse / f"{DATABASE}.db" / table
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(rows, folder / "part-00000.parquet")

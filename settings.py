"""Typed settings, loaded once from `portal.toml`.

Every field carries a description; the README's settings table is checked
against these descriptions by a test, so a setting cannot exist without
being documented. Unknown keys are refused rather than ignored: a typo in a
security setting must not silently fall back to a default.
"""

from __future__ import annotations

import os
import tomllib
from dataclasses import MISSING, dataclass, field, fields
from pathlib import Path
from types import MappingProxyType

CONFIG_ENV = "PORTAL_CONFIG"
DEFAULT_CONFIG = Path(__file__).resolve().parent / "portal.toml"


class ConfigError(Exception):
    """The configuration cannot be used; the message says what to fix."""


def _doc(text: str, default=MISSING, default_factory=MISSING):
    if default_factory is not MISSING:
        return field(default_factory=default_factory, metadata={"doc": text})
    return field(default=default, metadata={"doc": text})


Location = Path | str  # a local path, resolved, or an object store's URI (`s3://bucket/prefix`), kept as text
OBJECT_STORE_SCHEMES = ("s3://",)


@dataclass(frozen=True)
class WarehouseSettings:
    path: Location = _doc("The warehouse: a folder, or an object store location (`s3://bucket/prefix`, reached as "
                          "`[object_storage]` says), holding `<database>.db/<table>/[k=v/…]` folders of Parquet, "
                          "ORC or text files, named anything, and Delta tables.")
    register: Path = _doc("The data register (JSON): per table its purposes, legal basis, retention and identifier columns.")
    refresh_seconds: int = _doc("How often, at most, the portal looks for new or changed files and updates the "
                                "subject index (seconds).", 60)


def _no_properties() -> MappingProxyType:
    return MappingProxyType({})


@dataclass(frozen=True)
class IcebergSettings:
    catalog: Path | None = _doc("An Iceberg SQL catalog in a SQLite file (development and tests). Leave out for none, "
                                "or use `iceberg.properties` for any other catalog.", None)
    properties: MappingProxyType = _doc(
        "Table of an Iceberg catalog's properties as pyiceberg takes them: `type` (`rest`, `hive`, `glue`, `sql`), "
        "`uri`, `warehouse`, `s3.endpoint`… Secrets are better given as pyiceberg's environment variables "
        "(`PYICEBERG_CATALOG__DAYLIGHT__CREDENTIAL`).", default_factory=_no_properties)


@dataclass(frozen=True)
class ObjectStorageSettings:
    endpoint: str = _doc("The S3 endpoint when `warehouse.path` is an `s3://` location on a store other than AWS's "
                         "(`http://127.0.0.1:9000` for a local one). Empty: AWS.", "")
    region: str = _doc("The bucket's region. Empty: `AWS_REGION` from the environment, else `us-east-1`.", "")
    access_key_id: str = _doc("Access key. Better left empty and given as `AWS_ACCESS_KEY_ID` in the environment.", "")
    secret_access_key: str = _doc("Secret key. Better left empty and given as `AWS_SECRET_ACCESS_KEY` in the "
                                  "environment.", "")


@dataclass(frozen=True)
class DirectorySettings:
    path: Path = _doc("The employee directory (CSV with employee_id, name, email, department, manager_id, location, level, "
                      "start_date, exempt_from_collection; optionally sso_subject, login, badge and hostnames, several "
                      "hostnames separated by `;`).")


@dataclass(frozen=True)
class DiscoverySettings:
    plus_tags: bool = _doc("Count `name+anything@domain` as the address `name@domain` when looking for people "
                           "(sub-addressing, as most mail systems deliver it).", True)


@dataclass(frozen=True)
class StateSettings:
    path: Path = _doc("Folder for the portal's own records (discovery catalog, subject index, access ledger, imported "
                      "audit events, deletion requests). Created if missing.")
    index_role: str = _doc(
        "`sole`: this process keeps the subject index, and no other process uses the state folder meanwhile. "
        "`writer`: it keeps the index and, after each change, publishes a read-only copy for other portal processes "
        "on the same state folder, and runs the erasures officers start in them. `reader`: it opens the newest "
        "published copy read-only and moves to a newer one when it appears (README, \"Scaling out\").", "sole")


@dataclass(frozen=True)
class LedgerSettings:
    signing_key: Path = _doc("Ed25519 private key that signs the access ledger's checkpoints (PEM). Created on first "
                             "start; must lie outside the state folder. The public key is written beside it as `.pub`.")
    checkpoint_every: int = _doc("A signed checkpoint is written every this many ledger entries.", 100)


def _default_broad_groups() -> tuple:
    return ("all-employees",)


@dataclass(frozen=True)
class AuditSettings:
    log: Path | None = _doc("The warehouse's own audit log (Ranger-style JSON lines). Imported incrementally; "
                            "without it only the portal's ledger is shown.", None)
    grants: Path | None = _doc("The warehouse's grants history (CSV: grant_id, resource, grantee_type, grantee, "
                               "privilege, granted_at, revoked_at, granted_by, reason), for the exposure report.", None)
    groups: Path | None = _doc("Members of each access group (JSON: group -> employee ids).", None)
    broad_groups: tuple = _doc("Groups no table's purpose covers (for example everyone in the company): a grant to "
                               "one of them makes the table's rows exposed.", default_factory=_default_broad_groups)
    show_accessor_names: bool = _doc("Show employees the names of the people who read their data (`true`), or "
                                     "only their role and group (`false`).", True)


@dataclass(frozen=True)
class ConsoleSettings:
    timeout_seconds: int = _doc("Wall-clock limit of one SQL console query; the worker is killed after it.", 10)
    max_rows: int = _doc("Most rows a console result returns; longer results are cut with a note.", 10_000)
    memory_mb: int = _doc("Memory DuckDB may use inside the console worker (MB).", 512)
    max_result_mb: int = _doc("Most bytes of one console result (MB); the worker stops producing and the portal "
                              "stops reading past it, and the page says the result was cut.", 50)
    max_concurrent_per_person: int = _doc("Most console statements one person runs at once; the next is answered "
                                          "\"busy, try again\".", 2)
    max_concurrent: int = _doc("Most console statements running at once in one portal process, for everyone.", 4)
    allow_unsandboxed: bool = _doc("Run console statements even where the worker's OS sandbox (Landlock and "
                                   "seccomp) cannot be applied. Off by default: the console then refuses to run. "
                                   "Turn on only for development on a host without them.", False)


def _default_reason_categories() -> MappingProxyType:
    return MappingProxyType({
        "legal obligation": "a legal duty to keep the data", "retention": "a legal duty to keep the data",
        "tax": "a legal duty to keep the data", "statutory": "a legal duty to keep the data",
        "claim": "legal claims or an investigation", "litigation": "legal claims or an investigation",
        "investigation": "legal claims or an investigation", "court": "legal claims or an investigation",
        "case": "legal claims or an investigation", "audit": "legal claims or an investigation",
        "unfounded": "unfounded or excessive", "excessive": "unfounded or excessive",
        "repetitive": "unfounded or excessive", "identity": "identity not confirmed"})


@dataclass(frozen=True)
class CouncilSettings:
    min_group_size: int = _doc("The works council's minimum group size k: a figure describing fewer employees, or "
                               "fewer people who read, is withheld. At least 5.", 10)
    reason_categories: MappingProxyType = _doc(
        "Table mapping a word or phrase in a deletion request's denial reason to the category the works council "
        "sees (the reason itself is free text and is never shown); a reason matching none is \"other reason\".",
        default_factory=_default_reason_categories)
    exemption_policy: str = _doc("The rule that exempts people from collection, in words, shown to the works council "
                                 "as policy.", "")
    exempt_levels: tuple = _doc("The levels that rule exempts; people exempt at other levels are counted as "
                                "exceptions beyond the policy, under the minimum group size.", ())


def _cpu_cores() -> int:
    return os.cpu_count() or 1


@dataclass(frozen=True)
class ErasureSettings:
    workers: int = _doc("How many files an erasure rewrites and verifies at once. Default: one per CPU core.",
                        default_factory=_cpu_cores)
    contact: str = _doc("Whom an employee contacts to contest a decision on their deletion request (a name, "
                        "an address), shown with every request.", "your data protection officer")
    supervisory_authority: str = _doc("The data protection authority an employee may complain to, shown with "
                                      "every request.", "the data protection supervisory authority where you "
                                      "work or live")


@dataclass(frozen=True)
class MailSettings:
    smtp_host: str = _doc("SMTP server that mails employees when their deletion request changes state. Empty: no "
                          "mail, the portal's own notifications only.", "")
    smtp_port: int = _doc("Its port.", 25)
    starttls: bool = _doc("Upgrade the connection with STARTTLS before sending.", False)
    username: str = _doc("User to sign in to the server as, if it asks; the password is taken from "
                         "`DAYLIGHT_SMTP_PASSWORD` in the environment.", "")
    sender: str = _doc("The mails' From address.", "daylight@localhost")
    portal_url: str = _doc("The portal's address, named in the mails.", "")


def _default_role_groups() -> MappingProxyType:
    return MappingProxyType({"employees": "employee", "works-council": "works_council", "hr-privacy": "hr"})


@dataclass(frozen=True)
class IdentitySettings:
    directory_claim: str = _doc("The ID-token claim that identifies the person in the directory. In production prefer "
                                "an immutable one (`sub`, Entra's `oid`, an `employee_id` claim): emails get reassigned.",
                                "email")
    directory_field: str = _doc("The directory column that claim is matched against: `email` (ASCII addresses, "
                                "compared ignoring ASCII case only), `employee_id` or `sso_subject` (compared "
                                "exactly).", "email")
    require_email_verified: bool = _doc("When matching on an email, sign in only tokens whose `email_verified` claim "
                                        "is true. Turning it off is logged as a warning at every start.", True)
    groups_claim: str = _doc("The ID-token claim listing the person's groups.", "groups")
    role_groups: MappingProxyType = _doc(
        "Table mapping an identity-provider group to a portal role (`employee`, `works_council`, `hr`).",
        default_factory=_default_role_groups)


@dataclass(frozen=True)
class Settings:
    warehouse: WarehouseSettings
    directory: DirectorySettings
    state: StateSettings
    ledger: LedgerSettings
    identity: IdentitySettings = field(default_factory=IdentitySettings)
    discovery: DiscoverySettings = field(default_factory=DiscoverySettings)
    audit: AuditSettings = field(default_factory=AuditSettings)
    console: ConsoleSettings = field(default_factory=ConsoleSettings)
    council: CouncilSettings = field(default_factory=CouncilSettings)
    erasure: ErasureSettings = field(default_factory=ErasureSettings)
    iceberg: IcebergSettings = field(default_factory=IcebergSettings)
    object_storage: ObjectStorageSettings = field(default_factory=ObjectStorageSettings)
    mail: MailSettings = field(default_factory=MailSettings)
    source: Path = field(default=DEFAULT_CONFIG, metadata={"internal": True})


ROLES = frozenset({"employee", "works_council", "hr"})
DIRECTORY_FIELDS = frozenset({"email", "employee_id", "sso_subject"})
INDEX_ROLES = frozenset({"sole", "writer", "reader"})
MIN_GROUP_SIZE_FLOOR = 5


def _build(section_type, values: dict, where: str, base: Path):
    known = {f.name: f for f in fields(section_type) if not f.metadata.get("internal")}
    unknown = set(values) - set(known)
    if unknown:
        raise ConfigError(f"unknown setting(s) {', '.join(sorted(f'{where}.{k}' for k in unknown))}")
    kwargs = {}
    for name, spec in known.items():
        if name not in values:
            if spec.default is MISSING and spec.default_factory is MISSING:
                raise ConfigError(f"missing setting {where}.{name}: {spec.metadata['doc']}")
            continue
        value = values[name]
        if spec.type == "Location" and isinstance(value, str) and value.startswith(OBJECT_STORE_SCHEMES):
            value = value.rstrip("/")
        elif spec.type in ("Path", "Path | None", "Location"):
            if not isinstance(value, str) or not value:
                raise ConfigError(f"{where}.{name} must be a path (text)")
            value = (base / value).resolve()
        elif spec.type == "str" and not isinstance(value, str):
            raise ConfigError(f"{where}.{name} must be text")
        elif spec.type == "bool" and not isinstance(value, bool):
            raise ConfigError(f"{where}.{name} must be true or false")
        elif spec.type == "tuple":
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where}.{name} must be a list of text values")
            value = tuple(value)
        elif spec.type == "int" and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise ConfigError(f"{where}.{name} must be a whole number, 0 or more")
        elif spec.type == "MappingProxyType":
            if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
                raise ConfigError(f"{where}.{name} must be a table of text values")
            value = MappingProxyType(dict(value))
        kwargs[name] = value
    return section_type(**kwargs)


def _validate(settings: Settings) -> None:
    unknown_roles = set(settings.identity.role_groups.values()) - ROLES
    if unknown_roles:
        raise ConfigError(f"identity.role_groups names unknown role(s) {sorted(unknown_roles)}; "
                          f"roles are {sorted(ROLES)}")
    if settings.ledger.signing_key.is_relative_to(settings.state.path):
        raise ConfigError("ledger.signing_key must lie outside the state folder: whoever can rewrite the ledger "
                          "must not also hold the key that signs it")
    if settings.ledger.checkpoint_every < 1:
        raise ConfigError("ledger.checkpoint_every must be at least 1")
    if settings.council.min_group_size < MIN_GROUP_SIZE_FLOOR:
        raise ConfigError(f"council.min_group_size must be at least {MIN_GROUP_SIZE_FLOOR}: smaller groups let the "
                          "works council's figures describe individuals")
    if min(settings.console.max_concurrent_per_person, settings.console.max_concurrent,
           settings.console.max_result_mb) < 1:
        raise ConfigError("console.max_concurrent_per_person, console.max_concurrent and console.max_result_mb "
                          "must be at least 1")
    if settings.erasure.workers < 1:
        raise ConfigError("erasure.workers must be at least 1")
    if settings.iceberg.catalog and settings.iceberg.properties:
        raise ConfigError("give iceberg.catalog (a SQLite file) or iceberg.properties, not both")
    if settings.state.index_role not in INDEX_ROLES:
        raise ConfigError(f"state.index_role must be one of {sorted(INDEX_ROLES)}")
    if settings.identity.directory_field not in DIRECTORY_FIELDS:
        raise ConfigError(f"identity.directory_field must be one of {sorted(DIRECTORY_FIELDS)}")


def load_settings(path: str | os.PathLike | None = None) -> Settings:
    """Reads the settings from `path`, else $PORTAL_CONFIG, else ./portal.toml."""
    source = Path(path or os.environ.get(CONFIG_ENV) or DEFAULT_CONFIG)
    try:
        raw = tomllib.loads(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"configuration file {source} not found (set {CONFIG_ENV} to its path)") from None
    except tomllib.TOMLDecodeError as problem:
        raise ConfigError(f"configuration file {source} is not valid TOML: {problem}") from None
    sections = {f.name: f.type for f in fields(Settings) if not f.metadata.get("internal")}
    unknown = set(raw) - set(sections)
    if unknown:
        raise ConfigError(f"unknown section(s) {sorted(unknown)} in {source}")
    base = source.resolve().parent
    built = {}
    for name, spec in ((f.name, f) for f in fields(Settings) if not f.metadata.get("internal")):
        section_type = globals()[spec.type]
        if name not in raw and spec.default_factory is MISSING:
            raise ConfigError(f"missing section [{name}] in {source}")
        values = raw.get(name, {})
        if not isinstance(values, dict):
            raise ConfigError(f"[{name}] must be a section")
        built[name] = _build(section_type, values, name, base)
    settings = Settings(**built, source=source)
    _validate(settings)
    return settings


def documented_settings() -> dict[str, str]:
    """Every setting as `section.key` with its description (for the README check)."""
    documented = {}
    for section in fields(Settings):
        if section.metadata.get("internal"):
            continue
        for item in fields(globals()[section.type]):
            documented[f"{section.name}.{item.name}"] = item.metadata["doc"]
    return documented

"""`daylight ledger verify` and `daylight ledger public-key`: checking the
access ledger with the public key alone, as a works council or an auditor
would, without the portal's secrets."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

from queries.access.ledger import LEDGER_FILE, Checkpoint, LedgerError, load_public_key, public_key_path, verify
from queries.cli.common import CommandError, printed
from settings import ConfigError, load_settings


def _paths(args) -> tuple[Path, Path]:
    """Explicit paths need no configuration; defaults come from portal.toml."""
    explicit_ledger, explicit_key = getattr(args, "ledger", None), getattr(args, "public_key", None)
    if explicit_ledger and explicit_key:
        return explicit_ledger, explicit_key
    try:
        settings = load_settings(args.config)
    except ConfigError as problem:
        raise CommandError(str(problem)) from None
    return (explicit_ledger or settings.state.path / LEDGER_FILE,
            explicit_key or public_key_path(settings.ledger.signing_key))


def _public_key(args) -> int:
    _, public_file = _paths(args)
    try:
        print(public_file.read_text(), end="")
    except OSError as problem:
        raise CommandError(f"cannot read the public key {public_file}: {problem.strerror}") from None
    return 0


def _verify(args) -> int:
    ledger_file, public_file = _paths(args)
    try:
        anchor = Checkpoint.from_json(args.anchor.read_text()) if args.anchor else None
        result = verify(ledger_file, load_public_key(public_file.read_bytes()), anchor)
    except (LedgerError, ValueError, KeyError) as problem:
        raise CommandError(str(problem)) from None
    except OSError as problem:
        raise CommandError(f"cannot read {problem.filename}: {problem.strerror}") from None
    printed({**asdict(result), "intact": result.intact}, args.json, result.summary())
    return 0 if result.intact else 1


def add_commands(commands, common) -> None:
    ledger = commands.add_parser("ledger", help="verify the access ledger, or print its public key")
    actions = ledger.add_subparsers(dest="ledger_command", required=True, metavar="ACTION")
    check = actions.add_parser("verify", parents=[common], help="verify the whole ledger with the public key alone")
    check.add_argument("--public-key", type=Path, help="PEM public key (default: the one beside ledger.signing_key)")
    check.add_argument("--ledger", type=Path, help=f"ledger file (default: <state.path>/{LEDGER_FILE})")
    check.add_argument("--anchor", type=Path, help="a checkpoint saved earlier (JSON), to detect a cut-off end")
    check.add_argument("--json", action="store_true", help="print the result as JSON")
    check.set_defaults(run=_verify)
    show = actions.add_parser("public-key", parents=[common], help="print the public key that verifies the checkpoints")
    show.set_defaults(run=_public_key)

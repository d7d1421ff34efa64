"""`daylight audit import`: reading new events from the warehouse's own
audit log into the portal's state, as a refresh does, for a load job."""

from __future__ import annotations

from queries.access.warehouse_audit import WarehouseAudit, WarehouseAuditError
from queries.discovery.directory import Directory, DirectoryError
from queries.cli.common import CommandError, printed
from settings import ConfigError, load_settings


def _import(args) -> int:
    try:
        settings = load_settings(args.config)
    except ConfigError as problem:
        raise CommandError(str(problem)) from None
    if settings.audit.log is None:
        raise CommandError("no warehouse audit log is configured (audit.log)")
    try:
        directory = Directory.load(settings.directory.path)
        audit = WarehouseAudit(settings.state.path)
        try:
            report = audit.import_log(settings.audit.log, directory)
            total = audit.event_count()
        finally:
            audit.close()
    except (DirectoryError, WarehouseAuditError) as problem:
        raise CommandError(str(problem)) from None
    result = {"imported": report.imported, "already_known": report.already_known, "malformed": report.malformed,
              "events": total}
    printed(result, args.json, f"imported {report.imported} new event(s); {report.already_known} already known; "
                               f"{report.malformed} malformed line(s) skipped; {total} in total")
    return 0


def add_commands(commands, common) -> None:
    audit = commands.add_parser("audit", help="import the warehouse's audit log")
    actions = audit.add_subparsers(dest="audit_command", required=True, metavar="ACTION")
    run = actions.add_parser("import", parents=[common], help="read new events from the warehouse's audit log")
    run.add_argument("--json", action="store_true", help="print the result as JSON")
    run.set_defaults(run=_import)

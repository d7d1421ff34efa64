"""`daylight erasure run|status`: finishing or resuming an approved erasure
with the portal stopped, and showing where one stands."""

from __future__ import annotations

from queries.cli.common import CommandError, opened, printed
from queries.erasure.requests import RequestError
from queries.erasure.run import ErasureError, execute


def _status(args) -> int:
    with opened(args.config) as backend:
        try:
            request = backend.requests.get(args.request_id)
        except RequestError as problem:
            raise CommandError(str(problem), 3) from None
        steps = [e.step for e in backend.journal.entries(args.request_id)]
    result = {"request_id": request.request_id, "state": request.state.value, "files": len(steps),
              "files_swapped": steps.count("swapped")}
    printed(result, args.json, f"{request.request_id}: {request.state.value}; files swapped "
                               f"{result['files_swapped']} of {result['files']}")
    return 0


def _progress(quiet: bool):
    """Progress goes to the terminal, not into JSON a script parses."""
    return (lambda done, total: None) if quiet else (lambda done, total: print(f"file {done} of {total}", flush=True))


def _run(args) -> int:
    with opened(args.config) as backend:
        try:
            backend.requests.get(args.request_id)
        except RequestError as problem:
            raise CommandError(str(problem), 3) from None
        try:
            request = execute(backend, args.request_id, progress=_progress(args.json))
        except (ErasureError, RequestError) as problem:
            raise CommandError(str(problem)) from None
    passed = bool(request.receipt and request.receipt["verification"]["passed"])
    printed({"request_id": request.request_id, "state": request.state.value, "verification_passed": passed,
             "receipt": request.receipt}, args.json,
            f"{request.request_id}: {request.state.value}; verification {'passed' if passed else 'FAILED'}")
    return 0 if passed else 1


def add_commands(commands, common) -> None:
    erasure = commands.add_parser("erasure", help="run or resume an approved erasure, or show where one stands")
    actions = erasure.add_subparsers(dest="erasure_command", required=True, metavar="ACTION")
    for name, run, help_text in (
            ("run", _run, "finish (or resume after a crash) the erasure of an approved request"),
            ("status", _status, "the request's state and how many of its files are swapped")):
        action = actions.add_parser(name, parents=[common], help=help_text)
        action.add_argument("request_id", metavar="DR-…")
        action.add_argument("--json", action="store_true", help="print the result as JSON")
        action.set_defaults(run=run)

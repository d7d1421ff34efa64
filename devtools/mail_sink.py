"""The development mail sink `make run` starts: an SMTP server on the
loopback (aiosmtpd) that delivers nothing and keeps every message it is
given as a `.eml` file in a folder, to be read with any mail program or a
text editor.

    python -m devtools.mail_sink --port 8025 --out .run/mail
"""

from __future__ import annotations

import argparse
import itertools
import signal
import sys
import threading
from pathlib import Path

from aiosmtpd.controller import Controller


class _KeepEach:
    def __init__(self, folder: Path):
        self._folder, self._numbers, self._lock = folder, itertools.count(1), threading.Lock()

    async def handle_DATA(self, server, session, envelope) -> str:
        with self._lock:
            number = next(self._numbers)
        (self._folder / f"{number:05d}.eml").write_bytes(envelope.original_content or envelope.content)
        return "250 Message accepted for delivery"


class MailSink:
    """Started with `start()`, stopped with `stop()`; the messages land in `folder`."""

    def __init__(self, port: int, folder: Path):
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self._controller = Controller(_KeepEach(self.folder), hostname="127.0.0.1", port=port)

    def start(self) -> None:
        self._controller.start()

    def stop(self) -> None:
        self._controller.stop()

    def messages(self) -> list[bytes]:
        return [path.read_bytes() for path in sorted(self.folder.glob("*.eml"))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m devtools.mail_sink", description=__doc__)
    parser.add_argument("--port", type=int, default=8025)
    parser.add_argument("--out", type=Path, default=Path(".run/mail"))
    args = parser.parse_args(argv)
    sink = MailSink(args.port, args.out)
    sink.start()
    print(f"mail sink on 127.0.0.1:{args.port}, keeping messages in {args.out}/", flush=True)
    stopped = threading.Event()
    signal.signal(signal.SIGTERM, lambda signum, frame: stopped.set())
    try:
        stopped.wait()
    except KeyboardInterrupt:
        pass
    sink.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

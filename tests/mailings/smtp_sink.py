"""An SMTP sink in its own process: ``python -m tests.mailings.smtp_sink PORT FILE``.

Accepts every message and appends ``<recipient>\\t<Message-ID>`` to FILE
(flushed) *before* answering 250, so every message the server accepted is on
record even when the client is killed a moment later. Used by the crash test
and the mailing benchmark. Prints ``ready`` once it listens.
"""

from __future__ import annotations

import re
import signal
import sys
import threading
from typing import IO

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class RecordingHandler:
    def __init__(self, out: IO[str]) -> None:
        self.out = out

    async def handle_DATA(
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        content = envelope.original_content or b""
        assert isinstance(content, bytes)
        head = content.split(b"\r\n\r\n", 1)[0]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode() if found else "-"
        for rcpt in envelope.rcpt_tos:
            self.out.write(f"{rcpt}\t{message_id}\n")
        self.out.flush()
        return "250 2.0.0 Ok: queued"


def main() -> None:
    port, path = int(sys.argv[1]), sys.argv[2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with open(path, "a", encoding="utf-8") as out:
        controller = Controller(RecordingHandler(out), hostname="127.0.0.1", port=port)
        controller.start()
        print("ready", flush=True)  # noqa: T201 -- tells the parent test it listens
        stop.wait()
        controller.stop()


if __name__ == "__main__":
    main()

"""The reference Python SDK's side of `cargo bench --bench vs_python`: moobius 1.8.0's own
WSClient, logged in as a service, sends N message_down frames to one user and waits until every
receipt is in, so the bench can put its throughput and CPU beside this crate's runtime.

It exists as a separate process so that its CPU is its own: the bench reads /proc/<pid>/stat of
this process before and after each round (its logs are off: `logger.remove()`).

Driven over stdin/stdout, one JSON object a line:
- stdin, first line: {"ws", "service_id", "token", "channel_id", "group", "sender", "n"};
- stdout: {"ready": true} once logged in (the login's receipt is in);
- stdin: "go" -> it sends n message_downs and prints {"elapsed": seconds, "accepted": k,
  "refused": r} when all n receipts are in; repeated for each round;
- stdin: "quit" or end of input -> it exits at once (os._exit: the SDK's WSClient.receive
  busy-loops when cancelled, so asyncio.run's cleanup would never end).
Anything unexpected prints one line on stderr and exits non-zero; a watchdog ends it after
VS_PYTHON_TIMEOUT seconds (default 600) whatever the SDK is doing.
"""

import asyncio
import json
import os
import sys
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "python"))

import harness  # noqa: E402,F401  (before moobius: it patches websockets for plain ws://)

from loguru import logger  # noqa: E402

from moobius.network.ws_client import WSClient  # noqa: E402

logger.remove()  # logs off: the SDK logs every frame otherwise

RECEIPT_WAIT = 120  # seconds for one round's receipts


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def fail(message):
    print(f"vs_python.py: {message}", file=sys.stderr, flush=True)
    os._exit(1)


class Sender:
    """One WSClient logged in as the service, counting the receipts of its message_downs."""

    def __init__(self, cfg):
        self.cfg = cfg
        self.client = WSClient(cfg["ws"], handle=self._handle, report_str="bench")
        self.logged_in = asyncio.Event()
        self.done = asyncio.Event()
        self.accepted = 0
        self.refused = 0
        self.target = 0

    async def _handle(self, message):
        frame = json.loads(message)
        if frame.get("type") not in ("copy", "roger"):
            return
        body = frame["body"]
        if body.get("origin_type") == "service_login":
            if not body.get("status"):
                fail(f"the service login was refused: {body}")
            self.logged_in.set()
            return
        if body.get("status"):
            self.accepted += 1
        else:
            self.refused += 1
        if self.accepted + self.refused >= self.target:
            self.done.set()

    async def start(self):
        cfg = self.cfg

        async def on_connect():
            await self.client.service_login(cfg["service_id"], cfg["token"])

        self.client.on_connect = on_connect
        await self.client.connect()
        asyncio.get_running_loop().create_task(self.client.receive())
        await asyncio.wait_for(self.logged_in.wait(), 30)

    async def round(self):
        cfg = self.cfg
        n = cfg["n"]
        self.accepted = self.refused = 0
        self.target = n
        self.done.clear()
        started = time.perf_counter()
        for i in range(n):
            await self.client.message_down(cfg["service_id"], cfg["service_id"], cfg["channel_id"], cfg["group"],
                                           "text", {"text": str(i)}, cfg["sender"])
        try:
            await asyncio.wait_for(self.done.wait(), RECEIPT_WAIT)
        except asyncio.TimeoutError:
            fail(f"only {self.accepted + self.refused} of {n} receipts within {RECEIPT_WAIT} s")
        return {"elapsed": time.perf_counter() - started, "accepted": self.accepted, "refused": self.refused}


async def main():
    loop = asyncio.get_running_loop()
    line = await loop.run_in_executor(None, sys.stdin.readline)
    if not line:
        fail("no configuration line on stdin")
    sender = Sender(json.loads(line))
    await sender.start()
    say({"ready": True})
    while True:
        command = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if command == "go":
            say(await sender.round())
        else:  # "quit" or end of input
            return


def watchdog():
    print("vs_python.py: the watchdog ended the run", file=sys.stderr, flush=True)
    os._exit(3)


if __name__ == "__main__":
    timer = threading.Timer(float(os.environ.get("VS_PYTHON_TIMEOUT", "600")), watchdog)
    timer.daemon = True
    timer.start()
    code = 0
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(main())
    except Exception as error:  # any failure, with its type
        print(f"vs_python.py: FAILED: {type(error).__name__}: {error}", file=sys.stderr, flush=True)
        code = 1
    sys.stdout.flush()
    os._exit(code)

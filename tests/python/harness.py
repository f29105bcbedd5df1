"""What both SDK scripts share: the plain-ws:// fix for the SDK's websockets call, the Mismatch
verdict, and a runner that always exits with the verdict, within a bound, whatever the SDK's
tasks and threads are doing.

Import it before `moobius`: the SDK binds `websockets.connect` when its modules load.
"""

import asyncio
import os
import sys
import threading

import websockets

# moobius 1.8.0 passes `ssl=<context>` to websockets.connect for every URL, which the websockets
# library refuses for a plain ws:// URL. The local platform speaks plain ws://, so this wrapper
# drops the `ssl` argument for ws:// URLs only (wss:// is untouched).
_original_connect = websockets.connect


def _connect_without_ssl_for_plain_ws(uri, *args, **kwargs):
    if str(uri).startswith("ws://"):
        kwargs.pop("ssl", None)
    return _original_connect(uri, *args, **kwargs)


websockets.connect = _connect_without_ssl_for_plain_ws


class Mismatch(Exception):
    """A check that failed: the message says what differed."""


def run(main, overall):
    """Runs the coroutine function `main` within `overall` seconds and exits the process: 0 when
    it returned, 1 with one line on stderr when it raised or took too long, 3 when even the event
    loop would not give the verdict back (a watchdog thread then ends the process)."""
    # The watchdog ends the process even when the event loop is stuck: the SDK's WSClient.connect
    # retries in a loop that never yields when connecting fails at once.
    def stuck():
        print(f"FAILED: no verdict within {overall + 10} s (the event loop is stuck)", file=sys.stderr, flush=True)
        os._exit(3)

    watchdog = threading.Timer(overall + 10, stuck)
    watchdog.daemon = True
    watchdog.start()
    code = 0
    # Not asyncio.run: on the way out it cancels every task and runs the loop until they end, and
    # the SDK's WSClient.receive answers a cancellation by reconnecting in a busy loop, forever.
    # The loop is left as it is; os._exit below ends the process.
    loop = asyncio.new_event_loop()
    try:
        loop.run_until_complete(asyncio.wait_for(main(), overall))
    except Mismatch as mismatch:
        print(f"MISMATCH: {mismatch}", file=sys.stderr)
        code = 1
    except asyncio.TimeoutError:
        print(f"FAILED: the run took longer than {overall} s", file=sys.stderr)
        code = 1
    except Exception as error:  # anything else is a failure too, with its type
        print(f"FAILED: {type(error).__name__}: {error}", file=sys.stderr)
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    # Leave without waiting on any thread the SDK may still hold (its scheduler, its queue's
    # feeder, the executor of its AioQueue): the verdict is in, and the run must never hang on
    # the way out.
    os._exit(code)

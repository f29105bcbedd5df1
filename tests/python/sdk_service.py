"""Runs the reference Python SDK's own service class (moobius 1.8.0's `Moobius`) against the local platform.

A small demo service, a subclass of `Moobius` configured by a dict (no service_id: it creates its
own service; the channel is made over HTTP first and listed in `channels`, so `start()` binds it):
  - on a join, it sends the joiner one button and a welcome text;
  - on a message, it echoes it to the sender and relays it to every other member of the channel in
    its author's name (`send_message(message)` with the original sender, as the SDK's group chat
    demo does);
  - on a button click, it answers the clicker with a text naming the button.

Two users, played with the SDK's own WSClient and HTTPAPIWrapper, then check it: both join, Alice
sees the button and the welcome, says hello and gets the echo, Bob gets the relay from Alice, Alice
clicks and gets the answer. Every wait is bounded; any failed check exits non-zero with one line
saying what differed, and "sdk service: every check passed" ends a good run.

Usage: MOOBIUS_HTTP=http://127.0.0.1:PORT MOOBIUS_WS=ws://127.0.0.1:PORT/ws python sdk_service.py
(The URLs come from the environment, not the command line: importing moobius reads sys.argv for
words such as `email` and `channels` and may then write template files or prompt.)
"""

import asyncio
import json
import os
import sys

from harness import Mismatch, run  # noqa: E402  (before moobius: it patches websockets)

from loguru import logger  # noqa: E402

from moobius import Moobius, types  # noqa: E402

# Until the service sets its own sinks (in its constructor), the SDK's HTTP calls log every
# request at DEBUG: keep warnings and errors only, on stderr.
logger.remove()
logger.add(sys.stderr, level="WARNING")
from moobius.network.http_api_wrapper import HTTPAPIWrapper  # noqa: E402
from moobius.network.ws_client import WSClient  # noqa: E402

HTTP = os.environ["MOOBIUS_HTTP"]
WS = os.environ["MOOBIUS_WS"]
TIMEOUT = 20  # every single wait
OVERALL = 60  # the whole run

OWNER = ("sdk-service@example.com", "service-password")
ALICE = ("alice@example.com", "alice-password")
BOB = ("bob@example.com", "bob-password")

BUTTON = types.Button(button_id="greet", button_text="Greet me")
WELCOME = "Welcome to the demo channel!"


class DemoService(Moobius):
    """The demo service: join -> a button and a welcome, echo and relay, a click's answer."""

    def __init__(self, channel_id):
        # service_config goes in its own argument: with only `config`, moobius 1.8.0's get_config
        # calls `.get` on the absent service_config argument (None) and raises AttributeError.
        super().__init__(service_config={
            "http_server_uri": HTTP,
            "ws_server_uri": WS,
            "service_mode": True,
            "channels": [channel_id],  # no service_id: start() creates the service
            "others": "include",
            "checkin_interval": 0,  # no periodic check-in job
            "no_warn_cannot_save_service_id": True,  # a dict config has no JSON file to save it in
        }, config={
            "account_config": {"email": OWNER[0], "password": OWNER[1]},
            "db_config": {},  # no storage
            # The SDK always adds a stdout sink at terminal_log_level (it logs every frame, tokens
            # included): keep that quiet, and send warnings and errors to stderr through the
            # "error log file" sink, which loguru accepts as a stream.
            "log_config": {
                "terminal_log_level": "CRITICAL",
                "error_log_file": sys.stderr,
                "error_log_level": "WARNING",
                "log_retention": {},
            },
        })
        self.ready = asyncio.Event()
        self.agent = None

    async def on_start(self):
        # The welcome, the echo and the click's answer are spoken by an agent of this service.
        self.agent = await self.create_agent("Demo Bot", "https://example.com/bot.png", "speaks for the demo service")
        self.ready.set()

    async def on_join(self, action):
        await self.send_buttons([BUTTON], action.channel_id, [action.sender])
        await self.send_message(WELCOME, action.channel_id, self.agent.character_id, [action.sender])

    async def on_message_up(self, message):
        await self.send_message(f"echo: {message.content.text}", message.channel_id, self.agent.character_id,
                                [message.sender])
        others = [m for m in await self.fetch_member_ids(message.channel_id) if m != message.sender]
        if others:
            message.recipients = others
            await self.send_message(message)  # sender stays the author

    async def on_button_click(self, action):
        name = BUTTON.button_text if action.button_id == BUTTON.button_id else action.button_id
        await self.send_message(f"You pressed {name!r}.", action.channel_id, self.agent.character_id,
                                [action.sender])


def check(condition, what):
    if not condition:
        raise Mismatch(what)
    print(f"ok: {what}", flush=True)


class User:
    """A user played with the SDK's WSClient and HTTPAPIWrapper, with an inbox of decoded frames."""

    def __init__(self, name, account):
        self.name = name
        self.http = HTTPAPIWrapper(HTTP, *account)
        self.inbox = asyncio.Queue()
        self.client = WSClient(WS, handle=self._handle, report_str=name)
        self.user_id = None
        self.login = None

    async def _handle(self, message):
        await self.inbox.put(json.loads(message))

    async def start(self):
        await bounded(self.http.authenticate(), f"{self.name} signs in")
        check(bool(self.http.access_token), f"{self.name} signs in")
        self.user_id = (await bounded(self.http.fetch_user_info(), f"{self.name}'s user info")).user_id

        async def on_connect():
            self.login = await self.client.user_login(self.http.access_token)

        self.client.on_connect = on_connect
        await bounded(self.client.connect(), f"{self.name} connects")
        asyncio.get_running_loop().create_task(self.client.receive())
        await self.receipt(self.login["request_id"])

    async def next(self, predicate, what):
        async def wait():
            while True:
                frame = await self.inbox.get()
                if predicate(frame):
                    return frame

        return await bounded(wait(), f"{self.name}: {what}")

    async def receipt(self, request_id):
        frame = await self.next(
            lambda f: f.get("type") in ("copy", "roger") and f["body"]["request_id"] == request_id,
            f"a receipt for {request_id}",
        )
        body = frame["body"]
        check(body["status"] is True, f"{self.name}: {body.get('origin_type')} accepted "
              f"(reason {body.get('context', {}).get('message')!r})")

    async def message(self, what, predicate=lambda body: True):
        frame = await self.next(lambda f: f.get("type") == "message_down" and predicate(f["body"]), what)
        return frame["body"]

    def drain(self):
        frames = []
        while not self.inbox.empty():
            frames.append(self.inbox.get_nowait())
        return frames


async def bounded(awaitable, what):
    try:
        return await asyncio.wait_for(awaitable, TIMEOUT)
    except asyncio.TimeoutError:
        raise Mismatch(f"{what}: nothing within {TIMEOUT} s")


async def main():
    # The channel, made over HTTP by the service's account before the service starts.
    owner = HTTPAPIWrapper(HTTP, *OWNER)
    await bounded(owner.authenticate(), "the owner signs in")
    channel_id = await bounded(owner.create_channel("sdk demo", "the SDK's own service class runs here"),
                               "creating the channel")
    check(bool(channel_id), "the channel is created over HTTP")

    service = DemoService(channel_id)
    running = asyncio.get_running_loop().create_task(service.start())
    try:
        await drive(service, running, owner, channel_id)
    finally:
        running.cancel()
        await asyncio.gather(running, return_exceptions=True)
        if service.scheduler is not None:
            service.scheduler.shutdown(wait=False)
        # listen_loop waits on the SDK's AioQueue in a worker thread that cancelling cannot stop;
        # a spell lets that thread return, so the interpreter can exit.
        service.queue.put("stop")


async def drive(service, running, owner, channel_id):
    ready = asyncio.get_running_loop().create_task(service.ready.wait())
    done, _ = await asyncio.wait({ready, running}, timeout=TIMEOUT, return_when=asyncio.FIRST_COMPLETED)
    if ready not in done:
        ready.cancel()
        # start() is wrapped in logger.catch: a failure is logged (stderr) and it returns.
        raise Mismatch("the service did not reach on_start" + (" (start() ended)" if running.done()
                                                              else f" within {TIMEOUT} s"))
    check(bool(service.client_id), f"the service created itself: {service.client_id}")
    bound = {s["service_id"]: s["channel_ids"] for s in await bounded(owner.fetch_service_id_list(), "services")}
    check(channel_id in bound.get(service.client_id, []), "start() bound the configured channel")
    agent_id = service.agent.character_id

    alice = User("alice", ALICE)
    bob = User("bob", BOB)
    await alice.start()
    await bob.start()

    for user in (alice, bob):
        join = await user.client.join_channel(user.user_id, channel_id)
        await user.receipt(join["request_id"])

    update = await alice.next(lambda f: f.get("type") == "update" and f["body"].get("subtype") == "buttons",
                              "the buttons")
    buttons = update["body"]["content"]
    check([(b["button_id"], b["button_text"]) for b in buttons] == [("greet", "Greet me")],
          f"alice sees the button: {buttons}")
    welcome = await alice.message("the welcome")
    check(welcome["content"]["text"] == WELCOME and welcome["sender"] == agent_id,
          f"alice gets the welcome from the agent: {welcome['content']} from {welcome['sender']}")

    # Alice speaks to the channel's members (a channel group, as a client does).
    everyone = await bounded(alice.http.create_channel_group(channel_id, "everyone", [alice.user_id, bob.user_id]),
                             "alice's channel group")
    up = await alice.client.message_up(alice.user_id, service.client_id, channel_id, everyone.group_id, "text",
                                       types.MessageContent(text="hello everyone"))
    await alice.receipt(up["request_id"])
    echo = await alice.message("the echo", lambda b: b["content"].get("text", "").startswith("echo:"))
    check(echo["content"]["text"] == "echo: hello everyone" and echo["sender"] == agent_id,
          f"alice gets the echo from the agent: {echo['content']}")
    relay = await bob.message("the relay", lambda b: b["content"].get("text") == "hello everyone")
    check(relay["sender"] == alice.user_id, f"bob gets the relay in alice's name: sender {relay['sender']}")
    check(relay["channel_id"] == channel_id and relay["subtype"] == "text", "the relay is a text in the channel")

    click = await alice.client.send_button_click("greet", "confirm", [], channel_id, alice.user_id)
    await alice.receipt(click["request_id"])
    answer = await alice.message("the click's answer", lambda b: b["content"].get("text", "").startswith("You pressed"))
    check(answer["content"]["text"] == "You pressed 'Greet me'." and answer["sender"] == agent_id,
          f"alice gets the click's answer: {answer['content']}")
    # The relay went out before the answer on the service's socket, so had it reached alice it
    # would be in her inbox by now.
    own = [f for f in alice.drain() if f.get("type") == "message_down" and f["body"].get("sender") == alice.user_id]
    check(not own, "the relay skips its author")
    print("sdk service: every check passed", flush=True)


if __name__ == "__main__":
    run(main, OVERALL)

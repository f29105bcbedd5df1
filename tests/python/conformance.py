"""Drives the local Moobius platform with the reference Python SDK (moobius 1.8.0) itself.

The SDK's own WSClient and HTTPAPIWrapper act as a service and as a user: sign in, create a
service and a channel, bind, log in over the WebSocket, join, message up and down, buttons and a
button click, characters, groups created over HTTP, heartbeat, a refusal, leave; then the rest of
the HTTP API the SDK calls: its own upload (the /file/upload flow) and download, message history,
profile and channel updates, popular channels, temp groups, and the account flows (sign-up with
dev mode's code, password reset, sign-out, deletion). Any mismatch exits non-zero with a message
saying what differed.

Usage: MOOBIUS_HTTP=http://127.0.0.1:PORT MOOBIUS_WS=ws://127.0.0.1:PORT/ws python conformance.py
"""

import asyncio
import json
import os
import sys
import tempfile
import warnings

from harness import Mismatch, run  # noqa: E402  (before moobius: it patches websockets)

from loguru import logger  # noqa: E402

from moobius import types  # noqa: E402
from moobius.network.http_api_wrapper import BadResponseException, HTTPAPIWrapper  # noqa: E402
from moobius.network.ws_client import WSClient  # noqa: E402

logger.remove()  # the SDK logs every frame (and tokens); keep the test output readable
logger.add(sys.stderr, level="WARNING")
# aiohttp warns that its FormData will stop making file fields of bytes, which the SDK's upload does.
warnings.filterwarnings("ignore", category=DeprecationWarning)

HTTP = os.environ["MOOBIUS_HTTP"]
WS = os.environ["MOOBIUS_WS"]
TIMEOUT = 10


def check(condition, what):
    if not condition:
        raise Mismatch(what)
    print(f"ok: {what}")


class Endpoint:
    """One WSClient with an inbox of decoded frames."""

    def __init__(self, name):
        self.name = name
        self.inbox = asyncio.Queue()
        self.client = WSClient(WS, handle=self._handle, report_str=name)
        self.login = None

    async def _handle(self, message):
        await self.inbox.put(json.loads(message))

    async def start(self, login):
        async def on_connect():
            self.login = await login(self.client)

        self.client.on_connect = on_connect
        await self.client.connect()
        asyncio.get_running_loop().create_task(self.client.receive())
        await self.receipt(self.login["request_id"], expect=True)

    async def next(self, predicate, what):
        async def wait():
            while True:
                frame = await self.inbox.get()
                if predicate(frame):
                    return frame

        try:
            return await asyncio.wait_for(wait(), TIMEOUT)
        except asyncio.TimeoutError:
            raise Mismatch(f"{self.name}: nothing matching {what} within {TIMEOUT} s")

    async def receipt(self, request_id, expect):
        frame = await self.next(
            lambda f: f.get("type") in ("copy", "roger") and f["body"]["request_id"] == request_id,
            f"a receipt for {request_id}",
        )
        body = frame["body"]
        check(body["status"] is expect, f"{self.name}: receipt status {body['status']} for {body.get('origin_type')} "
              f"(reason {body.get('context', {}).get('message')!r})")
        return body

    async def event(self, kind, what):
        return await self.next(lambda f: f.get("type") == kind, what)


async def main():
    # --- HTTP as the service's owner ---
    owner = HTTPAPIWrapper(HTTP, "owner@example.com", "owner-password")
    await owner.authenticate()
    check(bool(owner.access_token) and bool(owner.refresh_token), "sign-in returns access and refresh tokens")
    await owner.refresh()
    check(bool(owner.access_token), "refresh returns a new access token")
    service_id = await owner.create_service("conformance service")
    check(isinstance(service_id, str) and service_id, "service created")
    check(any(s["service_id"] == service_id for s in await owner.fetch_service_id_list()), "service listed")
    channel_id = await owner.create_channel("lobby", "the conformance channel")
    check(await owner.bind_service_to_channel(service_id, channel_id), "channel bound")
    agent = await owner.create_agent(service_id, "Bot", "https://example.com/bot.png", "an agent")
    check(agent.name == "Bot" and agent.character_id, "agent created")
    agents = await owner.fetch_agents(service_id)
    check([a.character_id for a in agents] == [agent.character_id], "agent listed")

    # --- the service over the WebSocket ---
    service = Endpoint("service")
    await service.start(lambda c: c.service_login(service_id, owner.access_token))

    # --- a user ---
    user_http = HTTPAPIWrapper(HTTP, "user@example.com", "user-password")
    await user_http.authenticate()
    info = await user_http.fetch_user_info()
    user_id = info.user_id
    check(bool(user_id), "user info has a user id")
    user = Endpoint("user")
    await user.start(lambda c: c.user_login(user_http.access_token))

    wrong = HTTPAPIWrapper(HTTP, "user@example.com", "not-the-password")
    check((await wrong.authenticate()) is None, "a wrong password is refused (the SDK logs and returns None)")

    join = await user.client.join_channel(user_id, channel_id)
    await user.receipt(join["request_id"], expect=True)
    action = await service.event("action", "the join")
    check(action["body"]["subtype"] == "join" and action["body"]["sender"] == user_id, "service sees join with sender")
    check(isinstance(action.get("seq"), int), "events carry seq (ignored by the SDK)")
    check(await owner.fetch_member_ids(channel_id, service_id) == [user_id], "channel character list")

    group = await owner.create_service_group([user_id])
    check(await owner.character_ids_of_service_group(group.group_id) == [user_id], "service group roster")
    profiles = await owner.fetch_character_profile([user_id, agent.character_id])
    check([p.character_id for p in profiles] == [user_id, agent.character_id], "character profiles")

    # --- message up: user -> service ---
    up = await user.client.message_up(user_id, service_id, channel_id, group.group_id, "text",
                                      types.MessageContent(text="hello service"))
    await user.receipt(up["request_id"], expect=True)
    msg = await service.event("message_up", "the user's message")
    body = msg["body"]
    check(body["content"]["text"] == "hello service" and body["sender"] == user_id, "message_up delivered with sender")
    check(bool(body.get("message_id")) and isinstance(body.get("timestamp"), int), "message_up has message_id and timestamp")
    check(body["recipients"] == group.group_id, "message_up keeps the recipients group")

    # --- message down: service (as the agent) -> user ---
    down = await service.client.message_down(service_id, service_id, channel_id, group.group_id, "text",
                                             {"text": "hello user"}, agent.character_id)
    await service.receipt(down["request_id"], expect=True)
    msg = await user.event("message_down", "the service's message")
    check(msg["body"]["content"]["text"] == "hello user" and msg["body"]["sender"] == agent.character_id,
          "message_down delivered with the agent as sender")

    # --- buttons and a click ---
    sent = await service.client.send_buttons([types.Button(button_id="b1", button_text="Press me")],
                                             service_id, channel_id, group.group_id)
    await service.receipt(sent["request_id"], expect=True)
    update = await user.event("update", "the buttons")
    check(update["body"]["subtype"] == "buttons" and update["body"]["content"][0]["button_id"] == "b1", "buttons update")
    click = await user.client.send_button_click("b1", "confirm", [types.ClickArgument(label="name", value="Ann")],
                                                channel_id, user_id)
    await user.receipt(click["request_id"], expect=True)
    action = await service.event("action", "the click")
    args = action["body"]["arguments"]
    check(action["body"]["subtype"] == "button_click" and action["body"]["sender"] == user_id, "button click with sender")
    check(args == [{"label": "name", "value": "Ann"}], f"click arguments delivered flat: {args}")

    # --- characters update, channel info ---
    chars = await service.client.send_characters(group.group_id, service_id, channel_id, group.group_id)
    await service.receipt(chars["request_id"], expect=True)
    update = await user.event("update", "the characters")
    check(update["body"]["content"]["characters"] == group.group_id, "characters update")
    info_frame = await service.client.update_channel_info(
        types.ChannelInfo(channel_id=channel_id, channel_name="Lobby 2", channel_description="d", channel_type="ccs"),
        service_id, channel_id)
    await service.receipt(info_frame["request_id"], expect=True)
    update = await user.event("update", "the channel info")
    check(update["body"]["subtype"] == "channel_info" and update["body"]["content"]["channel_name"] == "Lobby 2",
          "channel info update")

    # --- groups over HTTP (channel groups) ---
    cgroup = await user_http.create_channel_group(channel_id, "friends", [user_id])
    check(await user_http.character_ids_of_channel_group(user_id, channel_id, cgroup.group_id) == [user_id],
          "channel group roster")
    listed = await owner.fetch_channel_group_dict(channel_id, service_id)
    check(listed.get(cgroup.group_id) == [user_id], "channel group listed")

    # --- refresh, heartbeat, a refusal, leave ---
    refresh = await user.client.refresh_as_user(user_id, channel_id)
    await user.receipt(refresh["request_id"], expect=True)
    action = await service.event("action", "the refresh")
    check(action["body"]["subtype"] == "refresh", "refresh reaches the service")
    beat = await user.client.heartbeat()
    body = await user.receipt(beat["request_id"], expect=True)
    check(body["origin_type"] == "heartbeat", "heartbeat acknowledged")
    other = await owner.create_channel("elsewhere", "not joined")
    bad = await user.client.message_up(user_id, service_id, other, group.group_id, "text", {"text": "no"})
    body = await user.receipt(bad["request_id"], expect=False)
    check("join" in body["context"]["message"], "refusal says why")
    leave = await user.client.leave_channel(user_id, channel_id)
    await user.receipt(leave["request_id"], expect=True)
    action = await service.event("action", "the leave")
    check(action["body"]["subtype"] == "leave" and action["body"]["sender"] == user_id, "service sees leave")

    await files_history_and_updates(owner, user_http, service_id, channel_id, agent, user_id)
    await account_flows()
    print("conformance: every check passed")


async def refused(call, what):
    """Checks that an SDK call raises the SDK's refusal (a non-10000 code)."""
    try:
        await call
    except BadResponseException:
        print(f"ok: {what}")
        return
    raise Mismatch(f"{what}: the call was not refused")


async def files_history_and_updates(owner, user_http, service_id, channel_id, agent, user_id):
    # --- the SDK's own upload and download ---
    folder = tempfile.mkdtemp(prefix="moobius-conformance-")
    picture = os.path.join(folder, "picture.png")
    content = b"\x89PNG\r\n--not-a-boundary\r\n" * 1000
    with open(picture, "wb") as f:
        f.write(content)
    url = await owner.upload(picture)
    check(url.startswith(HTTP + "/file/bucket/") and url.endswith(".png"), f"upload gives a URL on the platform: {url}")
    check(await owner.download(url, bytes=True) == content, "download gives the uploaded bytes back")
    check(await owner.download_size(url) == len(content), "download_size (HEAD) gives the file's size")
    saved = await owner.download(url, file_path=os.path.join(folder, "copy.png"))
    with open(saved, "rb") as f:
        check(f.read() == content, "download to a file writes the same bytes")
    converted = await owner.convert_to_url(picture)
    check(await owner.convert_to_url(picture) == converted, "convert_to_url caches by content")
    check(await owner.convert_to_url(url) == url, "convert_to_url passes a URL through")

    # --- history: what was said in the channel ---
    history = await owner.fetch_message_history(channel_id)
    check(history.get("code") == 10000, f"fetch_message_history answers code 10000: {str(history)[:200]}")
    texts = [m["content"].get("text") for m in history["data"]]
    check(texts == ["hello service", "hello user"], f"the history holds the messages in order: {texts}")

    # --- profile and channel updates, popular channels, temp groups ---
    await owner.update_agent(service_id, agent, picture, "a renamed agent", "Bot 2")
    agents = await owner.fetch_agents(service_id)
    check(agents[0].name == "Bot 2" and agents[0].avatar == converted,
          "update_agent renames and uploads the local avatar")
    await user_http.update_current_user(picture, "likes tests", "User 2")
    info = await user_http.fetch_user_info()
    check(info.name == "User 2" and await user_http.download(info.avatar, bytes=True) == content,
          "update_current_user sets the name and uploads the local avatar (its own upload: another client)")
    await owner.update_channel(channel_id, "Lobby 3", "updated over HTTP")
    listed = await user_http.fetch_popular_channels()
    check(channel_id in listed, "fetch_popular_channels lists the channel")
    temp = await owner.fetch_channel_temp_group(channel_id, service_id)
    check(isinstance(temp, list) and all(user_id in g["characters"] for g in temp) and temp,
          "fetch_channel_temp_group lists the service groups sent to")
    stranger = HTTPAPIWrapper(HTTP, "stranger@example.com", "stranger-password")
    await stranger.authenticate()
    await refused(stranger.update_channel(channel_id, "mine", "no"), "another account cannot update the channel")


async def account_flows():
    account = HTTPAPIWrapper(HTTP, "signup@example.com", "first-password")
    await account.request_sign_up_code()
    check((await account.authenticate()) is None, "an unconfirmed account cannot sign in")
    await refused(account.sign_up_with_code("999999"), "a wrong sign-up code is refused")
    await account.request_sign_up_code_again()
    await account.sign_up_with_code("000000")
    await account.authenticate()
    check(bool(account.access_token), "the confirmed account signs in (dev mode's code 000000)")
    await refused(account.request_sign_up_code(), "signing up an existing account is refused")

    await account.request_password_reset_code()
    account.password = "second-password"
    await account.reset_password_with_code("000000")
    account.access_token = ""
    await account.authenticate()
    check(bool(account.access_token), "the new password signs in after the reset")

    await account.sign_out()
    await refused(account.fetch_user_info(), "a signed-out token is refused")
    await account.delete_account()
    wrong = HTTPAPIWrapper(HTTP, "signup@example.com", "first-password")
    await refused(wrong.delete_account(), "a deleted account is gone")


if __name__ == "__main__":
    run(main, 60)

// The fault controls in the header (API.md, /studio/api/): sever every connection or one,
// pause and resume, latency on one connection, restart the platform; and the transcript:
// record (start a fresh recording, stop it) and save (a link to /studio/api/transcript). Each
// shows its answer (or error) in the status line; its `control` event shows in the inspector.

import { studio } from "./http.js";
import { short } from "./util.js";

export class Controls {
  constructor(root, { directory }) {
    this.directory = directory;
    const $ = (id) => root.querySelector(`[data-testid="${id}"]`);
    this.status = $("control-status");
    this.select = $("control-connection");
    this.pauseButton = $("control-pause");
    this.ms = $("control-latency-ms");
    this.latencies = new Map(); // connection -> ms
    this.paused = false;
    $("control-sever-all").addEventListener("click", () => this.run("sever every connection", () => studio("POST", "/studio/api/sever", {})));
    $("control-sever-one").addEventListener("click", () => {
      const connection = this.connection();
      if (connection !== null) this.sever(connection);
    });
    this.pauseButton.addEventListener("click", () => {
      const paused = !this.paused;
      this.run(paused ? "pause" : "resume", () => studio("POST", "/studio/api/pause", { paused }), (answer) => this.setPaused(answer.paused));
    });
    $("control-latency").addEventListener("click", () => {
      const connection = this.connection();
      const ms = Number(this.ms.value);
      if (connection === null) return;
      if (!Number.isInteger(ms) || ms < 0 || ms > 60000) return this.say("latency: give a whole number of ms from 0 to 60000", "error");
      this.run(`latency ${ms} ms on #${connection}`, () => studio("POST", "/studio/api/latency", { connection, ms }));
    });
    $("control-restart").addEventListener("click", () => this.run("restart", () => studio("POST", "/studio/api/restart", {})));
    this.recordButton = $("control-record");
    this.recordButton.addEventListener("click", () => {
      const recording = this.recordButton.dataset.recording !== "true";
      this.run(recording ? "record" : "stop recording", () => studio("POST", "/studio/api/record", { recording }), () => this.setRecording(recording));
    });
  }

  /** Shows whether a recording runs. */
  setRecording(recording) {
    this.recordButton.dataset.recording = String(recording);
    this.recordButton.textContent = recording ? "Stop recording" : "Record";
    this.recordButton.classList.toggle("active", recording);
  }

  /** The connection picked in the select, or null (said in the status line). */
  connection() {
    const value = this.select.value;
    if (value === "") {
      this.say("pick a connection first", "error");
      return null;
    }
    return Number(value);
  }

  sever(connection) {
    return this.run(`sever #${connection}`, () => studio("POST", "/studio/api/sever", { connection }));
  }

  async run(what, call, then) {
    this.say(`${what}…`);
    try {
      const answer = await call();
      this.say(`${what}: ${JSON.stringify(answer)}`, "ok");
      then?.(answer);
    } catch (error) {
      this.say(`${what}: ${error.message}`, "error");
    }
  }

  say(text, kind = "info") {
    this.status.textContent = text;
    this.status.dataset.kind = kind;
    this.status.title = text;
  }

  setPaused(paused) {
    this.paused = Boolean(paused);
    this.pauseButton.dataset.paused = String(this.paused);
    this.pauseButton.textContent = this.paused ? "Resume" : "Pause";
    this.pauseButton.classList.toggle("active", this.paused);
    document.body.classList.toggle("paused", this.paused);
  }

  /** A `control` event from the feed (whoever used it: this page, a script, Rust). */
  onControl(event) {
    if (event.action === "pause") this.setPaused(true);
    if (event.action === "resume") this.setPaused(false);
    if (event.action === "latency") {
      if (event.ms > 0) this.latencies.set(event.connection, event.ms);
      else this.latencies.delete(event.connection);
      this.renderOptions();
    }
    if (event.action === "stop") this.say("the platform is restarting…", "warn");
    if (event.action === "start") this.say("the platform started again", "ok");
  }

  /** The connections the feed knows: the select's options, open ones first. */
  setConnections(connections) {
    this.connections = connections;
    this.renderOptions();
  }

  /** The connections (and pause state) from the control API, or null when it failed. */
  async load() {
    try {
      const answer = await studio("GET", "/studio/api/connections");
      this.setPaused(answer.paused);
      for (const c of answer.connections ?? []) if (c.latency_ms > 0) this.latencies.set(c.connection, c.latency_ms);
      return answer.connections ?? [];
    } catch (error) {
      this.say(`connections: ${error.message}`, "error");
      return null;
    }
  }

  renderOptions() {
    const current = this.select.value;
    const open = [...(this.connections ?? new Map())].filter(([, c]) => c.open).sort((a, b) => a[0] - b[0]);
    const options = [new Option("connection…", "")];
    for (const [conn, info] of open) {
      const who = info.peer ? (info.peer.role === "user" ? `user ${this.directory.name(info.peer.id)}` : `service ${short(info.peer.id, 6)}`) : "not logged in";
      const ms = this.latencies.get(conn);
      options.push(new Option(`#${conn} ${who}${ms ? ` (+${ms} ms)` : ""}`, String(conn)));
    }
    this.select.replaceChildren(...options);
    if ([...this.select.options].some((o) => o.value === current)) this.select.value = current;
  }
}

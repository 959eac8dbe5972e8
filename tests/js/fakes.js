/**
 * Small fakes for the plugin's unit tests: a clock with timers, localStorage, a player
 * that emits events, and a service that answers like the ingestion API (SPEC 6).
 * They stand in for the browser only; the plugin's own logic runs for real.
 */
"use strict";

const path = require("node:path");

const PLUGIN = path.join(__dirname, "..", "..", "src", "videoxapi", "web", "static", "videoxapi.js");

/** A fresh copy of the plugin (its module-level state, e.g. adopted sessions, reset). */
function loadPlugin() {
  delete require.cache[require.resolve(PLUGIN)];
  return require(PLUGIN);
}

class Emitter {
  constructor() {
    this.listeners = new Map();
  }
  addEventListener(name, fn) {
    if (!this.listeners.has(name)) this.listeners.set(name, new Set());
    this.listeners.get(name).add(fn);
  }
  removeEventListener(name, fn) {
    const set = this.listeners.get(name);
    if (set) set.delete(fn);
  }
  dispatch(name, event) {
    for (const fn of [...(this.listeners.get(name) || [])]) fn(event || { type: name });
  }
  count(name) {
    return (this.listeners.get(name) || new Set()).size;
  }
}

/** A wall clock whose timers run only when the test moves time forward. */
class Clock {
  constructor(start = Date.parse("2026-11-26T10:00:00.000Z")) {
    this.t = start;
    this.timers = new Map();
    this.nextId = 1;
  }
  now() {
    return this.t;
  }
  setTimeout(fn, ms) {
    const id = this.nextId++;
    this.timers.set(id, { at: this.t + ms, fn });
    return id;
  }
  clearTimeout(id) {
    this.timers.delete(id);
  }
  /** Move time by `ms`, running the timers that fall due, in order, with their promises. */
  async advance(ms) {
    const end = this.t + ms;
    for (;;) {
      let due = null;
      for (const [id, timer] of this.timers) {
        if (timer.at <= end && (due === null || timer.at < due[1].at)) due = [id, timer];
      }
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
      await settle();
    }
    this.t = end;
    await settle();
  }
}

/** Let pending promise chains (fake fetches and their handlers) run to the end. */
async function settle() {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
}

class MemoryStorage {
  constructor() {
    this.map = new Map();
  }
  get length() {
    return this.map.size;
  }
  key(i) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(key) {
    return this.map.has(key) ? this.map.get(key) : null;
  }
  setItem(key, value) {
    this.map.set(key, String(value));
  }
  removeItem(key) {
    this.map.delete(key);
  }
  records() {
    return [...this.map.entries()]
      .filter(([key]) => key.startsWith("videoxapi:session:"))
      .map(([, value]) => JSON.parse(value));
  }
}

/**
 * The ingestion API as the plugin sees it: applies events in seq order, ignores seqs
 * it has seen, answers a start with `{session, enabled, beaconInterval}`. `offline`
 * makes every request fail as a browser's fetch does without network.
 */
class FakeService {
  constructor({ enabled = true, beaconInterval = "quarters" } = {}) {
    this.enabled = enabled;
    this.beaconInterval = beaconInterval;
    this.offline = false;
    this.requests = [];
    this.sessions = new Map();
    this.script = []; // statuses to answer next, before the normal behaviour
    this.fetch = this.fetch.bind(this);
  }
  async fetch(url, init) {
    const request = { url, ...init, json: init.body ? JSON.parse(init.body) : null };
    this.requests.push(request);
    if (this.offline) throw new TypeError("Failed to fetch");
    if (this.script.length) {
      const status = this.script.shift();
      return response(status, { error: "scripted" });
    }
    const match = /\/api\/v1\/sessions(?:\/([^/]+)\/events)?$/.exec(new URL(url).pathname);
    if (!match) return response(404, { error: "no such route" });
    if (!match[1]) {
      const start = request.json;
      if (!this.sessions.has(start.session)) {
        this.sessions.set(start.session, { start, applied: [], lastSeq: 0 });
      }
      return response(201, {
        session: start.session,
        enabled: this.enabled,
        beaconInterval: this.beaconInterval,
      });
    }
    const session = this.sessions.get(decodeURIComponent(match[1]));
    if (!session) return response(404, { error: "no such session" });
    let applied = 0;
    let seen = 0;
    for (const event of [...request.json.events].sort((a, b) => a.seq - b.seq)) {
      if (event.seq <= session.lastSeq) {
        seen++;
        continue;
      }
      session.lastSeq = event.seq;
      session.applied.push(event);
      applied++;
    }
    return response(200, { applied, seen });
  }
  /** The events the service applied, across sessions, in the order it applied them. */
  applied() {
    return [...this.sessions.values()].flatMap((s) => s.applied);
  }
  eventRequests() {
    return this.requests.filter((r) => r.url.endsWith("/events"));
  }
  startRequests() {
    return this.requests.filter((r) => r.url.endsWith("/sessions"));
  }
}

function response(status, body) {
  return {
    status,
    ok: status >= 200 && status < 300,
    json: async () => body,
  };
}

/** An HTML5 <video>-like element: properties, and events the test dispatches. */
class FakeVideo extends Emitter {
  constructor({ duration = 24 } = {}) {
    super();
    this.currentTime = 0;
    this.duration = duration;
    this.paused = true;
    this.seeking = false;
    this.playbackRate = 1;
    this.volume = 1;
    this.muted = false;
    this.videoWidth = 160;
    this.videoHeight = 90;
  }
  play() {
    this.paused = false;
    this.dispatch("play");
  }
  pause() {
    this.paused = true;
    this.dispatch("pause");
  }
  at(position) {
    this.currentTime = position;
    this.dispatch("timeupdate");
  }
  seekTo(position) {
    this.seeking = true;
    this.currentTime = position;
    this.dispatch("seeking");
    this.dispatch("timeupdate");
    this.seeking = false;
    this.dispatch("seeked");
  }
  end() {
    // Chromium's order: a pause right before ended.
    this.currentTime = this.duration;
    this.paused = true;
    this.dispatch("pause");
    this.dispatch("ended");
  }
}

/** Everything a tracker needs around it, wired together. */
function harness(options = {}) {
  const plugin = options.plugin || loadPlugin();
  const clock = options.clock || new Clock();
  const storage = options.storage || new MemoryStorage();
  const service = options.service || new FakeService(options.serviceOptions);
  const window = new Emitter();
  const document = new Emitter();
  document.visibilityState = "visible";
  const env = {
    fetch: service.fetch,
    storage,
    now: () => clock.now(),
    setTimeout: (fn, ms) => clock.setTimeout(fn, ms),
    clearTimeout: (id) => clock.clearTimeout(id),
    window,
    document,
    navigator: { userAgent: "FakeBrowser/1.0", onLine: true },
    screen: { width: 1280, height: 720 },
    crypto: require("node:crypto"),
  };
  return { plugin, clock, storage, service, window, document, env };
}

function trackOptions(h, extra = {}) {
  return {
    endpoint: "http://videos.test/",
    token: "viewer-token",
    entry: { id: "e1", title: "Clip" },
    env: h.env,
    ...extra,
  };
}

module.exports = {
  Clock,
  Emitter,
  FakeService,
  FakeVideo,
  MemoryStorage,
  harness,
  loadPlugin,
  settle,
  trackOptions,
  PLUGIN,
};

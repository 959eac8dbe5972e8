/**
 * videoxapi player plugin: follows what a viewer does with a video and sends it, as the
 * event vocabulary of the videoxapi service (SPEC section 8), to its ingestion API.
 *
 *   <script src="https://videos.example.com/static/videoxapi.js"></script>
 *   videoxapi.track(document.querySelector("video"), {endpoint, token, entry: {id, title}});
 *
 * or, as an ES module: `import {track} from "https://.../static/videoxapi.mjs"`.
 *
 * Why it is built the way it is:
 * - The service computes everything (segments, progress, completion, statements); the
 *   plugin only reports what the player did, numbered with `seq`, so that a batch sent
 *   twice is harmless (the service ignores seqs it has seen).
 * - Every event is written to localStorage before it is sent and removed only when the
 *   service acknowledges it: a page that goes offline, is reloaded or closed keeps its
 *   events, and the next page load on the same origin sends them.
 * - Events are applied in seq order by the service, so one request at a time carries
 *   events, always starting at the oldest unacknowledged one.
 * - Player differences (HTML5, video.js, Kaltura v7, quartile-only players) are confined
 *   to small adapters that all present the same face to one driver.
 *
 * Plain ES2019, no dependencies, no build step: usable from a <script> tag (global
 * `videoxapi`), from CommonJS (node tests) and through videoxapi.mjs.
 */
(function (root, factory) {
  "use strict";
  const api = factory();
  if (typeof module === "object" && module && module.exports) module.exports = api;
  if (root) root.videoxapi = api;
})(typeof globalThis !== "undefined" ? globalThis : this, function () {
  "use strict";

  const VERSION = "0.1.0";
  const STORAGE_PREFIX = "videoxapi:session:";
  /** Send what is queued at least this often (ms of wall time). */
  const FLUSH_INTERVAL = 2000;
  /** ...or as soon as this many events wait. */
  const BATCH_EVENTS = 10;
  /** At most this many events in one request (a backlog goes in several). */
  const MAX_BATCH = 100;
  /** Timeupdates closer than this (ms of wall time) are dropped: ~4 a second at most. */
  const TIMEUPDATE_INTERVAL = 250;
  /** Browsers refuse keepalive bodies above 64 KiB in total; stay well under. */
  const KEEPALIVE_BYTES = 48000;
  /** A record not marked closed is another live tab's until it is this old (ms). */
  const STALE_AFTER = 30000;
  /** How often a live tab re-marks its record as its own (ms). */
  const TOUCH_EVERY = 10000;
  const RETRY_MIN = 1000;
  const RETRY_MAX = 30000;
  /** Positions closer than this (s) are the same place: no seek event for them. */
  const SAME_PLACE = 0.01;
  const QUARTILES = [0.25, 0.5, 0.75, 1];
  /** How far (s of media, at speed 1) a play may be from the last known position and
   * still be taken as starting there. */
  const PLAY_SLACK = 0.1;

  // ---------------------------------------------------------------------------------
  // small helpers

  /** Seconds as the service keeps them: finite, >= 0, to the millisecond. */
  function seconds(value) {
    const n = Number(value);
    if (!isFinite(n) || n < 0) return 0;
    return Math.round(n * 1000) / 1000;
  }

  function iso(ms) {
    return new Date(ms).toISOString(); // RFC 3339, UTC, milliseconds
  }

  function uuid(env) {
    if (env.crypto && typeof env.crypto.randomUUID === "function") return env.crypto.randomUUID();
    // Fallback for old browsers: random enough for a session id, not for secrets.
    return "xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx".replace(/[xy]/g, function (c) {
      const r = (Math.random() * 16) | 0;
      return (c === "x" ? r : (r & 0x3) | 0x8).toString(16);
    });
  }

  function call(fn, arg) {
    if (typeof fn !== "function") return undefined;
    try {
      return fn(arg);
    } catch (err) {
      // A faulty callback of the page must never stop the tracking.
      if (typeof console !== "undefined") console.error("videoxapi callback failed", err);
      return undefined;
    }
  }

  /** The browser's parts, or the ones a test or an unusual page passes in `options.env`. */
  function defaultEnv() {
    const g = typeof globalThis !== "undefined" ? globalThis : {};
    let storage = null;
    try {
      storage = g.localStorage || null; // throws in some privacy modes
    } catch (err) {
      storage = null;
    }
    return {
      fetch: typeof g.fetch === "function" ? g.fetch.bind(g) : null,
      storage: storage,
      now: function () {
        return Date.now();
      },
      setTimeout: function (fn, ms) {
        return setTimeout(fn, ms);
      },
      clearTimeout: function (id) {
        clearTimeout(id);
      },
      window: typeof g.addEventListener === "function" ? g : null,
      document: g.document || null,
      navigator: g.navigator || null,
      screen: g.screen || null,
      crypto: g.crypto || null,
    };
  }

  // ---------------------------------------------------------------------------------
  // persistence: one localStorage record per session

  /**
   * What survives a reload: the session's start event, whether the service has it,
   * and the events it has not acknowledged yet.
   */
  function newRecord(endpoint, token, session, now) {
    return {
      v: 1,
      endpoint: endpoint,
      token: token,
      session: session,
      start: null,
      started: false,
      events: [],
      closed: false,
      touched: now,
    };
  }

  function storageKeys(storage) {
    const keys = [];
    if (!storage) return keys;
    try {
      for (let i = 0; i < storage.length; i++) {
        const key = storage.key(i);
        if (key && key.indexOf(STORAGE_PREFIX) === 0) keys.push(key);
      }
    } catch (err) {
      return keys;
    }
    return keys;
  }

  function readRecord(storage, key) {
    try {
      const record = JSON.parse(storage.getItem(key));
      return record && record.v === 1 && Array.isArray(record.events) ? record : null;
    } catch (err) {
      return null;
    }
  }

  // ---------------------------------------------------------------------------------
  // the outbox of one session: stores, sends in order, forgets what is acknowledged

  class Outbox {
    constructor(record, env, hooks) {
      this.record = record;
      this.env = env;
      this.hooks = hooks || {};
      this.key = STORAGE_PREFIX + record.session;
      this.inflight = null;
      this.again = false;
      this.timer = null;
      this.retryDelay = 0;
      this.batchLimit = MAX_BATCH;
      this.dead = false;
    }

    base() {
      return String(this.record.endpoint || "").replace(/\/+$/, "");
    }

    headers() {
      return {
        "Content-Type": "application/json",
        Authorization: "Bearer " + this.record.token,
      };
    }

    save() {
      if (this.dead || !this.env.storage) return;
      this.record.touched = this.env.now();
      try {
        this.env.storage.setItem(this.key, JSON.stringify(this.record));
      } catch (err) {
        // Quota or privacy mode: keep going from memory, which is all we have then.
      }
    }

    forget() {
      if (!this.env.storage) return;
      try {
        this.env.storage.removeItem(this.key);
      } catch (err) {
        /* nothing to do */
      }
    }

    /** Give up on this session for good: nothing more is stored or sent. */
    kill() {
      this.dead = true;
      this.cancelTimer();
      this.forget();
    }

    add(event) {
      this.record.events.push(event);
      this.save();
    }

    pending() {
      return this.record.events.length + (this.record.started ? 0 : 1);
    }

    /** True when the service has everything, the session's end included. */
    done() {
      const events = this.record.events;
      return this.record.started && events.length === 0 && this.record.closed;
    }

    cancelTimer() {
      if (this.timer !== null) this.env.clearTimeout(this.timer);
      this.timer = null;
    }

    schedule(ms) {
      if (this.dead || this.timer !== null) return;
      const self = this;
      this.timer = this.env.setTimeout(function () {
        self.timer = null;
        self.flush();
      }, ms);
    }

    acknowledge(lastSeq) {
      const before = this.record.events.length;
      this.record.events = this.record.events.filter(function (e) {
        return e.seq > lastSeq;
      });
      if (this.record.events.length !== before) this.save();
      if (this.done()) this.forget();
    }

    /** Network trouble or an overloaded service: try again later, a bit later each time. */
    backoff() {
      this.retryDelay = Math.min(this.retryDelay ? this.retryDelay * 2 : RETRY_MIN, RETRY_MAX);
      this.schedule(this.retryDelay);
    }

    async post(path, body, keepalive) {
      const fetch = this.env.fetch;
      if (!fetch) throw new Error("no fetch");
      const init = {
        method: "POST",
        headers: this.headers(),
        body: JSON.stringify(body),
        credentials: "omit", // identity comes from the token, never from cookies
      };
      if (keepalive) init.keepalive = true;
      const response = await fetch(this.base() + path, init);
      let data = null;
      try {
        data = await response.json();
      } catch (err) {
        data = null;
      }
      return { status: response.status, ok: response.ok, data: data };
    }

    /** Send the start (once) then the events, oldest first, one request at a time. */
    flush() {
      if (this.dead) return Promise.resolve();
      if (this.inflight) {
        this.again = true;
        return this.inflight;
      }
      this.cancelTimer();
      const self = this;
      this.inflight = this.drain()
        .catch(function () {
          self.backoff();
        })
        .then(function () {
          self.inflight = null;
          if (self.again) {
            self.again = false;
            if (self.record.events.length) return self.flush();
          }
          return undefined;
        });
      return this.inflight;
    }

    async drain() {
      for (;;) {
        if (this.dead) return;
        if (!this.record.started) {
          if (!this.record.start) return; // the duration is not known yet
          const answer = await this.post("/api/v1/sessions", this.record.start, false);
          if (!this.startAnswered(answer)) return;
        }
        const batch = this.record.events.slice(0, this.batchLimit);
        if (!batch.length) {
          if (this.done()) this.forget();
          return;
        }
        const path = "/api/v1/sessions/" + encodeURIComponent(this.record.session) + "/events";
        const answer = await this.post(path, { events: batch }, false);
        if (!this.eventsAnswered(answer, batch)) return;
      }
    }

    /** What the service said to the start; true to go on sending. */
    startAnswered(answer) {
      if (answer.ok) {
        this.record.started = true;
        this.retryDelay = 0;
        this.save();
        call(this.hooks.started, answer.data || {});
        return !this.dead;
      }
      return this.failed(answer);
    }

    eventsAnswered(answer, batch) {
      const last = batch[batch.length - 1].seq;
      if (answer.ok) {
        this.retryDelay = 0;
        this.acknowledge(last);
        if (answer.data && answer.data.enabled === false) {
          // Tracking was turned off since the start: stop quietly, as at the start.
          call(this.hooks.started, answer.data);
          return false;
        }
        call(this.hooks.acknowledged, { events: batch, answer: answer.data });
        return true;
      }
      if (answer.status === 404) {
        // The service does not know the session (its start was lost): start again.
        this.record.started = false;
        this.save();
        return this.record.start ? true : this.failed(answer);
      }
      if (answer.status === 413 && this.batchLimit > 1) {
        this.batchLimit = Math.max(1, Math.floor(batch.length / 2));
        return true;
      }
      if (answer.status === 400 || answer.status === 422) {
        // A malformed event would block every later one forever: drop this batch.
        call(this.hooks.error, { status: answer.status, answer: answer.data, dropped: batch });
        this.acknowledge(last);
        return true;
      }
      return this.failed(answer);
    }

    /** Not accepted: retry what may pass later, give up on what never will. */
    failed(answer) {
      const status = answer.status;
      if (status === 408 || status === 425 || status === 429 || status >= 500) {
        this.backoff();
        return false;
      }
      // 401/403: the token is invalid or expired; 409/410: the session is over. These
      // events can never be accepted: keeping them would only resend them forever.
      call(this.hooks.error, { status: status, answer: answer.data });
      call(this.hooks.rejected, answer);
      this.kill();
      return false;
    }

    /**
     * The page is going away: hand everything unacknowledged to the browser with
     * `keepalive`, which survives the page. It is still kept in storage: if the page
     * does survive (the tab was only hidden) the answers acknowledge it as usual.
     */
    flushKeepalive() {
      if (this.dead || !this.env.fetch) return;
      const self = this;
      if (!this.record.started) {
        if (!this.record.start) return;
        this.post("/api/v1/sessions", this.record.start, true).then(
          function (answer) {
            if (answer.ok) {
              self.record.started = true;
              self.save();
            }
          },
          function () {}
        );
      }
      const path = "/api/v1/sessions/" + encodeURIComponent(this.record.session) + "/events";
      // Chunks start at the oldest unacknowledged event: whichever arrives first, the
      // service applies the events in order.
      let chunk = [];
      let size = 0;
      const send = function (events) {
        const last = events[events.length - 1].seq;
        self.post(path, { events: events }, true).then(
          function (answer) {
            if (answer.ok) self.acknowledge(last);
          },
          function () {}
        );
      };
      for (const event of this.record.events) {
        const bytes = JSON.stringify(event).length + 1;
        if (chunk.length && size + bytes > KEEPALIVE_BYTES) {
          send(chunk);
          break; // the browser's keepalive budget is spent; the rest waits in storage
        }
        chunk.push(event);
        size += bytes;
      }
      if (chunk.length && size <= KEEPALIVE_BYTES) send(chunk);
    }
  }

  // ---------------------------------------------------------------------------------
  // adapters: one face for every player

  function listenerOf(target, name, fn) {
    if (!target) return function () {};
    if (typeof target.addEventListener === "function") {
      target.addEventListener(name, fn);
      return function () {
        target.removeEventListener(name, fn);
      };
    }
    if (typeof target.on === "function") {
      target.on(name, fn);
      return function () {
        if (typeof target.off === "function") target.off(name, fn);
      };
    }
    return function () {};
  }

  /** The caption track showing, from a TextTrackList-like object. */
  function showingCaptions(tracks) {
    if (!tracks) return { on: false, lang: null };
    const length = tracks.length || 0;
    for (let i = 0; i < length; i++) {
      const track = tracks[i];
      if (
        track &&
        track.mode === "showing" &&
        (track.kind === "subtitles" || track.kind === "captions")
      ) {
        return { on: true, lang: track.language || null };
      }
    }
    return { on: false, lang: null };
  }

  /** Reads a player's `name`: a method is called, a property read, a missing one is `fallback`. */
  function reader(player) {
    return function (name, fallback) {
      const value = player[name];
      if (typeof value === "function") return value.call(player);
      return value === undefined ? fallback : value;
    };
  }

  /** What every adapter reads the same way, given its `reader`. */
  function playerReadings(read) {
    return {
      position: function () {
        return read("currentTime", 0);
      },
      duration: function () {
        return read("duration", NaN);
      },
      paused: function () {
        return !!read("paused", false);
      },
      seeking: function () {
        return !!read("seeking", false);
      },
      speed: function () {
        return read("playbackRate", 1);
      },
      volume: function () {
        return read("volume", 1);
      },
      muted: function () {
        return !!read("muted", false);
      },
    };
  }

  /** "WxH" of the video being played, when the player knows it. */
  function sizeOf(read) {
    const w = read("videoWidth", 0);
    const h = read("videoHeight", 0);
    return w && h ? w + "x" + h : null;
  }

  /**
   * Listens to the playback events every adapter hears (`play` under the player's own
   * name) and to `extra` [target, event, handler] bindings; returns what stops them all.
   */
  function listenPlayback(player, on, playEvent, extra) {
    const bindings = [
      [player, playEvent, on.play],
      [player, "pause", on.pause],
      [player, "seeking", on.seeking],
      [player, "timeupdate", on.timeupdate],
      [player, "ended", on.ended],
      [player, "ratechange", on.ratechange],
      [player, "volumechange", on.volumechange],
      [player, "loadedmetadata", on.durationchange],
      [player, "durationchange", on.durationchange],
    ].concat(extra);
    const offs = bindings.map(function (binding) {
      return listenerOf(binding[0], binding[1], binding[2]);
    });
    return function () {
      offs.forEach(function (off) {
        off();
      });
    };
  }

  /**
   * An HTML5 <video> element. Uses `play` (not `playing`, which Chromium fires again
   * after every buffering stall) and the document's fullscreen state.
   */
  function html5Adapter(video, env) {
    const doc = env.document || video.ownerDocument || null;
    const read = reader(video);
    return Object.assign(playerReadings(read), {
      name: "html5",
      version: "",
      timeUpdates: true,
      fullscreen: function () {
        const el = doc && (doc.fullscreenElement || doc.webkitFullscreenElement);
        return !!el && (el === video || (typeof el.contains === "function" && el.contains(video)));
      },
      captions: function () {
        return showingCaptions(video.textTracks);
      },
      quality: function () {
        return null;
      },
      playbackSize: function () {
        return sizeOf(read);
      },
      listen: function (on) {
        return listenPlayback(video, on, "play", [
          [doc, "fullscreenchange", on.fullscreen],
          [doc, "webkitfullscreenchange", on.fullscreen],
          [video.textTracks, "change", on.captions],
        ]);
      },
    });
  }

  /** A video.js player: the same events through `player.on`, getters as methods. */
  function videojsAdapter(player, env) {
    const vjs = env.videojs || (typeof globalThis !== "undefined" && globalThis.videojs);
    const read = reader(player);
    return Object.assign(playerReadings(read), {
      name: "video.js",
      version: (vjs && vjs.VERSION) || "",
      timeUpdates: true,
      fullscreen: function () {
        return !!read("isFullscreen", false);
      },
      captions: function () {
        return showingCaptions(read("textTracks", null));
      },
      quality: function () {
        return null;
      },
      playbackSize: function () {
        return sizeOf(read);
      },
      listen: function (on) {
        return listenPlayback(player, on, "play", [
          [player, "fullscreenchange", on.fullscreen],
          [read("textTracks", null), "change", on.captions],
        ]);
      },
    });
  }

  /**
   * A Kaltura Player v7 (`KalturaPlayer.setup(...)`): properties rather than methods,
   * `playing` when playback really starts, fullscreen and track changes as their own
   * events whose details come in `event.payload`.
   */
  function kalturaAdapter(player) {
    let captions = { on: false, lang: null };
    let quality = null;
    const read = reader(player);
    return Object.assign(playerReadings(read), {
      name: "kaltura",
      version: (player.config && player.config.version) || read("version", "") || "",
      timeUpdates: true,
      fullscreen: function () {
        return typeof player.isFullscreen === "function" ? !!player.isFullscreen() : false;
      },
      captions: function () {
        return captions;
      },
      quality: function () {
        return quality;
      },
      playbackSize: function () {
        return null;
      },
      listen: function (on) {
        const onText = function (event) {
          const track = (event && event.payload && event.payload.selectedTextTrack) || null;
          const lang = track && (track.language || track.label);
          captions = lang && lang !== "off" ? { on: true, lang: lang } : { on: false, lang: null };
          on.captions();
        };
        const onVideoTrack = function (event) {
          const track = (event && event.payload && event.payload.selectedVideoTrack) || null;
          if (!track) return;
          const value = track.label || (track.height ? track.height + "p" : null) ||
            (track.bandwidth ? String(track.bandwidth) : null);
          if (!value) return;
          quality = String(value).slice(0, 50);
          on.quality();
        };
        // `playing`, not `play`: v7 fires `play` on the request, `playing` when it plays.
        return listenPlayback(player, on, "playing", [
          [player, "enterfullscreen", on.fullscreen],
          [player, "exitfullscreen", on.fullscreen],
          [player, "texttrackchanged", onText],
          [player, "videotrackchanged", onVideoTrack],
        ]);
      },
    });
  }

  /**
   * A player that reports nothing finer than quartiles (like the older "V2" players).
   * Wraps another adapter (HTML5 by default) and lets a timeupdate through only when the
   * playhead first crosses 25, 50, 75 or 100 %; players that announce quartiles
   * themselves (`firstQuartile`, `secondQuartile`, `thirdQuartile`) are heard too. The
   * start event says `timeUpdates: false`, so the service tracks it in quarters.
   */
  function quartilesAdapter(player, env, inner) {
    const base = inner || html5Adapter(player, env);
    const adapter = Object.assign({}, base, { timeUpdates: false, quartiles: true });
    adapter.name = base.name === "html5" ? "quartiles" : base.name + " (quartiles)";
    adapter.listen = function (on) {
      const offBase = base.listen(on);
      const announce = function (fraction) {
        return function () {
          on.quartile(fraction);
        };
      };
      const offs = [
        listenerOf(player, "firstQuartile", announce(0.25)),
        listenerOf(player, "secondQuartile", announce(0.5)),
        listenerOf(player, "thirdQuartile", announce(0.75)),
      ];
      return function () {
        offBase();
        offs.forEach(function (off) {
          off();
        });
      };
    };
    return adapter;
  }

  function chooseAdapter(player, name, env) {
    if (name === "html5") return html5Adapter(player, env);
    if (name === "videojs" || name === "video.js") return videojsAdapter(player, env);
    if (name === "kaltura") return kalturaAdapter(player);
    if (name === "quartiles") {
      return quartilesAdapter(player, env, guessAdapter(player, env, true));
    }
    if (name) throw new Error("videoxapi: unknown adapter " + JSON.stringify(name));
    return guessAdapter(player, env, false);
  }

  function guessAdapter(player, env, forQuartiles) {
    if (player && typeof player.currentTime === "function" && typeof player.on === "function") {
      return videojsAdapter(player, env);
    }
    if (player && typeof player.addEventListener === "function" && typeof player.isFullscreen === "function") {
      return kalturaAdapter(player);
    }
    return forQuartiles ? null : html5Adapter(player, env);
  }

  // ---------------------------------------------------------------------------------
  // the driver: player events in, vocabulary events out

  function track(player, options) {
    if (!player) throw new Error("videoxapi.track: no player given");
    options = options || {};
    if (!options.token) throw new Error("videoxapi.track: options.token is required");
    if (!options.entry || !options.entry.id || !options.entry.title) {
      throw new Error("videoxapi.track: options.entry needs an id and a title");
    }
    const env = Object.assign(defaultEnv(), options.env || {});
    const adapter =
      typeof options.adapter === "object" && options.adapter
        ? options.adapter
        : chooseAdapter(player, options.adapter, env);
    return new Tracker(adapter, options, env);
  }

  class Tracker {
    constructor(adapter, options, env) {
      this.adapter = adapter;
      this.options = options;
      this.env = env;
      this.endpoint =
        options.endpoint !== undefined && options.endpoint !== null ? String(options.endpoint) : "";
      this.enabled = null; // unknown until the service answers the start
      this.beaconInterval = null;
      this.stopped = false;
      this.ended = false;
      this.unlisten = null;
      this.pageOffs = [];
      this.orphans = [];
      this.open();
      this.attach();
      recoverOrphans(this);
    }

    /** A new viewing session: a fresh id, seq from 1, its own stored record. */
    open() {
      const env = this.env;
      this.session = uuid(env);
      this.seq = 0;
      this.ended = false;
      this.lastPosition = seconds(this.adapter.position());
      this.lastTimeupdate = -Infinity;
      this.quartilesSent = 0;
      this.state = {
        fullscreen: this.adapter.fullscreen(),
        captions: this.adapter.captions(),
        quality: this.adapter.quality(),
      };
      const self = this;
      this.outbox = new Outbox(newRecord(this.endpoint, this.options.token, this.session, env.now()), env, {
        started: function (answer) {
          self.onStarted(answer);
        },
        acknowledged: function (info) {
          call(self.options.onAcknowledged, info);
          if (info.answer && Array.isArray(info.answer.statements)) {
            info.answer.statements.forEach(function (statement) {
              call(self.options.onStatement, statement);
            });
          }
        },
        error: function (info) {
          call(self.options.onError, info);
        },
      });
      this.tryStart();
      this.tick();
    }

    get duration() {
      const given = this.options.entry.duration;
      if (typeof given === "number" && given > 0 && isFinite(given)) return given;
      const d = Number(this.adapter.duration());
      return isFinite(d) && d > 0 ? d : null;
    }

    /** The start event needs the duration; players know it only once metadata loaded. */
    tryStart() {
      if (this.outbox.record.start || this.stopped) return;
      const duration = this.duration;
      if (duration === null) return;
      const opts = this.options;
      const entry = { id: String(opts.entry.id), title: String(opts.entry.title), duration: duration };
      if (opts.entry.description) entry.description = String(opts.entry.description);
      const channel = opts.channel || opts.entry.channel;
      if (channel) {
        entry.channel =
          typeof channel === "object"
            ? { id: String(channel.id), name: String(channel.name || "") }
            : { id: String(channel), name: "" };
      }
      const start = {
        type: "start",
        session: this.session,
        at: iso(this.env.now()),
        entry: entry,
        player: { name: this.adapter.name, version: String(this.adapter.version || ""), timeUpdates: !!this.adapter.timeUpdates },
        context: this.context(),
      };
      if (opts.registration) start.registration = String(opts.registration);
      this.outbox.record.start = start;
      this.outbox.save();
      call(opts.onEvent, start);
      this.outbox.flush();
    }

    /** The player's surroundings at the start, each value only when it is valid. */
    context() {
      const a = this.adapter;
      const env = this.env;
      const context = {};
      const ua = env.navigator && env.navigator.userAgent;
      if (ua) context.userAgent = String(ua).slice(0, 1000);
      if (env.screen && env.screen.width && env.screen.height) {
        context.screenSize = Math.round(env.screen.width) + "x" + Math.round(env.screen.height);
      }
      const size = a.playbackSize();
      if (size) context.playbackSize = size;
      const speed = Number(a.speed());
      if (speed > 0 && speed <= 16) context.speed = speed;
      const volume = Number(a.volume());
      if (volume >= 0 && volume <= 1) context.volume = a.muted() ? 0 : volume;
      const captions = a.captions();
      context.captions = !!captions.on;
      if (captions.on && captions.lang) context.captionsLang = String(captions.lang).slice(0, 35);
      const quality = a.quality();
      if (quality) context.quality = String(quality).slice(0, 50);
      context.fullScreen = !!a.fullscreen();
      return context;
    }

    onStarted(answer) {
      this.beaconInterval = answer.beaconInterval || null;
      if (answer.enabled === false) {
        // The site does not track: stop quietly and leave nothing behind.
        this.enabled = false;
        this.stop();
        this.outbox.kill();
        call(this.options.onDisabled, answer);
        return;
      }
      this.enabled = true;
      call(this.options.onStart, answer);
    }

    /** Periodic flush, and a periodic mark that this tab still owns its record. */
    tick() {
      const self = this;
      if (this.tickTimer) this.env.clearTimeout(this.tickTimer);
      this.tickTimer = this.env.setTimeout(function () {
        self.tickTimer = null;
        if (self.stopped) return;
        const outbox = self.outbox;
        // A retry already scheduled (backoff) is not hurried by the tick.
        if (outbox.timer === null && (outbox.record.events.length || !outbox.record.started)) {
          outbox.flush();
        }
        if (self.env.now() - outbox.record.touched > TOUCH_EVERY) outbox.save();
        self.tick();
      }, FLUSH_INTERVAL);
    }

    emit(type, position, fields) {
      if (this.stopped || this.ended) return null;
      const event = Object.assign(
        { session: this.session, seq: ++this.seq, type: type, at: iso(this.env.now()), position: seconds(position) },
        fields || {}
      );
      this.outbox.add(event);
      call(this.options.onEvent, event);
      if (type === "end") {
        this.ended = true;
      }
      if (this.outbox.record.events.length >= BATCH_EVENTS) this.outbox.flush();
      return event;
    }

    attach() {
      const self = this;
      const a = this.adapter;
      const here = function () {
        return seconds(a.position());
      };
      this.unlisten = a.listen({
        durationchange: function () {
          self.tryStart();
        },
        play: function () {
          self.tryStart();
          // Chromium dispatches `play` a few milliseconds into playback (0.004 s for a
          // start, 14.101 for a resume paused at 14.095): playback began where the
          // player last was, so a start that close to it is reported from there and
          // no sliver of video looks unwatched.
          const now = here();
          const slack = PLAY_SLACK * Math.max(1, Number(a.speed()) || 1);
          const p = Math.abs(now - self.lastPosition) <= slack ? self.lastPosition : now;
          self.lastPosition = p;
          self.emit("play", p);
        },
        pause: function () {
          const p = here();
          self.lastPosition = p;
          self.emit("pause", p);
        },
        seeking: function () {
          // The vocabulary's seek goes from the last position the player reported
          // before the seek (the playhead has already moved when `seeking` fires).
          const to = here();
          const from = self.lastPosition;
          self.lastPosition = to;
          if (Math.abs(to - from) < SAME_PLACE) return;
          self.emit("seek", to, { from: from, to: to });
          self.quartileCrossing(to, false);
        },
        timeupdate: function () {
          if (a.seeking()) return; // the new position is reported by the seek itself
          const p = here();
          self.lastPosition = p;
          if (a.paused()) return; // a paused player's timeupdates say nothing new
          if (a.quartiles) {
            self.quartileCrossing(p, true);
            return;
          }
          const now = self.env.now();
          if (now - self.lastTimeupdate < TIMEUPDATE_INTERVAL) return;
          self.lastTimeupdate = now;
          self.emit("timeupdate", p);
        },
        quartile: function (fraction) {
          const d = self.duration;
          if (d === null) return;
          const p = seconds(Math.max(here(), fraction * d));
          self.lastPosition = p;
          self.quartileCrossing(p, true);
        },
        ended: function () {
          const d = self.duration;
          const p = d === null ? here() : seconds(Math.max(here(), d));
          self.lastPosition = p;
          self.quartilesSent = QUARTILES.length;
          self.emit("ended", p);
        },
        ratechange: function () {
          const speed = Number(a.speed());
          if (!(speed > 0 && speed <= 16)) return; // 0 means paused, not a speed
          self.emit("ratechange", here(), { speed: speed });
        },
        volumechange: function () {
          const volume = Math.min(1, Math.max(0, Number(a.volume()) || 0));
          self.emit("volumechange", here(), { volume: volume, muted: a.muted() });
        },
        fullscreen: function () {
          const on = !!a.fullscreen();
          if (on === self.state.fullscreen) return;
          self.state.fullscreen = on;
          self.emit("fullscreen", here(), { on: on });
        },
        captions: function () {
          const now = a.captions();
          const was = self.state.captions;
          if (now.on === was.on && now.lang === was.lang) return;
          self.state.captions = now;
          const fields = { on: !!now.on };
          if (now.lang) fields.lang = String(now.lang).slice(0, 35);
          self.emit("captions", here(), fields);
        },
        quality: function () {
          const value = a.quality();
          if (!value || value === self.state.quality) return;
          self.state.quality = value;
          self.emit("quality", here(), { value: String(value).slice(0, 50) });
        },
      });
      this.listenToPage();
    }

    /**
     * Quartile mode: a timeupdate when the playhead first passes each quarter (or, after
     * a seek, silently skip the quarters jumped over: they were not watched here).
     */
    quartileCrossing(position, report) {
      if (!this.adapter.quartiles) return;
      const d = this.duration;
      if (d === null) return;
      let crossed = false;
      while (this.quartilesSent < QUARTILES.length) {
        const mark = QUARTILES[this.quartilesSent] * d;
        // The last quarter is reached a little early: players stop short of the end.
        if (position < mark - (QUARTILES[this.quartilesSent] === 1 ? 0.3 : 0)) break;
        this.quartilesSent++;
        crossed = true;
      }
      if (!report) {
        // After a seek, quarters behind the new position are reported when crossed again.
        while (this.quartilesSent > 0 && QUARTILES[this.quartilesSent - 1] * d > position) {
          this.quartilesSent--;
        }
        return;
      }
      if (crossed) this.emit("timeupdate", position);
    }

    listenToPage() {
      const env = this.env;
      const self = this;
      const win = env.window;
      const doc = env.document;
      const hidden = function () {
        if (doc && doc.visibilityState === "hidden") self.outbox.flushKeepalive();
      };
      const leave = function (event) {
        self.leave(event && event.persisted);
      };
      const back = function (event) {
        // A page restored from the back/forward cache: its old session is over.
        if (event && event.persisted && self.ended && !self.stopped) {
          self.open();
        }
      };
      const online = function () {
        self.outbox.flush();
        self.orphans.forEach(function (outbox) {
          outbox.flush();
        });
      };
      this.pageOffs = [
        listenerOf(doc, "visibilitychange", hidden),
        listenerOf(win, "pagehide", leave),
        listenerOf(win, "pageshow", back),
        listenerOf(win, "online", online),
      ];
    }

    /** The page is going away: pause if needed, `end`, and hand it all to keepalive. */
    leave() {
      if (this.stopped || this.ended) return;
      const p = seconds(this.adapter.position());
      this.emit("end", this.adapter.seeking() ? this.lastPosition : p);
      this.outbox.record.closed = true;
      this.outbox.save();
      this.outbox.flushKeepalive();
    }

    /** Send what is queued now (for pages that want to be sure before navigating). */
    flush() {
      return this.outbox.flush();
    }

    /** The player is being destroyed: the session ends, listeners go. */
    destroy() {
      if (!this.stopped && !this.ended) {
        this.emit("end", seconds(this.adapter.position()));
        this.outbox.record.closed = true;
        this.outbox.save();
      }
      const done = this.outbox.flush();
      this.stop();
      return done;
    }

    /** Stop listening to the player and the page (what is stored is still sent). */
    stop() {
      this.stopped = true;
      if (this.unlisten) this.unlisten();
      this.unlisten = null;
      this.pageOffs.forEach(function (off) {
        off();
      });
      this.pageOffs = [];
      if (this.tickTimer) this.env.clearTimeout(this.tickTimer);
      this.tickTimer = null;
    }
  }

  /** Sessions adopted by some tracker on this page (two trackers never send one twice). */
  const adopted = new Set();

  /**
   * Records left by earlier pages (reloaded offline, closed before the service
   * acknowledged): send them now. A record not marked closed may be another live tab's;
   * it is adopted only once nobody has touched it for a while.
   */
  function recoverOrphans(tracker) {
    const env = tracker.env;
    const now = env.now();
    storageKeys(env.storage).forEach(function (key) {
      const record = readRecord(env.storage, key);
      if (!record) {
        try {
          env.storage.removeItem(key);
        } catch (err) {
          /* ignore */
        }
        return;
      }
      if (record.session === tracker.session || adopted.has(record.session)) return;
      if (!record.closed && now - (record.touched || 0) < STALE_AFTER) return;
      adopted.add(record.session);
      if (!record.start) {
        // Left before the player knew its duration: nothing the service could take.
        env.storage.removeItem(key);
        return;
      }
      record.closed = true; // ours now: nobody adds to it any more
      const outbox = new Outbox(record, env, {
        error: function (info) {
          call(tracker.options.onError, info);
        },
      });
      if (outbox.done()) {
        outbox.forget();
        return;
      }
      tracker.orphans.push(outbox);
      outbox.flush();
    });
  }

  return {
    version: VERSION,
    track: track,
    adapters: {
      html5: html5Adapter,
      videojs: videojsAdapter,
      kaltura: kalturaAdapter,
      quartiles: quartilesAdapter,
    },
    STORAGE_PREFIX: STORAGE_PREFIX,
    _internals: { Outbox: Outbox, seconds: seconds, adopted: adopted },
  };
});

/**
 * Each adapter maps its player's own events onto the vocabulary: video.js (`on`, getter
 * methods), Kaltura Player v7 (`addEventListener`, properties, payloads), and the
 * quartile-only mode.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { Emitter, FakeVideo, harness, trackOptions } = require("./fakes.js");

/** A video.js player as far as the plugin uses it: `on`/`off` and getter methods. */
class FakeVideojs {
  constructor() {
    this.handlers = new Map();
    this.state = { currentTime: 0, duration: 60, paused: true, seeking: false, playbackRate: 1, volume: 0.8, muted: false, isFullscreen: false };
    this.tracks = new Emitter();
    this.tracks.length = 1;
    this.tracks[0] = { kind: "captions", language: "fr", mode: "disabled" };
    for (const name of Object.keys(this.state)) this[name] = () => this.state[name];
    this.textTracks = () => this.tracks;
  }
  on(name, fn) {
    if (!this.handlers.has(name)) this.handlers.set(name, new Set());
    this.handlers.get(name).add(fn);
  }
  off(name, fn) {
    this.handlers.get(name)?.delete(fn);
  }
  trigger(name, changes = {}) {
    Object.assign(this.state, changes);
    for (const fn of [...(this.handlers.get(name) || [])]) fn({ type: name });
  }
}

/** A Kaltura Player v7: properties, `addEventListener`, details in `event.payload`. */
class FakeKaltura extends Emitter {
  constructor() {
    super();
    this.currentTime = 0;
    this.duration = 120;
    this.paused = true;
    this.seeking = false;
    this.playbackRate = 1;
    this.volume = 1;
    this.muted = false;
    this.full = false;
    this.config = { version: "7.1.0" };
  }
  isFullscreen() {
    return this.full;
  }
  fire(name, changes = {}, payload = undefined) {
    Object.assign(this, changes);
    this.dispatch(name, { type: name, payload });
  }
}

const shape = (events) =>
  events.map((e) => {
    const { session, seq, at, ...rest } = e;
    return rest;
  });

test("video.js: its events and getters become the vocabulary", async () => {
  const h = harness();
  const player = new FakeVideojs();
  const tracker = h.plugin.track(player, trackOptions(h, { adapter: "videojs" }));
  await h.clock.advance(0);
  const start = h.service.startRequests()[0].json;
  assert.equal(start.player.name, "video.js");
  assert.equal(start.entry.duration, 60);
  assert.equal(start.context.volume, 0.8);
  assert.equal(start.context.captions, false);

  player.trigger("play", { paused: false });
  await h.clock.advance(300);
  player.trigger("timeupdate", { currentTime: 10 });
  await h.clock.advance(300);
  player.trigger("seeking", { currentTime: 40, seeking: true });
  player.trigger("timeupdate", { currentTime: 40 }); // while seeking: said by the seek
  player.trigger("seeked", { seeking: false });
  player.trigger("ratechange", { playbackRate: 2 });
  player.trigger("volumechange", { muted: true });
  player.trigger("fullscreenchange", { isFullscreen: true });
  player.tracks[0].mode = "showing";
  player.tracks.dispatch("change");
  player.trigger("pause", { paused: true, currentTime: 41.5 });
  await h.clock.advance(2000);
  assert.deepEqual(shape(h.service.applied()), [
    { type: "play", position: 0 },
    { type: "timeupdate", position: 10 },
    { type: "seek", position: 40, from: 10, to: 40 },
    { type: "ratechange", position: 40, speed: 2 },
    { type: "volumechange", position: 40, volume: 0.8, muted: true },
    { type: "fullscreen", position: 40, on: true },
    { type: "captions", position: 40, on: true, lang: "fr" },
    { type: "pause", position: 41.5 },
  ]);
  tracker.destroy();
  assert.equal(player.handlers.get("play").size, 0, "destroy removes its handlers");
});

test("Kaltura v7: playing, fullscreen and track changes with their payloads", async () => {
  const h = harness();
  const player = new FakeKaltura();
  h.plugin.track(player, trackOptions(h, { adapter: "kaltura" }));
  await h.clock.advance(0);
  const start = h.service.startRequests()[0].json;
  assert.deepEqual(start.player, { name: "kaltura", version: "7.1.0", timeUpdates: true });
  assert.equal(start.entry.duration, 120);

  player.fire("play", { paused: false }); // requested, not yet playing: not a play
  player.fire("playing");
  await h.clock.advance(300);
  player.fire("timeupdate", { currentTime: 30 });
  player.fire("enterfullscreen", { full: true });
  player.fire("texttrackchanged", {}, { selectedTextTrack: { language: "de", label: "Deutsch" } });
  player.fire("videotrackchanged", {}, { selectedVideoTrack: { label: "720p", height: 720 } });
  player.fire("texttrackchanged", {}, { selectedTextTrack: { language: "off" } });
  player.fire("exitfullscreen", { full: false });
  await h.clock.advance(300);
  player.fire("seeking", { currentTime: 90, seeking: true });
  player.fire("seeked", { seeking: false });
  player.fire("pause", { paused: true, currentTime: 120 });
  player.fire("ended");
  await h.clock.advance(2000);
  assert.deepEqual(shape(h.service.applied()), [
    { type: "play", position: 0 },
    { type: "timeupdate", position: 30 },
    { type: "fullscreen", position: 30, on: true },
    { type: "captions", position: 30, on: true, lang: "de" },
    { type: "quality", position: 30, value: "720p" },
    { type: "captions", position: 30, on: false },
    { type: "fullscreen", position: 30, on: false },
    { type: "seek", position: 90, from: 30, to: 90 },
    { type: "pause", position: 120 },
    { type: "ended", position: 120 },
  ]);
});

test("the adapter is guessed from the player when not named", async () => {
  const h = harness();
  h.plugin.track(new FakeVideojs(), trackOptions(h));
  h.plugin.track(new FakeKaltura(), trackOptions(h));
  h.plugin.track(new FakeVideo(), trackOptions(h));
  await h.clock.advance(0);
  assert.deepEqual(
    h.service.startRequests().map((r) => r.json.player.name),
    ["video.js", "kaltura", "html5"]
  );
});

test("quartile mode: no continuous time updates, a timeupdate only at each quarter", async () => {
  const h = harness();
  const video = new FakeVideo({ duration: 24 });
  h.plugin.track(video, trackOptions(h, { adapter: "quartiles" }));
  await h.clock.advance(0);
  const start = h.service.startRequests()[0].json;
  assert.equal(start.player.timeUpdates, false);
  assert.equal(start.player.name, "quartiles");

  video.play();
  for (let t = 0.25; t <= 24; t += 0.25) {
    await h.clock.advance(250);
    video.at(t);
  }
  video.end();
  await h.clock.advance(2000);
  assert.deepEqual(shape(h.service.applied()), [
    { type: "play", position: 0 },
    { type: "timeupdate", position: 6 },
    { type: "timeupdate", position: 12 },
    { type: "timeupdate", position: 18 },
    { type: "timeupdate", position: 23.75 },
    { type: "pause", position: 24 },
    { type: "ended", position: 24 },
  ]);
});

test("quartile mode: quarters jumped over by a seek are not reported, a seek back re-arms them", async () => {
  const h = harness();
  const video = new FakeVideo({ duration: 100 });
  h.plugin.track(video, trackOptions(h, { adapter: "quartiles" }));
  await h.clock.advance(0);
  video.play();
  video.seekTo(60); // past 25 and 50
  await h.clock.advance(300);
  video.at(70);
  await h.clock.advance(300);
  video.at(76); // 75 reached by playing
  video.seekTo(10); // back before 25 and 50
  await h.clock.advance(300);
  video.at(26);
  await h.clock.advance(2000);
  assert.deepEqual(
    shape(h.service.applied()).map((e) => [e.type, e.position]),
    [
      ["play", 0],
      ["seek", 60],
      ["timeupdate", 76],
      ["seek", 10],
      ["timeupdate", 26],
    ]
  );
});

test("a quartile player that announces quarters itself is heard", async () => {
  const h = harness();
  const player = new FakeKaltura();
  player.duration = 40;
  h.plugin.track(player, trackOptions(h, { adapter: "quartiles" }));
  await h.clock.advance(0);
  assert.equal(h.service.startRequests()[0].json.player.name, "kaltura (quartiles)");
  player.fire("playing", { paused: false });
  await h.clock.advance(1000);
  player.fire("firstQuartile", { currentTime: 10 });
  await h.clock.advance(1000);
  player.fire("secondQuartile", { currentTime: 20 });
  await h.clock.advance(2000);
  assert.deepEqual(
    shape(h.service.applied()).map((e) => [e.type, e.position]),
    [
      ["play", 0],
      ["timeupdate", 10],
      ["timeupdate", 20],
    ]
  );
});

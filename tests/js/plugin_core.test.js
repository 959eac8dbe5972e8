/**
 * The plugin's own logic with an HTML5-like fake player: session start, seq numbering,
 * batching, timeupdate throttling, the disabled answer, page leave.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { FakeService, FakeVideo, harness, trackOptions } = require("./fakes.js");

test("the start waits for the duration, carries no user, and uses the viewer token", async () => {
  const h = harness();
  const video = new FakeVideo({ duration: NaN });
  const tracker = h.plugin.track(video, trackOptions(h, { registration: "0b7e6c3a-91d4-5f2a-8c6e-4a9d2e7f1b35" }));
  await h.clock.advance(3000);
  assert.equal(h.service.requests.length, 0, "nothing can start before the duration is known");

  video.duration = 24;
  video.dispatch("loadedmetadata");
  await h.clock.advance(0);
  const [start] = h.service.startRequests();
  assert.equal(start.url, "http://videos.test/api/v1/sessions");
  assert.equal(start.headers.Authorization, "Bearer viewer-token");
  assert.equal(start.json.type, "start");
  assert.equal(start.json.session, tracker.session);
  assert.equal(start.json.user, undefined);
  assert.deepEqual(start.json.entry, { id: "e1", title: "Clip", duration: 24 });
  assert.deepEqual(start.json.player, { name: "html5", version: "", timeUpdates: true });
  assert.equal(start.json.registration, "0b7e6c3a-91d4-5f2a-8c6e-4a9d2e7f1b35");
  assert.equal(start.json.context.screenSize, "1280x720");
  assert.equal(start.json.context.playbackSize, "160x90");
  assert.match(start.json.at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(tracker.enabled, true);
  assert.equal(tracker.beaconInterval, "quarters");
});

test("events are numbered 1, 2, 3... and sent together after about two seconds", async () => {
  const h = harness();
  const video = new FakeVideo();
  const tracker = h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  await h.clock.advance(300);
  video.at(0.3);
  await h.clock.advance(300);
  video.pause();
  await h.clock.advance(100);
  assert.equal(h.service.eventRequests().length, 0, "a batch waits for the flush interval");
  await h.clock.advance(2000);
  const requests = h.service.eventRequests();
  assert.equal(requests.length, 1);
  const events = requests[0].json.events;
  assert.deepEqual(events.map((e) => [e.seq, e.type, e.position]), [
    [1, "play", 0],
    [2, "timeupdate", 0.3],
    [3, "pause", 0.3],
  ]);
  assert.ok(events.every((e) => e.session === tracker.session));
  assert.equal(requests[0].url, `http://videos.test/api/v1/sessions/${tracker.session}/events`);
  assert.equal(requests[0].headers.Authorization, "Bearer viewer-token");
  assert.equal(h.storage.records()[0].events.length, 0, "acknowledged events are forgotten");
});

test("ten waiting events are sent at once, without waiting for the interval", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  for (let i = 1; i <= 9; i++) {
    await h.clock.advance(10);
    video.muted = i % 2 === 1;
    video.dispatch("volumechange");
  }
  await h.clock.advance(0);
  const requests = h.service.eventRequests();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].json.events.length, 10);
  assert.deepEqual(requests[0].json.events[1], {
    session: requests[0].json.events[1].session,
    seq: 2,
    type: "volumechange",
    at: "2026-11-26T10:00:00.010Z",
    position: 0,
    volume: 1,
    muted: true,
  });
});

test("timeupdates are kept to about four a second of wall time", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  // A player reporting every 50 ms for 2 s: 40 reports.
  for (let i = 1; i <= 40; i++) {
    await h.clock.advance(50);
    video.at(i * 0.05);
  }
  await h.clock.advance(2000);
  const updates = h.service.applied().filter((e) => e.type === "timeupdate");
  assert.ok(updates.length >= 7 && updates.length <= 9, `${updates.length} timeupdates in 2 s`);
  for (let i = 1; i < updates.length; i++) {
    assert.ok(Date.parse(updates[i].at) - Date.parse(updates[i - 1].at) >= 250);
  }
});

test("timeupdates of a paused player are not sent", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.at(3);
  await h.clock.advance(500);
  video.at(3);
  await h.clock.advance(2000);
  assert.deepEqual(h.service.applied(), []);
});

test("a seek goes from the last reported position to the new one; Chromium's end order is kept", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  await h.clock.advance(300);
  video.at(5.25);
  await h.clock.advance(300);
  video.seekTo(16);
  await h.clock.advance(300);
  video.at(16.3);
  video.seekTo(16.3); // to where it already is: no seek
  await h.clock.advance(300);
  video.end();
  await h.clock.advance(2000);
  assert.deepEqual(
    h.service.applied().map((e) => [e.type, e.position, e.from, e.to]),
    [
      ["play", 0, undefined, undefined],
      ["timeupdate", 5.25, undefined, undefined],
      ["seek", 16, 5.25, 16],
      ["timeupdate", 16.3, undefined, undefined],
      ["pause", 24, undefined, undefined],
      ["ended", 24, undefined, undefined],
    ]
  );
});

test("a play reported a few ms into playback starts where the player was", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.currentTime = 0.004; // Chromium's first play event
  video.play();
  await h.clock.advance(300);
  video.at(5);
  video.currentTime = 5.095;
  video.pause();
  video.currentTime = 5.101; // the resume, a few ms on
  video.play();
  video.seekTo(9);
  video.pause();
  video.currentTime = 9.5; // too far from the pause to be the same place
  video.play();
  await h.clock.advance(2000);
  assert.deepEqual(
    h.service.applied().filter((e) => e.type === "play").map((e) => e.position),
    [0, 5.095, 9.5]
  );
});

test("positions are seconds rounded to the millisecond, never negative", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.currentTime = 1.23456789;
  video.play();
  video.currentTime = -1;
  video.pause();
  await h.clock.advance(2000);
  assert.deepEqual(h.service.applied().map((e) => e.position), [1.235, 0]);
});

test("a disabled site: the plugin stops quietly and sends nothing more", async () => {
  const h = harness({ service: new FakeService({ enabled: false }) });
  const video = new FakeVideo();
  let disabled = null;
  const tracker = h.plugin.track(video, trackOptions(h, { onDisabled: (answer) => (disabled = answer) }));
  await h.clock.advance(0);
  assert.equal(tracker.enabled, false);
  assert.deepEqual(disabled, { session: tracker.session, enabled: false, beaconInterval: "quarters" });
  video.play();
  video.at(3);
  video.pause();
  h.window.dispatch("pagehide", { persisted: false });
  await h.clock.advance(10000);
  assert.equal(h.service.requests.length, 1, "only the start was sent");
  assert.equal(h.storage.length, 0, "nothing is kept");
  assert.equal(video.count("play"), 0, "the player's listeners are removed");
});

test("leaving the page sends end with keepalive and the Authorization header", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  await h.clock.advance(300);
  video.at(2);
  h.window.dispatch("pagehide", { persisted: false });
  await h.clock.advance(0);
  const [request] = h.service.eventRequests();
  assert.equal(request.keepalive, true);
  assert.equal(request.headers.Authorization, "Bearer viewer-token");
  assert.deepEqual(request.json.events.map((e) => [e.seq, e.type]), [
    [1, "play"],
    [2, "timeupdate"],
    [3, "end"],
  ]);
  assert.equal(h.storage.length, 0, "an acknowledged, ended session leaves nothing stored");
  video.play();
  await h.clock.advance(5000);
  assert.equal(h.service.applied().length, 3, "nothing after the end");
});

test("a hidden page hands its queue to keepalive without ending the session", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  h.document.visibilityState = "hidden";
  h.document.dispatch("visibilitychange");
  await h.clock.advance(0);
  const [request] = h.service.eventRequests();
  assert.equal(request.keepalive, true);
  assert.deepEqual(request.json.events.map((e) => e.type), ["play"]);
  h.document.visibilityState = "visible";
  video.pause();
  await h.clock.advance(2000);
  assert.deepEqual(h.service.applied().map((e) => [e.seq, e.type]), [
    [1, "play"],
    [2, "pause"],
  ]);
});

test("destroy ends the session and stops listening", async () => {
  const h = harness();
  const video = new FakeVideo();
  const tracker = h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  video.currentTime = 4;
  await tracker.destroy();
  await h.clock.advance(0);
  assert.deepEqual(h.service.applied().map((e) => [e.type, e.position]), [
    ["play", 0],
    ["end", 4],
  ]);
  assert.equal(video.count("play"), 0);
  assert.equal(h.window.count("pagehide"), 0);
});

test("the channel and description go into the start's entry", async () => {
  const h = harness();
  h.plugin.track(
    new FakeVideo(),
    trackOptions(h, {
      entry: { id: "e1", title: "Clip", duration: 30, description: "About it" },
      channel: { id: "c9", name: "Physics" },
    })
  );
  await h.clock.advance(0);
  assert.deepEqual(h.service.startRequests()[0].json.entry, {
    id: "e1",
    title: "Clip",
    duration: 30,
    description: "About it",
    channel: { id: "c9", name: "Physics" },
  });
});

test("track() refuses to run without a token or an entry", () => {
  const h = harness();
  assert.throws(() => h.plugin.track(new FakeVideo(), { entry: { id: "e", title: "t" } }), /token/);
  assert.throws(() => h.plugin.track(new FakeVideo(), { token: "t", entry: { id: "e" } }), /entry/);
  assert.throws(
    () => h.plugin.track(new FakeVideo(), trackOptions(h, { adapter: "flash" })),
    /unknown adapter/
  );
});

test("the ES module exports the same track()", async () => {
  const { PLUGIN } = require("./fakes.js");
  const esm = await import(PLUGIN.replace(/\.js$/, ".mjs"));
  assert.equal(typeof esm.track, "function");
  assert.equal(esm.default, globalThis.videoxapi);
  assert.equal(esm.track, globalThis.videoxapi.track);
});

/**
 * Unsent events survive: kept in localStorage (keyed by session) until the service
 * acknowledges them, resent after a reload or when the browser is back online, never
 * applied twice.
 */
"use strict";

const test = require("node:test");
const assert = require("node:assert/strict");
const { Clock, FakeService, FakeVideo, MemoryStorage, harness, loadPlugin, trackOptions } = require("./fakes.js");

test("offline events stay stored under their session and go when the browser is back online", async () => {
  const h = harness();
  const video = new FakeVideo();
  const tracker = h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  await h.clock.advance(2000);
  h.service.offline = true;
  video.at(1);
  await h.clock.advance(300);
  video.at(2);
  video.pause();
  await h.clock.advance(4000);
  const key = "videoxapi:session:" + tracker.session;
  const stored = JSON.parse(h.storage.getItem(key));
  assert.deepEqual(stored.events.map((e) => [e.seq, e.type]), [
    [2, "timeupdate"],
    [3, "timeupdate"],
    [4, "pause"],
  ]);
  assert.equal(stored.started, true);

  h.service.offline = false;
  h.window.dispatch("online");
  await h.clock.advance(0);
  assert.deepEqual(h.service.applied().map((e) => e.seq), [1, 2, 3, 4]);
  assert.deepEqual(JSON.parse(h.storage.getItem(key)).events, []);
});

test("failed sends back off instead of hammering the service", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  h.service.offline = true;
  video.play();
  const before = h.service.requests.length;
  await h.clock.advance(60000);
  const tries = h.service.requests.length - before;
  // 2 s tick, then 1, 2, 4, 8, 16, 30 s of backoff: about 7 tries in a minute, not 30.
  assert.ok(tries >= 4 && tries <= 9, `${tries} tries in a minute`);
  h.service.offline = false;
  await h.clock.advance(31000);
  assert.deepEqual(h.service.applied().map((e) => e.type), ["play"]);
});

test("a reload while offline: the next page sends the old session's start and events", async () => {
  const storage = new MemoryStorage();
  const clock = new Clock();
  const service = new FakeService();
  service.offline = true;
  const first = harness({ storage, clock, service });
  const video = new FakeVideo();
  const old = first.plugin.track(video, trackOptions(first));
  video.play();
  await clock.advance(300);
  video.at(0.5);
  first.window.dispatch("pagehide", { persisted: false });
  await clock.advance(1000);
  assert.equal(service.applied().length, 0);
  const [record] = storage.records();
  assert.equal(record.session, old.session);
  assert.equal(record.closed, true);
  assert.equal(record.started, false);
  assert.deepEqual(record.events.map((e) => e.type), ["play", "timeupdate", "end"]);

  // The reloaded page: a fresh plugin (module state gone), the same storage.
  service.offline = false;
  const second = harness({ storage, clock, service, plugin: loadPlugin() });
  const fresh = second.plugin.track(new FakeVideo(), trackOptions(second));
  await clock.advance(0);
  assert.notEqual(fresh.session, old.session);
  const oldSession = service.sessions.get(old.session);
  assert.ok(oldSession, "the old session was started");
  assert.deepEqual(oldSession.applied.map((e) => [e.seq, e.type]), [
    [1, "play"],
    [2, "timeupdate"],
    [3, "end"],
  ]);
  assert.deepEqual(storage.records().map((r) => r.session), [fresh.session]);
});

test("resending what the service already has applies nothing twice", async () => {
  const h = harness();
  const video = new FakeVideo();
  const tracker = h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  video.play();
  // The service applies the batch but the answer is lost (network cut after the write).
  const realFetch = h.service.fetch;
  let lose = true;
  h.env.fetch = async (url, init) => {
    const answer = await realFetch(url, init);
    if (lose && url.endsWith("/events")) {
      lose = false;
      throw new TypeError("Failed to fetch");
    }
    return answer;
  };
  // The plugin's outbox took env.fetch at construction: drive it through the tracker's env.
  tracker.env.fetch = h.env.fetch;
  tracker.outbox.env.fetch = h.env.fetch;
  await h.clock.advance(2000);
  video.pause();
  await h.clock.advance(5000);
  const batches = h.service.eventRequests().map((r) => r.json.events.map((e) => e.seq));
  assert.deepEqual(batches, [[1], [1, 2]]);
  assert.deepEqual(h.service.applied().map((e) => [e.seq, e.type]), [
    [1, "play"],
    [2, "pause"],
  ]);
});

test("a live tab's session is left to it; once that tab is gone, another page sends it", async () => {
  const storage = new MemoryStorage();
  const clock = new Clock();
  const service = new FakeService();
  const offline = async () => {
    throw new TypeError("Failed to fetch");
  };
  const tabA = harness({ storage, clock, service });
  tabA.env.fetch = offline; // this tab has lost its network; the others have not
  const videoA = new FakeVideo();
  const a = tabA.plugin.track(videoA, trackOptions(tabA));
  videoA.play();
  await clock.advance(1000);
  const tabB = harness({ storage, clock, service, plugin: loadPlugin() });
  tabB.plugin.track(new FakeVideo(), trackOptions(tabB));
  await clock.advance(60000);
  assert.equal(service.sessions.has(a.session), false, "tab B left tab A's session alone");

  tabA.window.dispatch("pagehide", { persisted: false });
  const tabC = harness({ storage, clock, service, plugin: loadPlugin() });
  tabC.plugin.track(new FakeVideo(), trackOptions(tabC));
  await clock.advance(0);
  assert.deepEqual(service.sessions.get(a.session).applied.map((e) => e.type), ["play", "end"]);
});

test("a token the service refuses: the session is given up, not resent forever", async () => {
  const h = harness();
  const video = new FakeVideo();
  const errors = [];
  h.plugin.track(video, trackOptions(h, { onError: (info) => errors.push(info.status) }));
  await h.clock.advance(0);
  h.service.script.push(401);
  video.play();
  await h.clock.advance(2000);
  video.pause();
  await h.clock.advance(10000);
  assert.deepEqual(errors, [401]);
  assert.equal(h.storage.length, 0);
  assert.equal(h.service.eventRequests().length, 1);
});

test("a server error is retried with the same events, in order", async () => {
  const h = harness();
  const video = new FakeVideo();
  h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  h.service.script.push(503, 503);
  video.play();
  await h.clock.advance(2000);
  video.pause();
  await h.clock.advance(10000);
  const batches = h.service.eventRequests().map((r) => r.json.events.map((e) => e.seq));
  assert.deepEqual(batches.slice(0, 2), [[1], [1, 2]]);
  assert.deepEqual(h.service.applied().map((e) => e.seq), [1, 2]);
});

test("a service that forgot the session gets its start again", async () => {
  const h = harness();
  const video = new FakeVideo();
  const tracker = h.plugin.track(video, trackOptions(h));
  await h.clock.advance(0);
  h.service.sessions.delete(tracker.session);
  video.play();
  await h.clock.advance(2000);
  assert.equal(h.service.startRequests().length, 2);
  assert.deepEqual(h.service.applied().map((e) => e.type), ["play"]);
});

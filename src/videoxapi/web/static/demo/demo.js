/**
 * The demo page: attaches the plugin to the clip and shows, live, the events it sends
 * and the statements they became (polled from /demo/statements with the same token).
 * `window.videoxapiDemo` exposes the tracker, for people poking at it and for tests.
 */
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("demo-config").textContent);
  const video = document.getElementById("demo-video");
  const eventsList = document.getElementById("events");
  const table = document.getElementById("statements");
  const count = document.getElementById("statements-count");
  const lrsNote = document.getElementById("lrs-note");
  const acked = new Set();
  const eventRows = new Map();

  function text(tag, value, className) {
    const el = document.createElement(tag);
    el.textContent = value;
    if (className) el.className = className;
    return el;
  }

  function showEvent(event) {
    if (event.type === "start") return;
    const row = text("li", "");
    const extra = event.type === "seek" ? " " + event.from + " → " + event.to : "";
    row.append(text("span", "#" + event.seq, "seq"), " ", text("strong", event.type), " at " + event.position + " s" + extra);
    row.className = "queued";
    row.title = "queued in this browser";
    eventRows.set(event.seq, row);
    eventsList.prepend(row);
    while (eventsList.children.length > 40) eventsList.lastChild.remove();
  }

  const tracker = videoxapi.track(video, {
    endpoint: config.endpoint,
    token: config.token,
    entry: config.entry,
    registration: config.registration,
    adapter: config.adapter,
    onEvent: showEvent,
    onStart: function (answer) {
      document.getElementById("beacon-mode").textContent = answer.beaconInterval;
    },
    onDisabled: function () {
      lrsNote.hidden = false;
      lrsNote.textContent = "The service answered enabled: false, so the plugin stopped.";
    },
    onAcknowledged: function (info) {
      info.events.forEach(function (event) {
        acked.add(event.seq);
        const row = eventRows.get(event.seq);
        if (row) {
          row.className = "sent";
          row.title = "acknowledged by the service";
        }
      });
    },
  });
  document.getElementById("session-id").textContent = tracker.session;
  window.videoxapiDemo = { tracker: tracker, statements: [] };

  function fmt(value, digits) {
    return value === undefined || value === null ? "" : Number(value).toFixed(digits);
  }

  function render(statements) {
    window.videoxapiDemo.statements = statements;
    count.textContent = String(statements.length);
    table.replaceChildren();
    statements.forEach(function (s) {
      const row = document.createElement("tr");
      row.className = "state-" + s.state;
      const verb = text("td", s.verb);
      const details = document.createElement("details");
      details.append(text("summary", s.verb), text("pre", JSON.stringify(s.statement, null, 2)));
      verb.replaceChildren(details);
      let time = fmt(s.time, 1);
      if (s.timeFrom !== undefined && s.timeFrom !== null) time = fmt(s.timeFrom, 1) + " → " + fmt(s.timeTo, 1);
      const progress = s.progress === undefined || s.progress === null ? "" : Math.round(s.progress * 100) + " %";
      row.append(verb, text("td", time), text("td", progress + (s.completion ? " ✓" : "")), text("td", s.state, "state"));
      if (s.error) row.title = s.error;
      table.append(row);
    });
  }

  let polling = false;
  async function poll() {
    if (polling || document.visibilityState === "hidden") return;
    polling = true;
    try {
      const url = (config.endpoint || "") + "/demo/statements?session=" + encodeURIComponent(tracker.session) +
        "&registration=" + encodeURIComponent(config.registration);
      const response = await fetch(url, { headers: { Authorization: "Bearer " + config.token } });
      if (response.ok) {
        const data = await response.json();
        render(data.statements);
        lrsNote.hidden = !data.lrs;
        if (data.lrs) lrsNote.textContent = data.lrs;
      }
    } catch (err) {
      /* offline: the next poll will tell */
    } finally {
      polling = false;
    }
  }
  if (config.ready) setInterval(poll, 1000);
})();

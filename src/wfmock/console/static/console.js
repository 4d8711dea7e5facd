// wfmock QA console: scenario switcher, live request journal (SSE), runs, a MISO stream as it arrives, reset.
// The admin token (when the mock has one) lives in this tab's sessionStorage: sent as a Bearer header, and as
// ?token= on the journal feed because EventSource cannot send headers.
(function () {
  "use strict";
  const TOKEN_KEY = "wfmock-admin-token";
  const MAX_ROWS = 500;
  const $ = (id) => document.getElementById(id);
  let lastSeq = 0;
  let feed = null;
  let runsTimer = null;
  let scenarios = [];

  const token = () => sessionStorage.getItem(TOKEN_KEY) || "";

  function notice(text) {
    const box = $("notice");
    box.textContent = text || "";
    box.hidden = !text;
  }

  async function admin(path, options = {}) {
    const headers = Object.assign({}, options.headers || {});
    if (token()) headers.Authorization = "Bearer " + token();
    const response = await fetch("/_wfmock" + path, Object.assign({}, options, { headers }));
    if (response.status === 401) {
      notice("This mock has an admin token: enter it above and press Use.");
      throw new Error("unauthorized");
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body.message || response.statusText);
    return body;
  }

  function cell(row, text, className) {
    const td = row.insertCell();
    td.textContent = text === null || text === undefined ? "" : String(text);
    if (className) td.className = className;
    return td;
  }

  // -- scenario ---------------------------------------------------------------------------------------------
  async function loadScenarios() {
    const body = await admin("/scenarios");
    scenarios = body.bundled || [];
    const select = $("scenario-select");
    while (select.options.length > 1) select.remove(1);
    for (const item of scenarios) {
      const option = new Option(item.name + " — " + item.description, item.name);
      option.title = item.description;
      select.add(option);
    }
    showActive(body.active);
  }

  function showActive(active) {
    $("scenario-active").textContent = active ? active.name || "(inline scenario)" : "none";
    $("scenario-description").textContent = active && active.description ? "— " + active.description : "";
    $("scenario-select").value = active && active.name ? active.name : "";
    describeSelection();
  }

  function describeSelection() {
    const chosen = scenarios.find((item) => item.name === $("scenario-select").value);
    $("scenario-help").textContent = chosen ? chosen.description : "Requests behave as documented.";
  }

  async function applyScenario() {
    const name = $("scenario-select").value;
    const body = name
      ? await admin("/scenario", { method: "PUT", headers: { "Content-Type": "application/json" },
                                   body: JSON.stringify({ name }) })
      : await admin("/scenario", { method: "DELETE" });
    showActive(body.active);
  }

  // -- journal ----------------------------------------------------------------------------------------------
  function addEntry(entry) {
    lastSeq = Math.max(lastSeq, entry.seq);
    const body = $("journal").tBodies[0];
    const row = body.insertRow(0);
    row.dataset.seq = entry.seq;
    row.dataset.api = entry.api || "";
    row.dataset.status = String(entry.status);
    row.dataset.scenario = entry.scenario || "";
    row.dataset.text = [entry.operation_id, entry.path, entry.scenario, entry.rule].join(" ").toLowerCase();
    cell(row, entry.seq);
    cell(row, new Date(entry.at * 1000).toLocaleTimeString());
    cell(row, entry.api);
    cell(row, entry.method + " " + entry.path, "path").title = entry.path;
    cell(row, entry.operation_id || "—");
    cell(row, entry.status, "status-" + String(entry.status)[0]);
    cell(row, entry.duration_ms !== undefined ? entry.duration_ms.toFixed(1) : "");
    cell(row, entry.scenario || "—", "scenario");
    cell(row, [entry.rule, entry.fault].filter((x) => x !== null && x !== undefined).join(" / "));
    applyFilter(row);
    while (body.rows.length > MAX_ROWS) body.deleteRow(body.rows.length - 1);
    $("journal-count").textContent = "(" + body.rows.length + ")";
  }

  function applyFilter(row) {
    const api = $("filter-api").value;
    const status = $("filter-status").value;
    const text = $("filter-text").value.trim().toLowerCase();
    row.hidden = (api && row.dataset.api !== api) || (status && row.dataset.status[0] !== status)
      || (text && !row.dataset.text.includes(text));
  }

  function filterAll() {
    for (const row of $("journal").tBodies[0].rows) applyFilter(row);
  }

  function clearJournal() {
    $("journal").tBodies[0].replaceChildren();
    $("journal-count").textContent = "";
  }

  function connect() {
    if (feed) feed.close();
    const query = new URLSearchParams({ after: String(lastSeq) });
    if (token()) query.set("token", token());
    feed = new EventSource("/_wfmock/events?" + query);
    feed.onopen = () => { $("connection").textContent = "live"; $("connection").className = "pill on"; };
    feed.onerror = () => { $("connection").textContent = "reconnecting"; $("connection").className = "pill off"; };
    feed.addEventListener("request", (event) => {
      const entry = JSON.parse(event.data);
      if (entry.seq > lastSeq) addEntry(entry);
      scheduleRuns();
    });
    feed.addEventListener("cleared", () => { clearJournal(); scheduleRuns(); });
  }

  // -- runs -------------------------------------------------------------------------------------------------
  function scheduleRuns(delay = 250) {
    clearTimeout(runsTimer);
    runsTimer = setTimeout(loadRuns, delay);
  }

  async function loadRuns() {
    const runs = await admin("/runs");
    const imprun = $("imprun-runs").tBodies[0];
    imprun.replaceChildren();
    for (const run of runs.imprun || []) {
      const row = imprun.insertRow();
      row.dataset.id = run.id;
      const link = document.createElement("a");
      link.href = run.progressUrl;
      link.target = "_blank";
      link.textContent = run.id;
      row.insertCell().append(link);
      cell(row, run.type);
      cell(row, run.status, run.status);
      cell(row, run.createdAt);
    }
    const miso = $("miso-runs").tBodies[0];
    miso.replaceChildren();
    for (const run of runs.miso || []) {
      const row = miso.insertRow();
      row.dataset.id = run.id;
      cell(row, run.id.slice(0, 8) + "…").title = run.id;
      cell(row, run.app);
      cell(row, run.status, run.status);
      cell(row, run.total_tokens);
      cell(row, run.elapsed_time);
    }
    const busy = (runs.imprun || []).some((r) => r.status === "RUNNING")
      || (runs.miso || []).some((r) => r.status === "running");
    if (busy) scheduleRuns(1000);
  }

  // -- MISO stream ------------------------------------------------------------------------------------------
  async function runStream() {
    const events = $("stream-events");
    const answer = $("stream-answer");
    events.replaceChildren();
    answer.textContent = "";
    $("stream-status").textContent = "starting…";
    const response = await fetch("/ext/v1/workflows/run", {
      method: "POST",
      headers: { "Content-Type": "application/json", Authorization: "Bearer " + $("stream-key").value },
      body: JSON.stringify({ inputs: { query: $("stream-query").value }, response_mode: "streaming",
                             user: "qa-console" }),
    });
    if (!response.ok || !response.body) {
      const body = await response.text();
      $("stream-status").textContent = response.status + " " + body;
      return;
    }
    const reader = response.body.getReader();
    const decoder = new TextDecoder();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buffer += decoder.decode(value, { stream: true });
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        showFrame(buffer.slice(0, end), events, answer);
        buffer = buffer.slice(end + 2);
      }
    }
    if (buffer.trim()) showFrame(buffer, events, answer);
  }

  function showFrame(frame, events, answer) {
    const lines = frame.split("\n");
    const name = (lines.find((l) => l.startsWith("event:")) || "event: message").slice(6).trim();
    const data = lines.filter((l) => l.startsWith("data:")).map((l) => l.slice(5).trim()).join("\n");
    const item = document.createElement("li");
    if (!data) {
      item.textContent = name;
      item.className = "muted";
    } else {
      const event = JSON.parse(data);
      const detail = event.data || {};
      item.textContent = event.event + (detail.title ? " · " + detail.title : "")
        + (detail.status ? " · " + detail.status : "");
      item.dataset.event = event.event;
      if (event.event === "text_chunk") answer.textContent += detail.text || "";
      if (event.event === "workflow_finished") {
        $("stream-status").textContent = detail.status + " in " + detail.elapsed_time + " s, "
          + detail.total_tokens + " tokens";
        if (!answer.textContent && detail.outputs) answer.textContent = JSON.stringify(detail.outputs, null, 2);
      } else {
        $("stream-status").textContent = "streaming…";
      }
      if (event.event === "error") $("stream-status").textContent = "error: " + event.message;
    }
    events.append(item);
    events.scrollTop = events.scrollHeight;
  }

  // -- wiring -----------------------------------------------------------------------------------------------
  async function start() {
    notice("");
    try {
      await loadScenarios();
      await loadRuns();
      connect();
    } catch (error) {
      if (error.message !== "unauthorized") notice("Could not reach the admin API: " + error.message);
    }
  }

  $("token").value = token();
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $("token").value.trim());
    start();
  });
  $("reset").addEventListener("click", async () => {
    await admin("/reset", { method: "POST" });
    clearJournal();
    $("stream-events").replaceChildren();
    $("stream-answer").textContent = "";
    loadRuns();
  });
  $("scenario-select").addEventListener("change", describeSelection);
  $("scenario-apply").addEventListener("click", () => applyScenario().catch((e) => notice(e.message)));
  for (const id of ["filter-api", "filter-status", "filter-text"]) $(id).addEventListener("input", filterAll);
  $("stream-run").addEventListener("click", () => runStream().catch((e) => {
    $("stream-status").textContent = "failed: " + e.message;
  }));
  start();
})();

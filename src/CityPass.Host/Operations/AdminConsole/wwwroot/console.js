"use strict";
// The operations console: signs in with /account/login (an administrator) and reads the operations API with the
// bearer token. No framework, no outside requests; every action is an API call a script could make too.
(() => {
  const $ = (id) => document.getElementById(id);
  const tokenKey = "citypass.admin.token";

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
    return e;
  };
  const say = (text, error = false) => { $("message").textContent = text || ""; $("message").className = error ? "error" : ""; };
  const when = (instant) => instant ? new Date(instant).toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: "medium" }) : "—";
  const rows = (section, list) => $(section).querySelector("tbody").replaceChildren(...list);

  class NotAdministrator extends Error {}

  async function api(method, path) {
    const token = sessionStorage.getItem(tokenKey);
    const response = await fetch(path, { method, headers: token ? { Authorization: "Bearer " + token } : {} });
    if (response.status === 401) { signOut("Sign in with an administrator account."); throw new NotAdministrator("signed out"); }
    if (response.status === 403) throw new NotAdministrator("forbidden");
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || ("HTTP " + response.status));
    return data;
  }

  function signOut(message, error = false) {
    sessionStorage.removeItem(tokenKey);
    $("console").hidden = true;
    $("sign-out").hidden = true;
    $("refresh").hidden = true;
    $("sign-in-form").hidden = false;
    say(message, error);
  }

  async function signIn(event) {
    event.preventDefault();
    say("");
    const response = await fetch("/account/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value }),
    });
    if (!response.ok) { say("Wrong e-mail or password.", true); return; }
    sessionStorage.setItem(tokenKey, (await response.json()).accessToken);
    await show();
  }

  async function showDependencies() {
    // Anonymous, and 503 with the same JSON body when a dependency is down.
    const response = await fetch("/health/ready");
    const report = await response.json().catch(() => ({ status: "Unhealthy", checks: {} }));
    $("ready").textContent = report.status;
    $("ready").className = "badge status-" + report.status;
    rows("dependencies", Object.entries(report.checks || {}).map(([name, check]) =>
      el("tr", { "data-check": name }, el("td", {}, name), el("td", { class: "status status-" + check.status }, check.status),
        el("td", { class: "reason" }, check.description || ""))));
  }

  // A terminal whose messages CityPass refused (forged, replayed, stale: the incidents) in the last hour is in trouble,
  // whatever its heartbeats say: its taps are not getting through.
  const troubleWindowMs = 3600 * 1000;
  function terminalState(row, refused) {
    if (refused.length > 0) return "trouble";
    if (row.problems.includes("never-seen")) return "never-seen";
    return row.problems.includes("silent") ? "silent" : "online";
  }

  async function showTerminals() {
    const [report, incidents] = await Promise.all([api("GET", "/terminals/health?all=true"), api("GET", "/terminals/incidents?limit=1000")]);
    const since = new Date(report.at).getTime() - troubleWindowMs;
    const refusedBy = new Map();
    for (const i of incidents.filter((i) => i.terminalId && new Date(i.at).getTime() >= since))
      refusedBy.set(i.terminalId, [...(refusedBy.get(i.terminalId) || []), i]);
    const hideNeverSeen = $("hide-never-seen").checked;
    const all = [...report.needAttention, ...(report.healthy || [])].sort((a, b) => a.terminalId.localeCompare(b.terminalId));
    const online = all.filter((t) => terminalState(t, refusedBy.get(t.terminalId) || []) === "online").length;
    const trouble = all.filter((t) => refusedBy.has(t.terminalId)).length;
    $("terminal-summary").textContent = `${report.enrolled} enrolled, ${online} online, ${trouble} in trouble, deny list v${report.denyListVersion}`;
    const shown = all.filter((t) => !(hideNeverSeen && t.problems.includes("never-seen") && !refusedBy.has(t.terminalId)));
    rows("terminals", shown.map((t) => {
      const refused = refusedBy.get(t.terminalId) || [];
      const state = terminalState(t, refused);
      const last = refused[0]; // newest first
      const incidentsCell = el("td", { class: "incidents reason" + (refused.length ? " bad" : "") },
        refused.length ? `${refused.length} refused — ${last.kind}: ${last.detail} (${when(last.at)})` : "—");
      const behind = t.denyListVersion == null ? "—"
        : t.denyListVersion < report.denyListVersion ? `v${t.denyListVersion} (${report.denyListVersion - t.denyListVersion} behind)` : `v${t.denyListVersion}`;
      return el("tr", { "data-terminal-id": t.terminalId },
        el("td", {}, t.terminalId), el("td", {}, t.venueId), el("td", { class: "state state-" + state }, state),
        el("td", {}, when(t.lastSeen)), el("td", { class: "deny-list" + (t.problems.includes("deny-list-behind") ? " warn" : "") }, behind),
        el("td", {}, t.softwareVersion || "—"), el("td", { class: "problems" }, t.problems.filter((p) => p !== state).join(", ")), incidentsCell);
    }));
  }

  async function showFailed() {
    const failed = await api("GET", "/admin/failed-messages");
    $("failed-count").textContent = String(failed.length);
    $("failed-count").className = "badge " + (failed.length ? "bad" : "ok");
    $("failed-empty").hidden = failed.length > 0;
    rows("failed", failed.map((m) => {
      const replay = el("button", { class: "replay", type: "button" }, "Replay");
      replay.addEventListener("click", async () => {
        replay.disabled = true;
        try {
          await api("POST", "/admin/failed-messages/" + encodeURIComponent(m.id) + "/replay");
          say(`Replayed ${m.id} to ${m.queue}.`);
          await Promise.all([showFailed(), showTerminals()]);
        } catch (e) { say(e.message, true); replay.disabled = false; }
      });
      const content = el("pre", { class: "content", hidden: true });
      const inspect = el("button", { class: "inspect", type: "button" }, "Content");
      inspect.addEventListener("click", async () => {
        try {
          content.textContent = JSON.stringify(await api("GET", "/admin/failed-messages/" + encodeURIComponent(m.id)), null, 2);
          content.hidden = !content.hidden;
        } catch (e) { say(e.message, true); }
      });
      const discard = el("button", { class: "discard", type: "button" }, "Discard…");
      discard.addEventListener("click", async () => {
        if (!confirm(`Discard ${m.id} for good? It is kept in the audit (GET /admin/failed-messages/discarded), not processed.`)) return;
        discard.disabled = true;
        try {
          await api("POST", "/admin/failed-messages/" + encodeURIComponent(m.id) + "/discard");
          say(`Discarded ${m.id}.`);
          await showFailed();
        } catch (e) { say(e.message, true); discard.disabled = false; }
      });
      return el("tr", { "data-message-id": m.id }, el("td", { class: "reason" }, m.id), el("td", {}, m.failedQueue),
        el("td", { class: "reason" }, (m.exceptionType ? m.exceptionType + ": " : "") + (m.reason || ""), content), el("td", {}, when(m.failedAt)),
        el("td", {}, inspect, " ", replay, " ", discard));
    }));
  }

  async function showDeclines() {
    const declines = await api("GET", "/admin/declines?hours=" + $("decline-hours").value);
    $("declines-empty").hidden = declines.reasons.length > 0;
    rows("declines", declines.reasons.map((r) => el("tr", { "data-reason": r.reason },
      el("td", {}, r.reason), el("td", { class: "count" }, r.count), el("td", {}, r.online), el("td", {}, r.offline), el("td", {}, when(r.lastAt)))));
  }

  async function show() {
    $("sign-in-form").hidden = true;
    $("sign-out").hidden = false;
    try {
      await api("GET", "/terminals/health"); // the administrator check, before anything is shown
      $("console").hidden = false;
      $("refresh").hidden = false;
      await Promise.all([showDependencies(), showTerminals(), showFailed(), showDeclines()]);
    } catch (e) {
      if (e instanceof NotAdministrator) {
        if (e.message === "forbidden") signOut("This account is not an administrator: the console needs an administrator's sign-in.", true);
        return;
      }
      say(e.message, true);
    }
  }

  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut("Signed out."));
  $("refresh").addEventListener("click", () => { say(""); show(); });
  $("decline-hours").addEventListener("change", () => showDeclines().catch((e) => say(e.message, true)));
  $("hide-never-seen").addEventListener("change", () => showTerminals().catch((e) => say(e.message, true)));
  // Refreshes by itself while shown (and not while a message's content is open).
  setInterval(() => {
    if (!$("console").hidden && !document.hidden && !document.querySelector("pre.content:not([hidden])")) show();
  }, 30_000);
  if (sessionStorage.getItem(tokenKey)) show(); else signOut("");
})();

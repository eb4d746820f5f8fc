"use strict";
// The operations console: signs in with /account/login (an administrator) and reads the operations API with the
// bearer token. No framework, no outside requests; every action is an API call a script could make too. Texts and
// formats come from the shared /i18n/i18n.js (French first, English as a choice); codes the API returns (terminal
// states, problems, decline reasons, incident kinds) stay in data-* attributes and are shown translated.
(() => {
  const $ = (id) => document.getElementById(id);
  const tokenKey = "citypass.admin.token";
  const { t } = CityPassI18n;

  CityPassI18n.register({
    fr: {
      title: "Exploitation CityPass", refresh: "Actualiser", signOut: "Se déconnecter",
      "signIn.title": "Connexion administrateur", "signIn.email": "E-mail", "signIn.password": "Mot de passe", "signIn.submit": "Se connecter",
      "msg.wrongPassword": "E-mail ou mot de passe incorrect.", "msg.signIn": "Connectez-vous avec un compte administrateur.",
      "msg.notAdministrator": "Ce compte n'est pas administrateur : la console demande la connexion d'un administrateur.",
      "msg.signedOut": "Déconnecté.", "msg.replayed": "{id} renvoyé vers {queue}.", "msg.discarded": "{id} écarté.",
      "msg.discardQuestion": "Écarter {id} définitivement ? Il reste dans l'audit (GET /admin/failed-messages/discarded) mais ne sera pas traité.",
      "deps.title": "Dépendances", "deps.check": "contrôle", "deps.status": "état", "deps.detail": "détail",
      "health.Healthy": "Opérationnel", "health.Degraded": "Dégradé", "health.Unhealthy": "Hors service",
      "terminals.title": "Terminaux", "terminals.hideNeverSeen": "Masquer les terminaux jamais vus", "terminals.refreshes": "actualisé toutes les 30 s",
      "terminals.terminal": "terminal", "terminals.venue": "lieu", "terminals.state": "état", "terminals.lastSeen": "vu pour la dernière fois",
      "terminals.denyList": "liste de refus", "terminals.software": "logiciel", "terminals.problems": "problèmes", "terminals.refused": "refusés (dernière heure)",
      "terminals.summary": "{enrolled} enrôlés, {online} en ligne, {trouble} en difficulté, liste de refus v{version}",
      "terminals.behind": "v{version} ({n} de retard)", "terminals.refusedCell": "{n} refusé(s) — {kind} : {detail} ({at})",
      "state.online": "en ligne", "state.silent": "muet", "state.never-seen": "jamais vu", "state.trouble": "en difficulté",
      "problem.silent": "muet", "problem.never-seen": "jamais vu", "problem.deny-list-behind": "liste de refus en retard",
      "problem.software-out-of-date": "logiciel à mettre à jour", "problem.offline-taps-pending": "passages hors ligne en attente",
      "failed.title": "Files d'erreurs", "failed.empty": "Aucun message en échec.", "failed.message": "message", "failed.queue": "file",
      "failed.reason": "motif", "failed.at": "en échec le", "failed.actions": "actions", "failed.content": "Contenu", "failed.replay": "Renvoyer",
      "failed.discard": "Écarter…",
      "declines.title": "Refus", "declines.period": "Période", "declines.hour": "dernière heure", "declines.day": "dernières 24 heures",
      "declines.week": "7 derniers jours", "declines.empty": "Aucun passage refusé.", "declines.reason": "motif", "declines.taps": "passages",
      "declines.online": "en ligne", "declines.offline": "hors ligne", "declines.last": "dernier",
      "reason.InvalidRequest": "Requête invalide", "reason.UnknownCard": "Carte inconnue", "reason.CardBlocked": "Carte bloquée",
      "reason.InsufficientFunds": "Solde insuffisant", "reason.SequenceReused": "Numéro de séquence réutilisé", "reason.UnknownVenue": "Lieu inconnu",
      "reason.VenueClosed": "Lieu fermé", "reason.NoValidRight": "Aucun droit valable", "reason.OutsideValidity": "Hors période de validité",
      "reason.EventNotStarted": "Événement pas encore ouvert", "reason.EventOver": "Événement terminé", "reason.AlreadyUsed": "Déjà utilisé",
      "reason.NoEntriesLeft": "Carnet épuisé", "reason.NotAuthenticated": "Terminal non authentifié", "reason.StaleRequest": "Requête périmée",
      "reason.CardNotAuthentic": "Carte non authentique", "reason.CardReplayed": "Carte rejouée",
    },
    en: {
      title: "CityPass operations", refresh: "Refresh", signOut: "Sign out",
      "signIn.title": "Administrator sign-in", "signIn.email": "E-mail", "signIn.password": "Password", "signIn.submit": "Sign in",
      "msg.wrongPassword": "Wrong e-mail or password.", "msg.signIn": "Sign in with an administrator account.",
      "msg.notAdministrator": "This account is not an administrator: the console needs an administrator's sign-in.",
      "msg.signedOut": "Signed out.", "msg.replayed": "Replayed {id} to {queue}.", "msg.discarded": "Discarded {id}.",
      "msg.discardQuestion": "Discard {id} for good? It is kept in the audit (GET /admin/failed-messages/discarded), not processed.",
      "deps.title": "Dependencies", "deps.check": "check", "deps.status": "status", "deps.detail": "detail",
      "health.Healthy": "Healthy", "health.Degraded": "Degraded", "health.Unhealthy": "Unhealthy",
      "terminals.title": "Terminals", "terminals.hideNeverSeen": "Hide terminals never seen", "terminals.refreshes": "refreshes every 30 s",
      "terminals.terminal": "terminal", "terminals.venue": "venue", "terminals.state": "state", "terminals.lastSeen": "last seen",
      "terminals.denyList": "deny list", "terminals.software": "software", "terminals.problems": "problems", "terminals.refused": "refused (last hour)",
      "terminals.summary": "{enrolled} enrolled, {online} online, {trouble} in trouble, deny list v{version}",
      "terminals.behind": "v{version} ({n} behind)", "terminals.refusedCell": "{n} refused — {kind}: {detail} ({at})",
      "state.online": "online", "state.silent": "silent", "state.never-seen": "never seen", "state.trouble": "in trouble",
      "problem.silent": "silent", "problem.never-seen": "never seen", "problem.deny-list-behind": "deny list behind",
      "problem.software-out-of-date": "software out of date", "problem.offline-taps-pending": "offline taps pending",
      "failed.title": "Error queues", "failed.empty": "No failed message.", "failed.message": "message", "failed.queue": "queue",
      "failed.reason": "reason", "failed.at": "failed at", "failed.actions": "actions", "failed.content": "Content", "failed.replay": "Replay",
      "failed.discard": "Discard…",
      "declines.title": "Declines", "declines.period": "Period", "declines.hour": "last hour", "declines.day": "last 24 hours",
      "declines.week": "last 7 days", "declines.empty": "No declined tap.", "declines.reason": "reason", "declines.taps": "taps",
      "declines.online": "online", "declines.offline": "offline", "declines.last": "last",
      "reason.InvalidRequest": "Invalid request", "reason.UnknownCard": "Unknown card", "reason.CardBlocked": "Card blocked",
      "reason.InsufficientFunds": "Insufficient funds", "reason.SequenceReused": "Sequence number reused", "reason.UnknownVenue": "Unknown venue",
      "reason.VenueClosed": "Venue closed", "reason.NoValidRight": "No valid right", "reason.OutsideValidity": "Outside validity",
      "reason.EventNotStarted": "Event not started", "reason.EventOver": "Event over", "reason.AlreadyUsed": "Already used",
      "reason.NoEntriesLeft": "No entries left", "reason.NotAuthenticated": "Terminal not authenticated", "reason.StaleRequest": "Stale request",
      "reason.CardNotAuthentic": "Card not authentic", "reason.CardReplayed": "Card replayed",
    },
  });
  // A code the dictionary does not know (a new reason, a new problem) is shown as the code itself.
  const known = (prefix, code) => { const text = t(prefix + code); return text === prefix + code ? code : text; };

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
    return e;
  };
  // The last message, kept as its key so that it is said again in the other language when the language changes.
  let said = null;
  const say = (key, values = {}, error = false) => {
    said = key ? { key, values, error } : null;
    $("message").textContent = key ? t(key, values) : "";
    $("message").className = error ? "error" : "";
  };
  const sayError = (e) => { said = null; $("message").textContent = e.message; $("message").className = "error"; };
  const when = (instant) => instant ? new Date(instant).toLocaleString(CityPassI18n.locale(), { timeZone: CityPassI18n.zone, dateStyle: "short", timeStyle: "medium" }) : "—";
  const rows = (section, list) => $(section).querySelector("tbody").replaceChildren(...list);

  class NotAdministrator extends Error {}

  async function api(method, path) {
    const token = sessionStorage.getItem(tokenKey);
    const response = await fetch(path, { method, headers: token ? { Authorization: "Bearer " + token } : {} });
    if (response.status === 401) { signOut("msg.signIn"); throw new NotAdministrator("signed out"); }
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
    say(message, {}, error);
  }

  async function signIn(event) {
    event.preventDefault();
    say(null);
    const response = await fetch("/account/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value }),
    });
    if (!response.ok) { say("msg.wrongPassword", {}, true); return; }
    sessionStorage.setItem(tokenKey, (await response.json()).accessToken);
    await show();
  }

  async function showDependencies() {
    // Anonymous, and 503 with the same JSON body when a dependency is down.
    const response = await fetch("/health/ready");
    const report = await response.json().catch(() => ({ status: "Unhealthy", checks: {} }));
    $("ready").textContent = known("health.", report.status);
    $("ready").className = "badge status-" + report.status;
    $("ready").dataset.status = report.status;
    rows("dependencies", Object.entries(report.checks || {}).map(([name, check]) =>
      el("tr", { "data-check": name }, el("td", {}, name), el("td", { class: "status status-" + check.status, "data-status": check.status }, known("health.", check.status)),
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
    const online = all.filter((row) => terminalState(row, refusedBy.get(row.terminalId) || []) === "online").length;
    const trouble = all.filter((row) => refusedBy.has(row.terminalId)).length;
    $("terminal-summary").textContent = t("terminals.summary", { enrolled: report.enrolled, online, trouble, version: report.denyListVersion });
    const shown = all.filter((row) => !(hideNeverSeen && row.problems.includes("never-seen") && !refusedBy.has(row.terminalId)));
    rows("terminals", shown.map((row) => {
      const refused = refusedBy.get(row.terminalId) || [];
      const state = terminalState(row, refused);
      const last = refused[0]; // newest first
      const incidentsCell = el("td", { class: "incidents reason" + (refused.length ? " bad" : "") },
        refused.length ? t("terminals.refusedCell", { n: refused.length, kind: last.kind, detail: last.detail, at: when(last.at) }) : "—");
      const behind = row.denyListVersion == null ? "—"
        : row.denyListVersion < report.denyListVersion ? t("terminals.behind", { version: row.denyListVersion, n: report.denyListVersion - row.denyListVersion }) : `v${row.denyListVersion}`;
      return el("tr", { "data-terminal-id": row.terminalId },
        el("td", {}, row.terminalId), el("td", {}, row.venueId), el("td", { class: "state state-" + state, "data-state": state }, known("state.", state)),
        el("td", {}, when(row.lastSeen)), el("td", { class: "deny-list" + (row.problems.includes("deny-list-behind") ? " warn" : "") }, behind),
        el("td", {}, row.softwareVersion || "—"), el("td", { class: "problems", "data-problems": row.problems.join(" ") }, row.problems.filter((p) => p !== state).map((p) => known("problem.", p)).join(", ")), incidentsCell);
    }));
  }

  async function showFailed() {
    const failed = await api("GET", "/admin/failed-messages");
    $("failed-count").textContent = String(failed.length);
    $("failed-count").className = "badge " + (failed.length ? "bad" : "ok");
    $("failed-empty").hidden = failed.length > 0;
    rows("failed", failed.map((m) => {
      const replay = el("button", { class: "replay", type: "button" }, t("failed.replay"));
      replay.addEventListener("click", async () => {
        replay.disabled = true;
        try {
          await api("POST", "/admin/failed-messages/" + encodeURIComponent(m.id) + "/replay");
          say("msg.replayed", { id: m.id, queue: m.queue });
          await Promise.all([showFailed(), showTerminals()]);
        } catch (e) { sayError(e); replay.disabled = false; }
      });
      const content = el("pre", { class: "content", hidden: true });
      const inspect = el("button", { class: "inspect", type: "button" }, t("failed.content"));
      inspect.addEventListener("click", async () => {
        try {
          content.textContent = JSON.stringify(await api("GET", "/admin/failed-messages/" + encodeURIComponent(m.id)), null, 2);
          content.hidden = !content.hidden;
        } catch (e) { sayError(e); }
      });
      const discard = el("button", { class: "discard", type: "button" }, t("failed.discard"));
      discard.addEventListener("click", async () => {
        if (!confirm(t("msg.discardQuestion", { id: m.id }))) return;
        discard.disabled = true;
        try {
          await api("POST", "/admin/failed-messages/" + encodeURIComponent(m.id) + "/discard");
          say("msg.discarded", { id: m.id });
          await showFailed();
        } catch (e) { sayError(e); discard.disabled = false; }
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
      el("td", {}, known("reason.", r.reason)), el("td", { class: "count" }, r.count), el("td", {}, r.online), el("td", {}, r.offline), el("td", {}, when(r.lastAt)))));
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
        if (e.message === "forbidden") signOut("msg.notAdministrator", true);
        return;
      }
      sayError(e);
    }
  }

  $("sign-in-form").addEventListener("submit", signIn);
  $("sign-out").addEventListener("click", () => signOut("msg.signedOut"));
  $("refresh").addEventListener("click", () => { say(null); show(); });
  $("decline-hours").addEventListener("change", () => showDeclines().catch(sayError));
  $("hide-never-seen").addEventListener("change", () => showTerminals().catch(sayError));
  // Refreshes by itself while shown (and not while a message's content is open).
  setInterval(() => {
    if (!$("console").hidden && !document.hidden && !document.querySelector("pre.content:not([hidden])")) show();
  }, 30_000);
  CityPassI18n.switcher();
  CityPassI18n.apply();
  // Another language: the static texts change at once, the last message and the tables are said again.
  CityPassI18n.onChange(() => {
    if (said) say(said.key, said.values, said.error);
    if (!$("console").hidden) show();
  });
  if (sessionStorage.getItem(tokenKey)) show(); else signOut(null);
})();

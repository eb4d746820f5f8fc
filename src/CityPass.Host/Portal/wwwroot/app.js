"use strict";
// The cardholder portal: signs in with /account/login and shows /me/cards. No framework, no outside requests.
(() => {
  const $ = (id) => document.getElementById(id);
  const tokenKey = "citypass.token";
  let venues = {};

  const euros = (cents) => (cents < 0 ? "-" : "") + (Math.abs(cents) / 100).toFixed(2) + " €";
  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === "class") e.className = v; else if (k.startsWith("data-")) e.setAttribute(k, v); else e[k] = v;
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c ?? "")));
    return e;
  };
  const say = (text) => { $("message").textContent = text || ""; };
  const newKey = () => (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(16).slice(2);

  async function api(method, path, body, headers = {}) {
    const token = sessionStorage.getItem(tokenKey);
    const response = await fetch(path, {
      method,
      headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(token ? { Authorization: "Bearer " + token } : {}), ...headers },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401) { signOut("Your session has ended: sign in again."); throw new Error("signed out"); }
    const data = response.status === 204 ? null : await response.json().catch(() => null);
    if (!response.ok) throw new Error((data && (data.detail || data.title)) || ("HTTP " + response.status));
    return data;
  }

  function signOut(message) {
    sessionStorage.removeItem(tokenKey);
    $("cards").hidden = true;
    $("sign-out").hidden = true;
    $("sign-in-form").hidden = false;
    say(message);
  }

  async function signIn(event) {
    event.preventDefault();
    say("");
    const response = await fetch("/account/login", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ email: $("email").value, password: $("password").value }),
    });
    if (!response.ok) { say("Wrong e-mail or password."); return; }
    sessionStorage.setItem(tokenKey, (await response.json()).accessToken);
    await show();
  }

  function describeRight(r) {
    const until = "valid " + r.validFrom + " to " + r.validTo;
    if (r.kind === "Carnet") return r.name + ": " + r.entriesLeft + " entries left, " + until;
    if (r.kind === "EventTicket") return r.name + (r.used ? " (used)" : "") + ", " + r.validFrom;
    return r.name + ", " + until;
  }

  // How a fare was priced, from the statement line's breakdown: base, concession and rounding, what the daily cap took off.
  function describePrice(p) {
    const parts = ["fare " + euros(p.base) + " (" + p.tariffId + ")"];
    if (p.reductionPercent > 0) parts.push(p.reductionPercent + " % off (" + p.profileId + "), " + p.rounding + ": " + euros(p.reduced));
    if (p.capMemoryLapsed) parts.push("not charged: uploaded too late for the daily cap");
    else if (p.capTookOff > 0) parts.push("daily cap " + euros(p.dailyCap) + " took off " + euros(p.capTookOff));
    return parts.join("; ");
  }

  function historyRow(line) {
    const when = new Date(line.at).toLocaleString("fr-FR", { timeZone: "Europe/Paris", dateStyle: "short", timeStyle: line.pseudonymised ? undefined : "short" });
    const what = line.kind === "charged" || line.kind === "entry"
      ? (venues[line.venueId] || line.venueId) + (line.kind === "entry" ? " (" + (line.detail || "entry") + ")" : "")
      : line.kind + (line.detail ? ": " + line.detail : "");
    const fare = line.amountCents == null ? "" : euros(line.amountCents);
    const price = line.kind === "charged" && line.price ? describePrice(line.price) : "";
    return el("tr", { class: "line line-" + line.kind }, el("td", {}, when), el("td", { class: "venue" }, what),
      el("td", { class: "price" }, price), el("td", { class: "fare" }, fare));
  }

  async function renderCard(card) {
    const section = el("article", { class: "card", "data-card-id": card.id });
    section.append(
      el("h2", {}, "Card " + card.uid),
      el("div", { class: "status status-" + card.status }, card.status === "Blocked" ? "Blocked (" + card.blockReason + ")" : "Active"),
      el("div", { class: "balance" }, euros(card.balanceCents)));
    if (card.debtCents > 0) section.append(el("p", { class: "debt" }, "Debt: " + euros(card.debtCents)));
    if (card.reservedCents > 0) section.append(el("p", { class: "reserved" }, "Reload in progress: " + euros(card.reservedCents)));
    const rights = card.rights.filter((r) => !r.used);
    section.append(el("h3", {}, "Passes and tickets"),
      rights.length ? el("ul", { class: "rights" }, ...rights.map((r) => el("li", {}, describeRight(r)))) : el("p", { class: "rights" }, "None."));

    const history = await api("GET", "/me/cards/" + card.id + "/history?limit=20");
    section.append(el("h3", {}, "Recent activity"),
      el("table", { class: "history" }, el("tbody", {}, ...history.lines.map(historyRow))));

    const actions = el("div", { class: "actions" });
    if (card.status === "Active") {
      const amount = el("select", { class: "reload-amount", "aria-label": "Reload amount" },
        ...[1000, 2000, 5000].map((c) => el("option", { value: String(c) }, euros(c))));
      const reload = el("button", { class: "reload", type: "button" }, "Reload");
      reload.addEventListener("click", async () => {
        reload.disabled = true;
        try {
          const started = await api("POST", "/me/cards/" + card.id + "/reloads", { amountCents: Number(amount.value) }, { "Idempotency-Key": newKey() });
          if (started.checkoutUrl) window.location.assign(started.checkoutUrl);
          else say("Reload started: confirm the payment in the CityPass app.");
        } catch (e) { say(e.message); reload.disabled = false; }
      });
      const lost = el("button", { class: "report-lost danger", type: "button" }, "Report lost or stolen");
      const confirmLost = el("button", { class: "confirm-lost danger", type: "button", hidden: true }, "Yes, block this card now");
      lost.addEventListener("click", () => { confirmLost.hidden = false; say("Blocking is immediate. Its value stays safe and moves to your replacement card."); });
      confirmLost.addEventListener("click", async () => {
        confirmLost.disabled = true;
        try { await api("POST", "/me/cards/" + card.id + "/lost", { reason: "lost" }); say("Card blocked. Its value is kept for your replacement card."); await show(); }
        catch (e) { say(e.message); confirmLost.disabled = false; }
      });
      actions.append(amount, reload, lost, confirmLost);
    }
    section.append(actions);
    return section;
  }

  async function show() {
    $("sign-in-form").hidden = true;
    $("sign-out").hidden = false;
    try {
      const known = await api("GET", "/venues").catch(() => null);
      if (Array.isArray(known)) venues = Object.fromEntries(known.map((v) => [v.id, v.name]));
      const cards = await api("GET", "/me/cards");
      const list = $("cards");
      list.replaceChildren(...(cards.length ? await Promise.all(cards.map(renderCard)) : [el("p", {}, "No card on this account yet.")]));
      list.hidden = false;
    } catch (e) { if (e.message !== "signed out") say(e.message); }
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-out").addEventListener("click", () => signOut("Signed out."));
    if (sessionStorage.getItem(tokenKey)) show(); else $("sign-in-form").hidden = false;
  });
})();

// Finance pages: sign in with /account/login, then call /finance/* with the bearer token (the API enforces the role).
"use strict";
let token = sessionStorage.getItem("citypass-finance-token");
const $ = id => document.getElementById(id);
const euros = cents => (cents / 100).toFixed(2);
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } });
  if (response.status === 401 || response.status === 403) throw new Error("This account is not allowed to see finance (the finance role is needed).");
  if (!response.ok) { const p = await response.json().catch(() => ({})); throw new Error(p.detail || response.statusText); }
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

function table(el, headers, rows) {
  el.innerHTML = `<tr>${headers.map(h => `<th>${esc(h)}</th>`).join("")}</tr>` +
    rows.map(r => `<tr>${r.map(c => typeof c === "number" ? `<td class="num">${c}</td>` : `<td>${c}</td>`).join("")}</tr>`).join("");
}

function show(name) {
  document.querySelectorAll("section").forEach(s => s.classList.toggle("shown", s.id === name));
  ({ overview: loadOverview, days: loadDays, operators: () => {}, discrepancies: loadDiscrepancies })[name]().catch(e => alert(e.message));
}

let charts = [];
async function loadOverview() {
  const tb = await api("/finance/trial-balance");
  $("balance-status").innerHTML = `Total of all postings: <strong class="${tb.totalCents === 0 ? "ok" : "error"}">${euros(tb.totalCents)}</strong> · ` +
    `stored-value liability ${euros(tb.storedValueLiabilityCents)} · card balances ${euros(tb.cardBalancesCents)}` +
    (tb.ledgerUpToDate ? "" : " · <em>ledger catching up</em>");
  table($("trial-balance"), ["account", "balance (debit +)"], tb.accounts.map(a => [esc(a.account), euros(a.balanceCents)]));
  const days = await api("/finance/charts/daily");
  charts.forEach(c => c.destroy());
  const labels = days.map(d => d.day);
  charts = [
    new Chart($("loads-chart"), { type: "bar", data: { labels, datasets: [{ label: "loads (EUR)", data: days.map(d => d.loadsCents / 100) }] } }),
    new Chart($("redemptions-chart"), { type: "line", data: { labels, datasets: [
      { label: "visits", data: days.map(d => d.visits), yAxisID: "y" },
      { label: "fares + products (EUR)", data: days.map(d => (d.faresCents + d.productSalesCents) / 100), yAxisID: "y1" }] },
      options: { scales: { y: { position: "left" }, y1: { position: "right" } } } }),
  ];
}

async function loadDays() {
  const view = await api("/finance/days");
  $("next-day").textContent = view.nextToClose ?? "any past day (nothing closed yet)";
  table($("days-table"), ["day", "hours", "entries", "adjustments", "loads", "spending", "float", "closed by"],
    view.closed.map(d => [`<a href="#" data-day="${esc(d.day)}">${esc(d.day)}</a>`, d.hours, d.entries, d.adjustments, euros(d.loadsCents), euros(d.spendingCents), euros(d.closingFloatCents), esc(d.closedBy)]));
  document.querySelectorAll("[data-day]").forEach(a => a.onclick = e => { e.preventDefault(); loadStatement(a.dataset.day).catch(x => alert(x.message)); });
}

async function loadStatement(day) {
  const s = await api(`/finance/days/${day}`);
  $("statement-day").textContent = `${s.day} (${s.hours} h)`;
  table($("statement-operators"), ["operator", "venue", "product", "profile", "kind", "adjustment of", "visits", "amount"],
    s.operators.map(l => [esc(l.operatorId), esc(l.venueId), esc(l.productId), esc(l.profileId), esc(l.kind), esc(l.adjustmentOf), l.visits, euros(l.amountCents)]));
  const sc = s.scheme;
  table($("statement-scheme"), ["opening float", "loads", "fares", "product sales", "reclaimed", "debts", "debts settled", "fees", "closing float"],
    [[euros(sc.openingFloatCents), esc(Object.entries(sc.loadsBySource).map(([k, v]) => `${k} ${euros(v)}`).join(", ")), euros(sc.faresCents), euros(sc.productSalesCents),
      euros(sc.reclaimedCents), euros(sc.debtsRecordedCents), euros(sc.debtsSettledCents), euros(sc.providerFeesCents), euros(sc.closingFloatCents)]]);
  table($("statement-adjustments"), ["sequence", "of day", "kind", "venue", "stored value"],
    s.adjustments.map(a => [a.sequence, esc(a.originalDay), esc(a.kind), esc(a.venueId), euros(a.storedValueCents)]));
}

async function loadDiscrepancies() {
  const list = await api("/finance/discrepancies");
  table($("discrepancy-table"), ["kind", "reference", "detail", "ledger", "report", ""],
    list.map(d => [esc(d.kind), esc(d.reference), esc(d.detail), d.ledgerCents == null ? "" : euros(d.ledgerCents), d.reportCents == null ? "" : euros(d.reportCents),
      `<button data-resolve="${esc(d.id)}">Resolve…</button>`]));
  document.querySelectorAll("[data-resolve]").forEach(b => b.onclick = async () => {
    const note = prompt("What was found and done?");
    if (!note) return;
    await api(`/finance/discrepancies/${encodeURIComponent(b.dataset.resolve)}/resolve`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ note }) })
      .then(loadDiscrepancies, e => alert(e.message));
  });
}

$("login").onsubmit = async e => {
  e.preventDefault();
  const form = new FormData(e.target);
  const response = await fetch("/account/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: form.get("email"), password: form.get("password") }) });
  if (!response.ok) { $("login-status").textContent = "Sign-in failed."; return; }
  token = (await response.json()).accessToken;
  sessionStorage.setItem("citypass-finance-token", token);
  start();
};

$("close").onclick = async () => {
  const day = $("close-date").value;
  if (!day) return;
  try { const r = await api(`/finance/days/${day}/close`, { method: "POST" }); $("close-status").textContent = `${r.closed.length} day(s) closed.`; loadDays(); }
  catch (e) { $("close-status").textContent = e.message; }
};

function settlementPath(format) {
  return `/finance/settlements/${encodeURIComponent($("op").value)}?from=${$("op-from").value}&to=${$("op-to").value}&format=${format}`;
}
$("settle").onclick = async () => {
  try {
    const s = await api(settlementPath("json"));
    $("settle-status").textContent = `gross ${euros(s.grossCents)} − commission ${euros(s.commissionCents)} (${s.commissionBasisPoints} bp) = payable ${euros(s.payableCents)}`;
    table($("settlement"), ["venue", "product", "profile", "kind", "visits", "amount"], s.lines.map(l => [esc(l.venueId), esc(l.productId), esc(l.profileId), esc(l.kind), l.visits, euros(l.amountCents)]));
  } catch (e) { $("settle-status").textContent = e.message; }
};
$("settle-csv").onclick = async e => {
  e.preventDefault();
  try { const csv = await api(settlementPath("csv")); const a = document.createElement("a"); a.href = URL.createObjectURL(new Blob([csv], { type: "text/csv" })); a.download = "settlement.csv"; a.click(); }
  catch (x) { $("settle-status").textContent = x.message; }
};

$("import").onclick = async () => {
  const file = $("report").files[0];
  if (!file) return;
  try {
    const r = await api(`/finance/reconciliation/stripe-report?name=${encodeURIComponent(file.name)}`, { method: "POST", headers: { "Content-Type": "text/csv" }, body: await file.text() });
    $("import-status").textContent = `${r.report.matched.length} matched, ${r.discrepanciesOpened} new discrepancies, fees ${euros(r.report.feesCents)}.`;
    loadDiscrepancies();
  } catch (e) { $("import-status").textContent = e.message; }
};

function start() {
  document.querySelector("nav").hidden = false;
  $("login").hidden = true;
  document.querySelectorAll("[data-show]").forEach(b => b.onclick = () => show(b.dataset.show));
  show("overview");
}
if (token) start();

// Finance pages: sign in with /account/login, then call /finance/* with the bearer token (the API enforces the role).
// Texts and formats come from the shared /i18n/i18n.js (French first, English as a choice).
"use strict";
const { t, money, day, dateTime, number } = CityPassI18n;
let token = sessionStorage.getItem("citypass-finance-token");
const $ = id => document.getElementById(id);
const esc = s => String(s ?? "").replace(/[&<>"']/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c]));

CityPassI18n.register({
  fr: {
    title: "Finance CityPass", "login.email": "E-mail", "login.password": "Mot de passe", "login.submit": "Se connecter", "login.failed": "Connexion refusée.",
    "nav.overview": "Vue d'ensemble", "nav.days": "Journées", "nav.operators": "Exploitants", "nav.discrepancies": "Écarts",
    forbidden: "Ce compte n'a pas accès à la finance (le rôle finance est nécessaire).", "common.cancel": "Annuler",
    "tb.title": "Balance générale", "tb.account": "Compte", "tb.balance": "Solde (débit +)",
    "tb.balanced": "Équilibré", "tb.catchingUp": "Mise à jour en cours", "tb.unbalanced": "Déséquilibré",
    "tb.detail": "Total des écritures {total} · avoirs des porteurs {liability} · soldes des cartes {cards}",
    "tb.behind": "Le grand livre rattrape les derniers mouvements : {n} événement(s) de retard. Rien n'est comparé tant qu'il n'est pas à jour.",
    "tb.where": "Écart réel : le grand livre et les cartes diffèrent de {gap}. Où regarder :",
    "tb.entries": "écritures dont les lignes ne s'équilibrent pas : {ids}",
    "tb.card": "carte {card} : solde {balance}, selon le grand livre {ledger} ; dette {debt}, selon le grand livre {ledgerDebt}",
    "tb.rebuild": "Si le grand livre a perdu des écritures, reconstruire la projection du grand livre (docs/finance.md).",
    "tb.clearingNote": "Deux comptes de compensation : les rechargements du bac à sable (démonstration) sont imputés sur « Compensation : bac à sable », les frais et virements des rapports Stripe sur « Compensation : Stripe ». Leur somme est ce que le prestataire doit encore.",
    "acct.liability:stored-value": "Avoirs des porteurs", "acct.liability:stored-value-in-transit": "Avoirs en transfert (carte perdue)",
    "acct.asset:card-debts": "Dettes des porteurs", "acct.asset:card-debts-in-transit": "Dettes en transfert (carte perdue)",
    "acct.liability:refunds-payable": "Remboursements à verser", "acct.equity:scheme-funded": "Crédits offerts par le réseau",
    "acct.expense:provider-fees": "Frais du prestataire de paiement", "acct.asset:bank": "Banque",
    "acct.clearing": "Compensation : {p}", "acct.operator": "Dû aux exploitants : {name}", "acct.sandbox": "bac à sable", "acct.stripe": "Stripe",
    "charts.title": "Rechargements et utilisations par journée (30 derniers jours)", "charts.loads": "Rechargements (€)", "charts.visits": "Visites",
    "charts.spent": "Tarifs et produits (€)", "charts.redemptions": "Visites et dépenses par journée",
    "days.title": "Journées clôturées", "days.next": "Prochaine journée à clôturer :", "days.none": "toute journée passée (rien n'est clôturé)",
    "days.closeDate": "Clôturer jusqu'au", "days.close": "Clôturer jusqu'à ce jour…", "days.confirm": "Clôturer définitivement",
    "days.question": "Clôturer toutes les journées ouvertes jusqu'au {day} inclus ? Une clôture est définitive : les données tardives iront en ajustement sur la clôture suivante.",
    "days.closed": "{n} journée(s) clôturée(s).", "days.already": "Déjà clôturée.", "days.pick": "Choisissez une journée.",
    "days.day": "Journée", "days.hours": "Heures", "days.entries": "Écritures", "days.adjustments": "Ajustements", "days.loads": "Rechargements",
    "days.spending": "Dépenses", "days.float": "Encours", "days.closedBy": "Clôturée par", "days.statement": "Relevé",
    "st.operator": "Exploitant", "st.venue": "Lieu", "st.product": "Produit", "st.profile": "Profil", "st.kind": "Nature", "st.adjOf": "Ajustement du",
    "st.visits": "Visites", "st.amount": "Montant", "st.opening": "Encours d'ouverture", "st.loads": "Rechargements", "st.fares": "Tarifs",
    "st.sales": "Ventes de produits", "st.reclaimed": "Repris", "st.debts": "Dettes", "st.settled": "Dettes réglées", "st.fees": "Frais",
    "st.closing": "Encours de clôture", "st.sequence": "Séquence", "st.ofDay": "Du jour", "st.storedValue": "Avoirs",
    "settle.title": "Règlement d'un exploitant", "settle.operator": "Exploitant", "settle.from": "du", "settle.to": "au", "settle.show": "Afficher",
    "settle.csv": "CSV", "settle.csvFr": "CSV (tableur français)",
    "settle.summary": "brut {gross} − commission {commission} ({bp} pb) = à payer {payable}",
    "rec.title": "Rapprochement Stripe", "rec.file": "Rapport Stripe (CSV)", "rec.import": "Importer", "rec.open": "Écarts ouverts",
    "rec.done": "{matched} rapprochés, {opened} nouveaux écarts, frais {fees}.", "rec.kind": "Nature", "rec.reference": "Référence",
    "rec.detail": "Détail", "rec.ledger": "Grand livre", "rec.report": "Rapport", "rec.openedAt": "Ouvert le", "rec.resolve": "Résoudre…",
    "rec.note": "Qu'avez-vous constaté et fait ?",
  },
  en: {
    title: "CityPass finance", "login.email": "E-mail", "login.password": "Password", "login.submit": "Sign in", "login.failed": "Sign-in failed.",
    "nav.overview": "Overview", "nav.days": "Days", "nav.operators": "Operators", "nav.discrepancies": "Discrepancies",
    forbidden: "This account is not allowed to see finance (the finance role is needed).", "common.cancel": "Cancel",
    "tb.title": "Trial balance", "tb.account": "Account", "tb.balance": "Balance (debit +)",
    "tb.balanced": "Balanced", "tb.catchingUp": "Catching up", "tb.unbalanced": "Unbalanced",
    "tb.detail": "Total of all postings {total} · stored-value liability {liability} · card balances {cards}",
    "tb.behind": "The ledger is catching up with the latest activity: {n} event(s) behind. Nothing is compared until it is up to date.",
    "tb.where": "Real gap: the ledger and the cards differ by {gap}. Where to look:",
    "tb.entries": "entries whose lines do not balance: {ids}",
    "tb.card": "card {card}: balance {balance}, ledger {ledger}; debt {debt}, ledger {ledgerDebt}",
    "tb.rebuild": "If the ledger lost entries, rebuild the ledger projection (docs/finance.md).",
    "tb.clearingNote": "Two clearing accounts: sandbox (demo) loads post to “Clearing: sandbox”, the fees and payouts of Stripe reports to “Clearing: Stripe”. Their sum is what the provider still owes.",
    "acct.liability:stored-value": "Cardholders' stored value", "acct.liability:stored-value-in-transit": "Stored value in transit (lost card)",
    "acct.asset:card-debts": "Cardholders' debts", "acct.asset:card-debts-in-transit": "Debts in transit (lost card)",
    "acct.liability:refunds-payable": "Refunds payable", "acct.equity:scheme-funded": "Credits funded by the scheme",
    "acct.expense:provider-fees": "Payment provider fees", "acct.asset:bank": "Bank",
    "acct.clearing": "Clearing: {p}", "acct.operator": "Owed to operator: {name}", "acct.sandbox": "sandbox", "acct.stripe": "Stripe",
    "charts.title": "Daily loads and redemptions (last 30 days)", "charts.loads": "Loads (€)", "charts.visits": "Visits",
    "charts.spent": "Fares and products (€)", "charts.redemptions": "Visits and spending per day",
    "days.title": "Closed days", "days.next": "Next day to close:", "days.none": "any past day (nothing closed yet)",
    "days.closeDate": "Close through", "days.close": "Close through this day…", "days.confirm": "Close for good",
    "days.question": "Close every open day through {day}? A close cannot be undone: late data will be reported as adjustments on the next close.",
    "days.closed": "{n} day(s) closed.", "days.already": "Already closed.", "days.pick": "Pick a day.",
    "days.day": "Day", "days.hours": "Hours", "days.entries": "Entries", "days.adjustments": "Adjustments", "days.loads": "Loads",
    "days.spending": "Spending", "days.float": "Float", "days.closedBy": "Closed by", "days.statement": "Statement",
    "st.operator": "Operator", "st.venue": "Venue", "st.product": "Product", "st.profile": "Profile", "st.kind": "Kind", "st.adjOf": "Adjustment of",
    "st.visits": "Visits", "st.amount": "Amount", "st.opening": "Opening float", "st.loads": "Loads", "st.fares": "Fares",
    "st.sales": "Product sales", "st.reclaimed": "Reclaimed", "st.debts": "Debts", "st.settled": "Debts settled", "st.fees": "Fees",
    "st.closing": "Closing float", "st.sequence": "Sequence", "st.ofDay": "Of day", "st.storedValue": "Stored value",
    "settle.title": "Operator settlement", "settle.operator": "Operator", "settle.from": "from", "settle.to": "to", "settle.show": "Show",
    "settle.csv": "CSV", "settle.csvFr": "CSV (French spreadsheet)",
    "settle.summary": "gross {gross} − commission {commission} ({bp} bp) = payable {payable}",
    "rec.title": "Stripe reconciliation", "rec.file": "Stripe report (CSV)", "rec.import": "Import", "rec.open": "Open discrepancies",
    "rec.done": "{matched} matched, {opened} new discrepancies, fees {fees}.", "rec.kind": "Kind", "rec.reference": "Reference",
    "rec.detail": "Detail", "rec.ledger": "Ledger", "rec.report": "Report", "rec.openedAt": "Opened", "rec.resolve": "Resolve…",
    "rec.note": "What was found and done?",
  },
});

class Forbidden extends Error {}
async function api(path, options = {}) {
  const response = await fetch(path, { ...options, headers: { ...(options.headers || {}), Authorization: `Bearer ${token}` } });
  if (response.status === 401 || response.status === 403) throw new Forbidden(t("forbidden"));
  if (!response.ok) { const p = await response.json().catch(() => ({})); throw new Error(p.detail || response.statusText); }
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.blob();
}

// A cell: { n: text } is a number (right-aligned), else HTML already escaped.
const num = text => ({ n: text });
function table(el, headers, rows) {
  const cell = (c, tag) => c && typeof c === "object" ? `<${tag} class="num">${esc(c.n)}</${tag}>` : `<${tag}>${c ?? ""}</${tag}>`;
  el.innerHTML = `<thead><tr>${headers.map(h => cell(h, "th")).join("")}</tr></thead><tbody>` +
    rows.map(r => `<tr>${r.map(c => cell(c, "td")).join("")}</tr>`).join("") + "</tbody>";
}

let operators = [];
const operatorName = id => operators.find(o => o.id === id)?.name ?? id;
function accountName(code) {
  if (code.startsWith("liability:operator:")) return t("acct.operator", { name: operatorName(code.slice("liability:operator:".length)) });
  if (code.startsWith("asset:clearing:")) { const p = code.slice("asset:clearing:".length); return t("acct.clearing", { p: t(`acct.${p}`) === `acct.${p}` ? p : t(`acct.${p}`) }); }
  const name = t(`acct.${code}`);
  return name === `acct.${code}` ? code : name;
}

let shown = "overview";
function show(name) {
  shown = name;
  document.querySelectorAll("section").forEach(s => s.classList.toggle("shown", s.id === name));
  const loaders = { overview: loadOverview, days: loadDays, operators: loadOperators, discrepancies: loadDiscrepancies };
  loaders[name]().catch(e => { $("login-status").textContent = e.message; });
}

let charts = [];
async function loadOverview() {
  const tb = await api("/finance/trial-balance");
  const [badge, label] = { balanced: ["ok", "tb.balanced"], "catching-up": ["wait", "tb.catchingUp"], unbalanced: ["bad", "tb.unbalanced"] }[tb.status];
  $("balance-status").innerHTML = `<span class="badge ${badge}" id="balance-badge">${esc(t(label))}</span> ` +
    esc(t("tb.detail", { total: money(tb.totalCents), liability: money(tb.storedValueLiabilityCents), cards: money(tb.cardBalancesCents) }));
  let help = "";
  if (tb.status === "catching-up") help = `<p>${esc(t("tb.behind", { n: number(tb.eventsBehind) }))}</p>`;
  if (tb.status === "unbalanced") {
    const items = [];
    if (tb.unbalancedEntries?.length) items.push(t("tb.entries", { ids: tb.unbalancedEntries.join(", ") }));
    for (const m of tb.cardMismatches ?? [])
      items.push(t("tb.card", { card: m.cardId, balance: money(m.balanceCents), ledger: money(m.ledgerBalanceCents), debt: money(m.debtCents), ledgerDebt: money(m.ledgerDebtCents) }));
    items.push(t("tb.rebuild"));
    help = `<p class="error">${esc(t("tb.where", { gap: money(tb.cardBalancesCents - tb.storedValueLiabilityCents) }))}</p><ul>${items.map(i => `<li>${esc(i)}</li>`).join("")}</ul>`;
  }
  $("balance-help").innerHTML = help;
  table($("trial-balance"), [t("tb.account"), num(t("tb.balance"))],
    tb.accounts.map(a => [`${esc(accountName(a.account))}<span class="code">${esc(a.account)}</span>`, num(money(a.balanceCents))]));
  $("clearing-note").hidden = tb.accounts.filter(a => a.account.startsWith("asset:clearing:")).length < 2;
  const days = await api("/finance/charts/daily");
  charts.forEach(c => c.destroy());
  const labels = days.map(d => day(d.day));
  charts = [
    new Chart($("loads-chart"), { type: "bar", data: { labels, datasets: [{ label: t("charts.loads"), data: days.map(d => d.loadsCents / 100) }] } }),
    new Chart($("redemptions-chart"), { type: "line", data: { labels, datasets: [
      { label: t("charts.visits"), data: days.map(d => d.visits), yAxisID: "y" },
      { label: t("charts.spent"), data: days.map(d => (d.faresCents + d.productSalesCents) / 100), yAxisID: "y1" }] },
      options: { scales: { y: { position: "left" }, y1: { position: "right" } } } }),
  ];
}

async function loadDays() {
  const view = await api("/finance/days");
  $("next-day").textContent = view.nextToClose ? day(view.nextToClose) : t("days.none");
  if (!$("close-date").value && view.nextToClose) $("close-date").value = view.nextToClose;
  table($("days-table"), [t("days.day"), num(t("days.hours")), num(t("days.entries")), num(t("days.adjustments")), num(t("days.loads")), num(t("days.spending")), num(t("days.float")), t("days.closedBy")],
    view.closed.map(d => [`<a href="#" data-day="${esc(d.day)}">${esc(day(d.day))}</a>`, num(d.hours), num(d.entries), num(d.adjustments), num(money(d.loadsCents)), num(money(d.spendingCents)), num(money(d.closingFloatCents)), esc(d.closedBy)]));
  document.querySelectorAll("[data-day]").forEach(a => a.onclick = e => { e.preventDefault(); loadStatement(a.dataset.day).catch(x => { $("close-status").textContent = x.message; }); });
}

async function loadStatement(d) {
  const s = await api(`/finance/days/${d}`);
  $("statement-day").textContent = `${day(s.day)} (${s.hours} h)`;
  table($("statement-operators"), [t("st.operator"), t("st.venue"), t("st.product"), t("st.profile"), t("st.kind"), t("st.adjOf"), num(t("st.visits")), num(t("st.amount"))],
    s.operators.map(l => [esc(operatorName(l.operatorId)), esc(l.venueId), esc(l.productId), esc(l.profileId), esc(l.kind), esc(day(l.adjustmentOf)), num(l.visits), num(money(l.amountCents))]));
  const sc = s.scheme;
  table($("statement-scheme"), [num(t("st.opening")), t("st.loads"), num(t("st.fares")), num(t("st.sales")), num(t("st.reclaimed")), num(t("st.debts")), num(t("st.settled")), num(t("st.fees")), num(t("st.closing"))],
    [[num(money(sc.openingFloatCents)), esc(Object.entries(sc.loadsBySource).map(([k, v]) => `${k} ${money(v)}`).join(", ")), num(money(sc.faresCents)), num(money(sc.productSalesCents)),
      num(money(sc.reclaimedCents)), num(money(sc.debtsRecordedCents)), num(money(sc.debtsSettledCents)), num(money(sc.providerFeesCents)), num(money(sc.closingFloatCents))]]);
  table($("statement-adjustments"), [num(t("st.sequence")), t("st.ofDay"), t("st.kind"), t("st.venue"), num(t("st.storedValue"))],
    s.adjustments.map(a => [num(a.sequence), esc(day(a.originalDay)), esc(a.kind), esc(a.venueId), num(money(a.storedValueCents))]));
}

async function loadOperators() {
  operators = await api("/finance/operators");
  const select = $("op"), chosen = select.value;
  select.innerHTML = operators.map(o => `<option value="${esc(o.id)}">${esc(o.name)} (${esc(o.id)})</option>`).join("");
  if (chosen) select.value = chosen;
  const today = CityPassI18n.todayInParis();
  if (!$("op-from").value) $("op-from").value = `${today.slice(0, 8)}01`;
  if (!$("op-to").value) $("op-to").value = today;
}

async function loadDiscrepancies() {
  const list = await api("/finance/discrepancies");
  table($("discrepancy-table"), [t("rec.openedAt"), t("rec.kind"), t("rec.reference"), t("rec.detail"), num(t("rec.ledger")), num(t("rec.report")), ""],
    list.map(d => [esc(dateTime(d.openedAt)), esc(d.kind), esc(d.reference), esc(d.detail), num(money(d.ledgerCents)), num(money(d.reportCents)),
      `<button data-resolve="${esc(d.id)}">${esc(t("rec.resolve"))}</button>`]));
  document.querySelectorAll("[data-resolve]").forEach(b => b.onclick = async () => {
    const note = prompt(t("rec.note"));
    if (!note) return;
    await api(`/finance/discrepancies/${encodeURIComponent(b.dataset.resolve)}/resolve`, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ note }) })
      .then(loadDiscrepancies, e => { $("import-status").textContent = e.message; });
  });
}

$("login").onsubmit = async e => {
  e.preventDefault();
  const form = new FormData(e.target);
  const response = await fetch("/account/login", { method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ email: form.get("email"), password: form.get("password") }) });
  if (!response.ok) { $("login-status").textContent = t("login.failed"); return; }
  token = (await response.json()).accessToken;
  sessionStorage.setItem("citypass-finance-token", token);
  start();
};

$("close").onclick = () => {
  const d = $("close-date").value;
  if (!d) { $("close-status").textContent = t("days.pick"); return; }
  $("close-question").textContent = t("days.question", { day: day(d) });
  $("close-confirm").hidden = false;
  $("close-yes").focus();
};
$("close-no").onclick = () => { $("close-confirm").hidden = true; };
$("close-yes").onclick = async () => {
  $("close-confirm").hidden = true;
  try {
    const r = await api(`/finance/days/${$("close-date").value}/close`, { method: "POST" });
    $("close-status").textContent = r.alreadyClosed ? t("days.already") : t("days.closed", { n: r.closed.length });
    await loadDays();
  } catch (e) { $("close-status").textContent = e.message; }
};

function settlementPath(format) {
  return `/finance/settlements/${encodeURIComponent($("op").value)}?from=${$("op-from").value}&to=${$("op-to").value}&format=${format}`;
}
$("settle").onclick = async () => {
  try {
    const s = await api(settlementPath("json"));
    $("settle-status").textContent = t("settle.summary", { gross: money(s.grossCents), commission: money(s.commissionCents), bp: s.commissionBasisPoints, payable: money(s.payableCents) });
    table($("settlement"), [t("st.venue"), t("st.product"), t("st.profile"), t("st.kind"), num(t("st.visits")), num(t("st.amount"))],
      s.lines.map(l => [esc(l.venueId), esc(l.productId), esc(l.profileId), esc(l.kind), num(l.visits), num(money(l.amountCents))]));
  } catch (e) { $("settle-status").textContent = e.message; }
};
// The file keeps the name the server gives it: operator and period.
async function download(format) {
  const response = await fetch(settlementPath(format), { headers: { Authorization: `Bearer ${token}` } });
  if (!response.ok) { const p = await response.json().catch(() => ({})); $("settle-status").textContent = p.detail || response.statusText; return; }
  const name = /filename="?([^";]+)"?/.exec(response.headers.get("content-disposition") || "")?.[1] ?? "settlement.csv";
  const a = document.createElement("a");
  a.href = URL.createObjectURL(await response.blob());
  a.download = name;
  a.click();
}
$("settle-csv").onclick = e => { e.preventDefault(); download("csv"); };
$("settle-csv-fr").onclick = e => { e.preventDefault(); download("csv-fr"); };

$("import").onclick = async () => {
  const file = $("report").files[0];
  if (!file) return;
  try {
    const r = await api(`/finance/reconciliation/stripe-report?name=${encodeURIComponent(file.name)}`, { method: "POST", headers: { "Content-Type": "text/csv" }, body: await file.text() });
    $("import-status").textContent = t("rec.done", { matched: r.report.matched.length, opened: r.discrepanciesOpened, fees: money(r.report.feesCents) });
    loadDiscrepancies();
  } catch (e) { $("import-status").textContent = e.message; }
};

async function start() {
  document.querySelector("nav").hidden = false;
  $("login").hidden = true;
  document.querySelectorAll("[data-show]").forEach(b => b.onclick = () => show(b.dataset.show));
  try { await loadOperators(); } catch (e) { $("login-status").textContent = e.message; }
  show("overview");
}
CityPassI18n.switcher();
CityPassI18n.apply();
CityPassI18n.onChange(() => { if (token) show(shown); });
if (token) start();

// CityPass languages, shared by every page (served at /i18n/i18n.js): French first, English as a choice remembered in
// localStorage; without a choice, the browser's preferred languages (what it sends as Accept-Language) pick fr or en. A page registers its dictionary ({ fr: {...}, en: {...} }), marks texts with data-i18n (text),
// data-i18n-label (aria-label), data-i18n-placeholder, and formats amounts and times with money() / dateTime() / day().
"use strict";
window.CityPassI18n = (() => {
  const key = "citypass-lang";
  const locales = { fr: "fr-FR", en: "en-GB" };
  const zone = "Europe/Paris";
  const dictionaries = { fr: {}, en: {} };
  const listeners = [];
  const stored = localStorage.getItem(key);
  const preferred = (navigator.languages || [navigator.language || ""]).map(l => String(l).slice(0, 2).toLowerCase()).find(l => l === "fr" || l === "en");
  let current = (stored === "en" || stored === "fr" ? stored : preferred) === "en" ? "en" : "fr";

  const lang = () => current;
  const locale = () => locales[current];
  function register(dictionary) {
    for (const l of Object.keys(dictionaries)) Object.assign(dictionaries[l], dictionary[l] || {});
  }
  // t("close.done", { n: 2 }) → the text with {n} replaced; the French text, then the key, when a language lacks it.
  function t(name, values = {}) {
    const text = dictionaries[current][name] ?? dictionaries.fr[name] ?? name;
    return text.replace(/\{(\w+)\}/g, (_, v) => String(values[v] ?? ""));
  }
  function apply(root = document) {
    document.documentElement.lang = current;
    root.querySelectorAll("[data-i18n]").forEach(e => { e.textContent = t(e.dataset.i18n); });
    root.querySelectorAll("[data-i18n-label]").forEach(e => e.setAttribute("aria-label", t(e.dataset.i18nLabel)));
    root.querySelectorAll("[data-i18n-placeholder]").forEach(e => e.setAttribute("placeholder", t(e.dataset.i18nPlaceholder)));
    root.querySelectorAll("[data-lang]").forEach(b => b.setAttribute("aria-pressed", String(b.dataset.lang === current)));
  }
  function setLang(l) {
    current = l === "en" ? "en" : "fr";
    localStorage.setItem(key, current);
    apply();
    listeners.forEach(f => f(current));
  }
  const onChange = f => listeners.push(f);
  // Buttons with data-lang="fr" / "en" switch the language.
  function switcher(root = document) {
    root.querySelectorAll("[data-lang]").forEach(b => b.addEventListener("click", () => setLang(b.dataset.lang)));
  }

  const moneyFormats = {};
  // 123450 → "1 234,50 €" in French, "€1,234.50" in English.
  function money(cents) {
    const f = moneyFormats[current] ??= new Intl.NumberFormat(locale(), { style: "currency", currency: "EUR" });
    return cents == null ? "" : f.format(cents / 100);
  }
  const number = n => new Intl.NumberFormat(locale()).format(n);
  // An instant (ISO text) as Paris time.
  const dateTime = iso => iso ? new Intl.DateTimeFormat(locale(), { timeZone: zone, dateStyle: "short", timeStyle: "short" }).format(new Date(iso)) : "";
  // An instant as a person reads it: "30 novembre 2026, 18:03" / "30 November 2026, 18:03", Paris time.
  function longDateTime(iso) {
    if (!iso) return "";
    const at = new Date(iso);
    const date = new Intl.DateTimeFormat(locale(), { timeZone: zone, day: "numeric", month: "long", year: "numeric" }).format(at);
    const time = new Intl.DateTimeFormat(locale(), { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
    return `${date}, ${time}`;
  }
  // A local date (yyyy-MM-dd, no zone) as a date: formatted in UTC so that it never shifts by a day.
  const day = iso => iso ? new Intl.DateTimeFormat(locale(), { timeZone: "UTC", dateStyle: "medium" }).format(new Date(`${iso}T00:00:00Z`)) : "";
  // The same, with the month in full: "30 novembre 2026".
  const longDay = iso => iso ? new Intl.DateTimeFormat(locale(), { timeZone: "UTC", dateStyle: "long" }).format(new Date(`${iso}T00:00:00Z`)) : "";
  // Today's calendar date in Paris, yyyy-MM-dd (the form of date inputs).
  const todayInParis = () => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(new Date());

  return { lang, locale, register, t, apply, setLang, onChange, switcher, money, number, dateTime, longDateTime, day, longDay, todayInParis, zone };
})();

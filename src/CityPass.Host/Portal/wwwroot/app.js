"use strict";
// The cardholder portal: account (sign-up, e-mail confirmation, sign-in, forgotten password) with /account, cards with /me.
// French first, English as a choice (/i18n/i18n.js). No framework, no outside requests.
(() => {
  const I = window.CityPassI18n;
  const { t, money } = I;
  const $ = (id) => document.getElementById(id);
  const tokenKey = "citypass.token";
  const reasonsKnown = ["lost", "stolen"];

  I.register({
    fr: {
      skip: "Aller au contenu", "nav.label": "Langue et session", signOut: "Se déconnecter", footer: "CityPass, la carte de la ville.",
      "title.signIn": "Connexion", "title.signUp": "Créer un compte", "title.forgot": "Mot de passe oublié", "title.reset": "Nouveau mot de passe",
      "title.confirm": "Confirmation de l'adresse e-mail", "title.cards": "Mes cartes", "title.closed": "Compte fermé",
      "field.email": "Adresse e-mail", "field.password": "Mot de passe", "field.newPassword": "Nouveau mot de passe",
      "field.passwordHint": "Au moins 12 caractères, avec une majuscule, une minuscule, un chiffre et un signe.",
      signIn: "Se connecter", "signUp.link": "Créer un compte", "forgot.link": "Mot de passe oublié ?", "signUp.submit": "Créer mon compte",
      "forgot.submit": "Recevoir un lien", "reset.submit": "Changer le mot de passe", "back.signIn": "J'ai déjà un compte : me connecter",
      "back.toSignIn": "Me connecter",
      "signIn.wrong": "Adresse e-mail ou mot de passe incorrect.",
      "signIn.unconfirmed": "Adresse e-mail ou mot de passe incorrect, ou adresse pas encore confirmée : suivez le lien de l'e-mail reçu à l'inscription.",
      "signIn.locked": "Trop d'essais : ce compte est bloqué quelques minutes.",
      "signUp.sent": "Compte créé. Nous vous avons envoyé un e-mail : suivez son lien pour confirmer votre adresse, puis connectez-vous.",
      "signUp.duplicate": "Un compte existe déjà avec cette adresse. Connectez-vous, ou utilisez « Mot de passe oublié ».",
      "signUp.email": "Cette adresse e-mail n'est pas valable.", "signUp.password": "Le mot de passe est trop faible : au moins 12 caractères, avec une majuscule, une minuscule, un chiffre et un signe.",
      "forgot.sent": "Si un compte existe avec cette adresse, un e-mail avec un lien pour choisir un nouveau mot de passe vient d'être envoyé.",
      "reset.done": "Mot de passe changé : vous pouvez vous connecter.", "reset.invalid": "Ce lien n'est plus valable. Demandez-en un nouveau avec « Mot de passe oublié ».",
      "confirm.working": "Confirmation en cours…", "confirm.done": "Merci : votre adresse e-mail est confirmée. Vous pouvez vous connecter.",
      "confirm.invalid": "Ce lien de confirmation n'est pas valable ou a déjà servi. Essayez de vous connecter ; sinon créez à nouveau votre compte.",
      "session.ended": "Votre session a pris fin : connectez-vous à nouveau.", "signedOut": "Vous êtes déconnecté.",
      "error.generic": "Cela n'a pas fonctionné ({status}). Réessayez dans un moment.", "error.network": "Le serveur ne répond pas. Vérifiez votre connexion et réessayez.",
      "error.tooMany": "Trop d'essais d'un coup : attendez un peu avant de réessayer.",
      "cards.none": "Aucune carte sur ce compte pour l'instant. Ajoutez-en une avec le numéro imprimé au dos.",
      "card.title": "Carte {number}", "card.number": "N° {number}", "card.balance": "Solde", "card.active": "Active",
      "card.blocked.lost": "Bloquée : déclarée perdue", "card.blocked.stolen": "Bloquée : déclarée volée", "card.blocked.damaged": "Bloquée : abîmée",
      "card.blocked.other": "Bloquée", "card.debt": "Dette à régler : {amount}", "card.reserved": "Rechargement en cours : {amount}",
      "name.label": "Nom de la carte", "name.submit": "Enregistrer le nom", "name.saved": "Nom enregistré.", "name.summary": "Nommer cette carte",
      "rights.title": "Abonnements et billets", "rights.none": "Aucun abonnement ni billet.",
      "right.carnet": "{name} : {left} entrées restantes, valable jusqu'au {to}", "right.carnet1": "{name} : 1 entrée restante, valable jusqu'au {to}",
      "right.season": "{name}, valable du {from} au {to}", "right.ticket": "{name}, le {from}",
      "reload.title": "Recharger", "reload.amount": "Montant", "reload.submit": "Recharger", "reload.started": "Redirection vers le paiement…",
      "reload.app": "Rechargement commencé : confirmez le paiement dans l'application CityPass.",
      "reload.ceiling": "Ce rechargement dépasserait le plafond de la carte. Choisissez un montant plus petit.",
      "reload.invalid": "Ce montant n'est pas possible.", "reload.blocked": "Cette carte est bloquée : elle ne peut pas être rechargée.",
      "reload.provider": "Le service de paiement ne répond pas. Rien n'a été débité ; réessayez plus tard.",
      "reloads.title": "Mes rechargements", "reloads.none": "Aucun rechargement.", "reloads.pay": "Payer", "reloads.cancel": "Annuler ce rechargement",
      "reloads.canceled": "Rechargement annulé : rien n'a été débité.", "reloads.cannotCancel": "Ce rechargement ne peut plus être annulé.",
      "reload.status.Requested": "en préparation", "reload.status.AwaitingPayment": "en attente de paiement", "reload.status.Failed": "paiement refusé, à payer",
      "reload.status.Abandoned": "abandonné", "reload.status.Canceled": "annulé", "reload.status.Paid": "payé", "reload.status.Credited": "payé et crédité",
      "reload.status.NeedsReview": "payé, en vérification",
      "reload.line": "{amount}, {when} : {status}",
      "history.title": "Historique", "history.none": "Rien pour l'instant.", "history.older": "Voir les opérations plus anciennes",
      "history.credit": "Crédit", "history.debit": "Débit", "history.free": "gratuit",
      "line.issued": "Carte émise", "line.reload-card": "Rechargement par carte bancaire", "line.load-desk": "Crédit au guichet",
      "line.fare": "{venue} : entrée payée au tarif normal", "line.fare-reduced": "{venue} : entrée au tarif réduit « {profile} » (−{pct} %)",
      "line.fare-capped": "{venue} : entrée, plafond du jour atteint ({off} offerts)", "line.fare-free-cap": "{venue} : entrée gratuite, plafond du jour atteint",
      "line.fare-free-late": "{venue} : entrée gratuite (passage transmis trop tard)",
      "line.entry-pass": "{venue} : entrée avec « {product} » ({left} restantes)", "line.entry-pass1": "{venue} : entrée avec « {product} » (1 restante)",
      "line.entry-pass0": "{venue} : entrée avec « {product} » (dernière entrée)", "line.entry": "{venue} : entrée avec « {product} »",
      "line.purchase": "Achat : {product}", "line.concession": "Tarif « {profile} » accordé", "line.blocked": "Carte bloquée",
      "line.blocked.lost": "Carte bloquée : déclarée perdue", "line.blocked.stolen": "Carte bloquée : déclarée volée", "line.unblocked": "Carte débloquée",
      "line.refund-reload": "Rechargement remboursé sur votre carte bancaire", "line.taken-back": "Montant repris (paiement contesté)",
      "line.debt": "Dette enregistrée", "line.owed": "{venue} : passage hors ligne non couvert", "line.debt-settled": "Dette réglée",
      "line.transfer-out": "Solde et droits transférés vers la carte N° {other}", "line.transfer-in": "Transfert depuis la carte perdue N° {other}",
      "line.transfer-out.unknown": "Solde et droits transférés vers la carte de remplacement", "line.transfer-in.unknown": "Transfert depuis la carte perdue",
      "line.refund-balance": "Solde remboursé par virement", "line.other": "Opération",
      "lost.open": "Carte perdue ou volée ?", "lost.legend": "Que s'est-il passé ?", "lost.lost": "Perdue", "lost.stolen": "Volée",
      "lost.explain": "Le blocage est immédiat. Le solde et les abonnements sont conservés et passeront sur votre carte de remplacement.",
      "lost.submit": "Bloquer cette carte maintenant", "lost.done": "Carte bloquée. Son solde est conservé pour votre carte de remplacement.",
      "replace.title": "Carte de remplacement", "replace.number": "Numéro imprimé au dos de la nouvelle carte", "replace.submit": "Utiliser cette carte",
      "replace.waiting": "Quand vous aurez votre nouvelle carte, indiquez son numéro : le solde et les abonnements y seront transférés.",
      "replace.done": "Remplacée par la carte N° {number} : solde et abonnements transférés.", "replace.moving": "Transfert vers la nouvelle carte en cours…",
      "replace.named": "Nouvelle carte enregistrée : le solde et les abonnements y sont transférés.",
      "add.title": "Ajouter une carte", "add.number": "Numéro imprimé au dos de la carte", "add.hint": "12 chiffres, par exemple 1234 5678 9012.",
      "add.submit": "Ajouter la carte", "add.done": "Carte ajoutée à votre compte.", "add.already": "Cette carte est déjà sur votre compte.",
      "add.notFound": "Aucune carte ne porte ce numéro. Vérifiez les 12 chiffres imprimés au dos de la carte.",
      "add.format": "Le numéro imprimé a 12 chiffres, par exemple 1234 5678 9012.",
      "add.taken": "Cette carte est enregistrée sur un autre compte. Adressez-vous à un guichet CityPass.",
      "add.tooMany": "Trop d'essais : réessayez dans une heure.", "add.refused": "Cette carte ne peut pas remplacer l'ancienne : {why}",
      "account.title": "Mon compte", "export.title": "Mes données", "export.text": "Téléchargez tout ce que CityPass conserve sur vous (fichier JSON).",
      "export.submit": "Télécharger mes données", "export.done": "Fichier téléchargé : {file}.",
      "close.title": "Fermer mon compte", "close.text": "Vos cartes sont bloquées, leur solde vous est remboursé par virement et vos données personnelles sont effacées.",
      "close.iban": "IBAN du compte à rembourser", "close.holder": "Titulaire du compte bancaire", "close.sure": "Je veux fermer mon compte définitivement.",
      "close.submit": "Fermer mon compte", "close.confirmFirst": "Cochez la case pour confirmer la fermeture.",
      "close.iban.invalid": "Cet IBAN n'est pas valable. Vérifiez-le (par exemple FR76 3000 6000 0112 3456 7890 189).",
      "close.holder.missing": "Indiquez le nom du titulaire du compte bancaire.",
      "close.debt": "Une carte a une dette : rechargez-la pour la régler, puis fermez le compte.",
      "close.pending": "Un rechargement est en cours : payez-le ou annulez-le, puis fermez le compte.",
      "close.done": "Votre compte est fermé. {amount} vous seront remboursés par virement. Vos données personnelles sont effacées.",
      "close.doneNothing": "Votre compte est fermé. Vos données personnelles sont effacées.",
    },
    en: {
      skip: "Skip to content", "nav.label": "Language and session", signOut: "Sign out", footer: "CityPass, the city's card.",
      "title.signIn": "Sign in", "title.signUp": "Create an account", "title.forgot": "Forgotten password", "title.reset": "New password",
      "title.confirm": "E-mail confirmation", "title.cards": "My cards", "title.closed": "Account closed",
      "field.email": "E-mail address", "field.password": "Password", "field.newPassword": "New password",
      "field.passwordHint": "At least 12 characters, with an upper-case letter, a lower-case letter, a digit and a symbol.",
      signIn: "Sign in", "signUp.link": "Create an account", "forgot.link": "Forgotten password?", "signUp.submit": "Create my account",
      "forgot.submit": "Send me a link", "reset.submit": "Change the password", "back.signIn": "I already have an account: sign in",
      "back.toSignIn": "Sign in",
      "signIn.wrong": "Wrong e-mail or password.",
      "signIn.unconfirmed": "Wrong e-mail or password, or address not confirmed yet: follow the link in the e-mail sent when you signed up.",
      "signIn.locked": "Too many attempts: this account is locked for a few minutes.",
      "signUp.sent": "Account created. We sent you an e-mail: follow its link to confirm your address, then sign in.",
      "signUp.duplicate": "An account already exists with this address. Sign in, or use \"Forgotten password\".",
      "signUp.email": "This e-mail address is not valid.", "signUp.password": "The password is too weak: at least 12 characters, with an upper-case letter, a lower-case letter, a digit and a symbol.",
      "forgot.sent": "If an account exists with this address, an e-mail with a link to choose a new password has just been sent.",
      "reset.done": "Password changed: you can sign in.", "reset.invalid": "This link is no longer valid. Ask for a new one with \"Forgotten password\".",
      "confirm.working": "Confirming…", "confirm.done": "Thank you: your e-mail address is confirmed. You can sign in.",
      "confirm.invalid": "This confirmation link is not valid or was already used. Try signing in; otherwise create your account again.",
      "session.ended": "Your session has ended: sign in again.", "signedOut": "You are signed out.",
      "error.generic": "That did not work ({status}). Try again in a moment.", "error.network": "The server does not answer. Check your connection and try again.",
      "error.tooMany": "Too many attempts at once: wait a little before trying again.",
      "cards.none": "No card on this account yet. Add one with the number printed on its back.",
      "card.title": "Card {number}", "card.number": "No. {number}", "card.balance": "Balance", "card.active": "Active",
      "card.blocked.lost": "Blocked: reported lost", "card.blocked.stolen": "Blocked: reported stolen", "card.blocked.damaged": "Blocked: damaged",
      "card.blocked.other": "Blocked", "card.debt": "Debt to settle: {amount}", "card.reserved": "Reload in progress: {amount}",
      "name.label": "Card name", "name.submit": "Save the name", "name.saved": "Name saved.", "name.summary": "Name this card",
      "rights.title": "Passes and tickets", "rights.none": "No pass or ticket.",
      "right.carnet": "{name}: {left} entries left, valid until {to}", "right.carnet1": "{name}: 1 entry left, valid until {to}",
      "right.season": "{name}, valid from {from} to {to}", "right.ticket": "{name}, on {from}",
      "reload.title": "Reload", "reload.amount": "Amount", "reload.submit": "Reload", "reload.started": "Taking you to the payment…",
      "reload.app": "Reload started: confirm the payment in the CityPass app.",
      "reload.ceiling": "This reload would take the card over its ceiling. Choose a smaller amount.",
      "reload.invalid": "This amount is not possible.", "reload.blocked": "This card is blocked: it cannot be reloaded.",
      "reload.provider": "The payment service does not answer. Nothing was charged; try again later.",
      "reloads.title": "My reloads", "reloads.none": "No reload.", "reloads.pay": "Pay", "reloads.cancel": "Cancel this reload",
      "reloads.canceled": "Reload canceled: nothing was charged.", "reloads.cannotCancel": "This reload can no longer be canceled.",
      "reload.status.Requested": "being prepared", "reload.status.AwaitingPayment": "awaiting payment", "reload.status.Failed": "payment declined, to pay",
      "reload.status.Abandoned": "abandoned", "reload.status.Canceled": "canceled", "reload.status.Paid": "paid", "reload.status.Credited": "paid and credited",
      "reload.status.NeedsReview": "paid, being checked",
      "reload.line": "{amount}, {when}: {status}",
      "history.title": "History", "history.none": "Nothing yet.", "history.older": "Show older operations",
      "history.credit": "Credit", "history.debit": "Debit", "history.free": "free",
      "line.issued": "Card issued", "line.reload-card": "Reload by bank card", "line.load-desk": "Credit at the desk",
      "line.fare": "{venue}: entry at the full fare", "line.fare-reduced": "{venue}: entry at the \"{profile}\" reduced fare (−{pct} %)",
      "line.fare-capped": "{venue}: entry, daily cap reached ({off} off)", "line.fare-free-cap": "{venue}: free entry, daily cap reached",
      "line.fare-free-late": "{venue}: free entry (tap uploaded too late)",
      "line.entry-pass": "{venue}: entry with \"{product}\" ({left} left)", "line.entry-pass1": "{venue}: entry with \"{product}\" (1 left)",
      "line.entry-pass0": "{venue}: entry with \"{product}\" (last entry)", "line.entry": "{venue}: entry with \"{product}\"",
      "line.purchase": "Bought: {product}", "line.concession": "\"{profile}\" tariff granted", "line.blocked": "Card blocked",
      "line.blocked.lost": "Card blocked: reported lost", "line.blocked.stolen": "Card blocked: reported stolen", "line.unblocked": "Card unblocked",
      "line.refund-reload": "Reload refunded to your bank card", "line.taken-back": "Amount taken back (payment disputed)",
      "line.debt": "Debt recorded", "line.owed": "{venue}: offline tap not covered", "line.debt-settled": "Debt settled",
      "line.transfer-out": "Balance and passes moved to card No. {other}", "line.transfer-in": "Transfer from lost card No. {other}",
      "line.transfer-out.unknown": "Balance and passes moved to the replacement card", "line.transfer-in.unknown": "Transfer from the lost card",
      "line.refund-balance": "Balance paid back by bank transfer", "line.other": "Operation",
      "lost.open": "Card lost or stolen?", "lost.legend": "What happened?", "lost.lost": "Lost", "lost.stolen": "Stolen",
      "lost.explain": "Blocking is immediate. The balance and passes are kept and will move to your replacement card.",
      "lost.submit": "Block this card now", "lost.done": "Card blocked. Its balance is kept for your replacement card.",
      "replace.title": "Replacement card", "replace.number": "Number printed on the back of the new card", "replace.submit": "Use this card",
      "replace.waiting": "When you have your new card, enter its number: the balance and passes will move to it.",
      "replace.done": "Replaced by card No. {number}: balance and passes moved.", "replace.moving": "Moving to the new card…",
      "replace.named": "New card recorded: the balance and passes move to it.",
      "add.title": "Add a card", "add.number": "Number printed on the back of the card", "add.hint": "12 digits, for example 1234 5678 9012.",
      "add.submit": "Add the card", "add.done": "Card added to your account.", "add.already": "This card is already on your account.",
      "add.notFound": "No card has this number. Check the 12 digits printed on the back of the card.",
      "add.format": "The printed number has 12 digits, for example 1234 5678 9012.",
      "add.taken": "This card is on another account. Ask at a CityPass desk.",
      "add.tooMany": "Too many attempts: try again in an hour.", "add.refused": "This card cannot replace the old one: {why}",
      "account.title": "My account", "export.title": "My data", "export.text": "Download everything CityPass holds about you (JSON file).",
      "export.submit": "Download my data", "export.done": "File downloaded: {file}.",
      "close.title": "Close my account", "close.text": "Your cards are blocked, their balance paid back to you by bank transfer and your personal data erased.",
      "close.iban": "IBAN of the account to pay back", "close.holder": "Bank account holder", "close.sure": "I want to close my account for good.",
      "close.submit": "Close my account", "close.confirmFirst": "Tick the box to confirm the closing.",
      "close.iban.invalid": "This IBAN is not valid. Check it (for example FR76 3000 6000 0112 3456 7890 189).",
      "close.holder.missing": "Enter the name of the bank account's holder.",
      "close.debt": "A card has a debt: reload it to settle it, then close the account.",
      "close.pending": "A reload is in progress: pay or cancel it, then close the account.",
      "close.done": "Your account is closed. {amount} will be paid back to you by bank transfer. Your personal data is erased.",
      "close.doneNothing": "Your account is closed. Your personal data is erased.",
    },
  });

  // A problem the API answered, kept whole so that each form can say it in words.
  class Problem extends Error {
    constructor(status, body) { super((body && (body.detail || body.title)) || ("HTTP " + status)); this.status = status; this.body = body || {}; }
  }
  const words = (e) => e instanceof Problem
    ? (e.status === 429 ? t("error.tooMany") : t("error.generic", { status: e.status }))
    : t("error.network");

  const el = (tag, attrs = {}, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") e.className = v; else if (k === "text") e.textContent = v;
      else if (k.startsWith("data-") || k.startsWith("aria-") || k === "for" || k === "role") e.setAttribute(k, v); else e[k] = v;
    }
    for (const c of children) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const say = (target, text) => { (typeof target === "string" ? $(target) : target).textContent = text || ""; };
  const newKey = () => (self.crypto && crypto.randomUUID) ? crypto.randomUUID() : Date.now() + "-" + Math.random().toString(16).slice(2);
  const token = () => sessionStorage.getItem(tokenKey);

  async function api(method, path, body, headers = {}) {
    let response;
    try {
      response = await fetch(path, {
        method,
        headers: { ...(body ? { "Content-Type": "application/json" } : {}), ...(token() ? { Authorization: "Bearer " + token() } : {}),
          "Accept-Language": I.lang(), ...headers },
        body: body ? JSON.stringify(body) : undefined,
      });
    } catch { throw new Error("network"); }
    const text = await response.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (response.status === 401 && token() && path.startsWith("/me")) { signOut(t("session.ended")); throw new Problem(401, data); }
    if (!response.ok) throw new Problem(response.status, data);
    return data;
  }

  // Views: one section of <main> at a time, its title as the page's h1 and the document's title.
  let current = null;
  function showView(name, titleKey) {
    current = { name, titleKey };
    document.querySelectorAll(".view").forEach((v) => { v.hidden = v.id !== "view-" + name; });
    $("title").dataset.i18n = titleKey;
    $("title").textContent = t(titleKey);
    document.title = t(titleKey) + " — CityPass";
    $("sign-out").hidden = !token();
  }

  function signOut(message) {
    sessionStorage.removeItem(tokenKey);
    $("cards").replaceChildren();
    showView("sign-in", "title.signIn");
    if (location.hash) history.replaceState(null, "", location.pathname);
    say("message", message);
  }

  // ——— Account ———
  async function signIn(event) {
    event.preventDefault();
    say("sign-in-status", "");
    say("message", "");
    try {
      const answer = await api("POST", "/account/login", { email: $("email").value.trim(), password: $("password").value });
      sessionStorage.setItem(tokenKey, answer.accessToken);
      $("password").value = "";
      if (location.pathname !== "/portal") history.replaceState(null, "", "/portal");
      await showCards();
      $("main").focus();
    } catch (e) {
      const detail = e instanceof Problem ? String(e.body.detail || "") : "";
      say("sign-in-status", e instanceof Problem && e.status === 401
        ? t(detail === "LockedOut" ? "signIn.locked" : detail === "NotAllowed" ? "signIn.unconfirmed" : "signIn.wrong") : words(e));
    }
  }

  async function signUp(event) {
    event.preventDefault();
    say("sign-up-status", "");
    try {
      await api("POST", "/account/register", { email: $("new-email").value.trim(), password: $("new-password").value });
      $("new-password").value = "";
      say("sign-up-status", t("signUp.sent"));
    } catch (e) {
      const errors = (e instanceof Problem && e.body.errors) ? Object.keys(e.body.errors) : [];
      say("sign-up-status", errors.some((k) => k.startsWith("Duplicate")) ? t("signUp.duplicate")
        : errors.some((k) => k.startsWith("InvalidEmail")) ? t("signUp.email")
        : errors.some((k) => k.startsWith("Password")) ? t("signUp.password") : words(e));
    }
  }

  async function forgot(event) {
    event.preventDefault();
    say("forgot-status", "");
    try {
      await api("POST", "/account/forgotPassword", { email: $("forgot-email").value.trim() });
      say("forgot-status", t("forgot.sent"));
    } catch (e) { say("forgot-status", words(e)); }
  }

  async function reset(event) {
    event.preventDefault();
    say("reset-status", "");
    const query = new URLSearchParams(location.search);
    try {
      await api("POST", "/account/resetPassword", { email: query.get("email"), resetCode: query.get("code"), newPassword: $("reset-password").value });
      $("reset-password").value = "";
      say("reset-status", t("reset.done"));
    } catch (e) {
      const errors = (e instanceof Problem && e.body.errors) ? Object.keys(e.body.errors) : [];
      say("reset-status", errors.some((k) => k.startsWith("Password")) ? t("signUp.password")
        : e instanceof Problem && e.status === 400 ? t("reset.invalid") : words(e));
    }
  }

  async function confirmEmail() {
    showView("confirm", "title.confirm");
    say("confirm-status", t("confirm.working"));
    try {
      const response = await fetch("/account/confirmEmail" + location.search, { headers: { "Accept-Language": I.lang() } });
      say("confirm-status", t(response.ok ? "confirm.done" : response.status === 429 ? "error.tooMany" : "confirm.invalid"));
    } catch { say("confirm-status", t("error.network")); }
  }

  // ——— Cards ———
  const statusText = (card) => card.status === "Active" ? t("card.active")
    : t("card.blocked." + (["lost", "stolen", "damaged"].includes(card.blockReason) ? card.blockReason : "other"));

  function describeRight(r) {
    const values = { name: r.name, left: r.entriesLeft, from: I.longDay(r.validFrom), to: I.longDay(r.validTo) };
    if (r.kind === "Carnet") return t(r.entriesLeft === 1 ? "right.carnet1" : "right.carnet", values);
    if (r.kind === "EventTicket") return t("right.ticket", values);
    return t("right.season", values);
  }

  // A statement line in words, from the kind the server gives it (HistoryWording).
  function lineText(line) {
    const w = line.words || { kind: "other", flow: "none" };
    const values = { venue: w.venue || "", product: w.product || "", profile: w.profile || "", pct: w.reductionPercent ?? "",
      off: money(w.capTookOffCents), left: w.entriesLeft, other: w.otherCard || "" };
    if (w.kind === "entry-pass") return t(w.entriesLeft === 1 ? "line.entry-pass1" : w.entriesLeft === 0 ? "line.entry-pass0" : "line.entry-pass", values);
    if (w.kind === "blocked" && reasonsKnown.includes(w.reason)) return t("line.blocked." + w.reason);
    if ((w.kind === "transfer-in" || w.kind === "transfer-out") && !w.otherCard) return t("line." + w.kind + ".unknown");
    return t("line." + w.kind, values);
  }

  function historyItem(line) {
    const w = line.words || { flow: "none" };
    const when = line.pseudonymised ? I.longDay(line.serviceDate || line.at.slice(0, 10)) : I.longDateTime(line.at);
    const sign = w.flow === "credit" ? "+" : w.flow === "debit" ? "−" : "";
    const amount = w.flow === "none"
      ? (line.kind === "charged" ? t("history.free") : "")
      : sign + money(Math.abs(line.amountCents));
    return el("li", { class: "line flow-" + w.flow, "data-kind": w.kind },
      el("span", { class: "what" }, lineText(line)),
      el("span", { class: "when" }, el("time", { dateTime: line.at }, when)),
      amount ? el("span", { class: "amount" },
        w.flow === "none" ? null : el("span", { class: "visually-hidden" }, t(w.flow === "credit" ? "history.credit" : "history.debit") + " "),
        amount) : null);
  }

  async function historySection(card) {
    const list = el("ol", { class: "history" });
    const more = el("button", { type: "button", class: "secondary older", hidden: true }, t("history.older"));
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    let before = null;
    async function load() {
      try {
        const page = await api("GET", "/me/cards/" + card.id + "/history?limit=10" + (before ? "&before=" + before : ""));
        list.append(...page.lines.map(historyItem));
        if (!list.children.length) list.append(el("li", { class: "line" }, t("history.none")));
        before = page.nextBefore;
        more.hidden = !before;
      } catch (e) { if (!(e instanceof Problem && e.status === 401)) say(status, words(e)); }
    }
    more.addEventListener("click", load);
    await load();
    return el("section", { class: "part", "aria-labelledby": "history-" + card.id },
      el("h3", { id: "history-" + card.id }, t("history.title")), list, more, status);
  }

  function nameForm(card) {
    const input = el("input", { id: "name-" + card.id, value: card.name || "", maxLength: 40, autocomplete: "off" });
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const form = el("form", { class: "name-form", noValidate: true },
      el("label", { for: "name-" + card.id }, t("name.label")), input,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "secondary" }, t("name.submit"))), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        await api("PUT", "/me/cards/" + card.id + "/name", { name: input.value });
        say(status, t("name.saved"));
        const heading = document.querySelector(`[data-card-id="${card.id}"] h2`);
        if (heading) heading.textContent = input.value.trim() || t("card.title", { number: card.printedNumber });
      } catch (e) { say(status, words(e)); }
    });
    return el("details", { class: "part" }, el("summary", {}, t("name.summary")), form);
  }

  function reloadForm(card) {
    const select = el("select", { id: "amount-" + card.id, class: "reload-amount" },
      ...[1000, 2000, 5000].map((c) => el("option", { value: String(c) }, money(c))));
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const button = el("button", { type: "submit", class: "reload" }, t("reload.submit"));
    const form = el("form", { class: "part reload-form", "aria-labelledby": "reload-" + card.id, noValidate: true },
      el("h3", { id: "reload-" + card.id }, t("reload.title")),
      el("label", { for: "amount-" + card.id }, t("reload.amount")), select, el("div", { class: "actions" }, button), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      button.disabled = true;
      say(status, "");
      try {
        const started = await api("POST", "/me/cards/" + card.id + "/reloads", { amountCents: Number(select.value) }, { "Idempotency-Key": newKey() });
        if (started.checkoutUrl) { say(status, t("reload.started")); location.assign(started.checkoutUrl + "&lang=" + I.lang()); }
        else { say(status, t("reload.app")); button.disabled = false; }
      } catch (e) {
        button.disabled = false;
        say(status, !(e instanceof Problem) ? words(e)
          : e.status === 422 ? t(/block/i.test(e.message) ? "reload.blocked" : "reload.ceiling")
          : e.status === 400 ? t("reload.invalid") : e.status >= 502 ? t("reload.provider") : words(e));
      }
    });
    return form;
  }

  async function reloadsSection(card) {
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const list = el("ul", { class: "reloads" });
    let reloads = [];
    try { reloads = await api("GET", "/me/cards/" + card.id + "/reloads"); } catch (e) { say(status, words(e)); }
    for (const r of reloads.slice(0, 10)) {
      const item = el("li", { class: "reload-line reload-" + r.status, "data-reload-id": r.id },
        el("span", {}, t("reload.line", { amount: money(r.amountCents), when: I.longDateTime(r.requestedAt), status: t("reload.status." + r.status) })));
      const open = r.status === "AwaitingPayment" || r.status === "Failed" || r.status === "Requested";
      if (open) {
        const actions = el("span", { class: "actions" });
        if (r.checkoutUrl) actions.append(el("a", { class: "button pay", href: r.checkoutUrl + "&lang=" + I.lang() }, t("reloads.pay")));
        const cancel = el("button", { type: "button", class: "secondary cancel" }, t("reloads.cancel"));
        cancel.addEventListener("click", async () => {
          cancel.disabled = true;
          try { await api("POST", "/me/reloads/" + r.id + "/cancel"); await showCards(t("reloads.canceled")); }
          catch (e) { cancel.disabled = false; say(status, e instanceof Problem && e.status === 409 ? t("reloads.cannotCancel") : words(e)); }
        });
        actions.append(cancel);
        item.append(actions);
      }
      list.append(item);
    }
    if (!list.children.length) list.append(el("li", {}, t("reloads.none")));
    return el("section", { class: "part", "aria-labelledby": "reloads-" + card.id }, el("h3", { id: "reloads-" + card.id }, t("reloads.title")), list, status);
  }

  // The printed number's problems, in words: for adding a card and for naming a replacement.
  function numberProblem(e) {
    if (!(e instanceof Problem)) return words(e);
    if (e.status === 404) return t("add.notFound");
    if (e.status === 400) return t("add.format");
    if (e.status === 409) return t("add.taken");
    if (e.status === 429) return t("add.tooMany");
    if (e.status === 422) return t("add.refused", { why: e.message });
    return words(e);
  }

  function lostForm(card) {
    const open = el("button", { type: "button", class: "danger report-lost", "aria-expanded": "false" }, t("lost.open"));
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const radios = ["lost", "stolen"].map((reason, i) => el("p", { class: "check" },
      el("input", { type: "radio", name: "reason-" + card.id, id: `reason-${reason}-${card.id}`, value: reason, checked: i === 0 }),
      " ", el("label", { for: `reason-${reason}-${card.id}` }, t("lost." + reason))));
    const confirm = el("button", { type: "submit", class: "danger confirm-lost" }, t("lost.submit"));
    const form = el("form", { class: "lost-form", hidden: true, noValidate: true },
      el("fieldset", {}, el("legend", {}, t("lost.legend")), ...radios), el("p", {}, t("lost.explain")), el("div", { class: "actions" }, confirm));
    open.addEventListener("click", () => { form.hidden = !form.hidden; open.setAttribute("aria-expanded", String(!form.hidden)); });
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      confirm.disabled = true;
      const reason = form.querySelector("input:checked").value;
      try { await api("POST", "/me/cards/" + card.id + "/lost", { reason }); await showCards(t("lost.done"), card.id); }
      catch (e) { confirm.disabled = false; say(status, words(e)); }
    });
    return el("section", { class: "part lost" }, el("div", { class: "actions" }, open), form, status);
  }

  async function replacementSection(card, cards) {
    let replacement = null;
    try { replacement = await api("GET", "/me/cards/" + card.id + "/replacement"); } catch { return null; }
    const status = el("p", { class: "status", role: "status", "aria-live": "polite" });
    const section = el("section", { class: "part replacement", "aria-labelledby": "replace-" + card.id },
      el("h3", { id: "replace-" + card.id }, t("replace.title")));
    if (replacement.newCardId) {
      const other = cards.find((c) => c.id === replacement.newCardId);
      section.append(el("p", { class: "replaced" }, replacement.step === "Completed" || !other
        ? t("replace.done", { number: other ? other.printedNumber : "" }) : t("replace.moving")));
      return section;
    }
    const input = el("input", { id: "replace-number-" + card.id, class: "replacement-number", inputmode: "numeric", autocomplete: "off", required: true });
    const form = el("form", { noValidate: true },
      el("p", {}, t("replace.waiting")),
      el("label", { for: "replace-number-" + card.id }, t("replace.number")), input,
      el("div", { class: "actions" }, el("button", { type: "submit", class: "name-replacement" }, t("replace.submit"))), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      say(status, "");
      try { await api("POST", "/me/cards/" + card.id + "/replacement", { printedNumber: input.value }); await showCards(t("replace.named"), card.id); }
      catch (e) { say(status, numberProblem(e)); }
    });
    section.append(form);
    return section;
  }

  async function renderCard(card, cards) {
    const title = card.name || t("card.title", { number: card.printedNumber });
    const article = el("article", { class: "card", "data-card-id": card.id, "aria-labelledby": "card-" + card.id },
      el("h2", { id: "card-" + card.id }, title),
      el("p", { class: "printed" }, t("card.number", { number: card.printedNumber })),
      el("p", { class: "status-line status-" + card.status }, statusText(card)),
      el("p", { class: "balance-line" }, el("span", { class: "label" }, t("card.balance") + " "), el("span", { class: "balance" }, money(card.balanceCents))));
    if (card.debtCents > 0) article.append(el("p", { class: "debt" }, t("card.debt", { amount: money(card.debtCents) })));
    if (card.reservedCents > 0) article.append(el("p", { class: "reserved" }, t("card.reserved", { amount: money(card.reservedCents) })));
    const rights = (card.rights || []).filter((r) => !r.used);
    article.append(el("section", { class: "part", "aria-labelledby": "rights-" + card.id }, el("h3", { id: "rights-" + card.id }, t("rights.title")),
      rights.length ? el("ul", { class: "rights" }, ...rights.map((r) => el("li", {}, describeRight(r)))) : el("p", { class: "rights" }, t("rights.none"))));
    if (card.status === "Active") article.append(reloadForm(card));
    article.append(await reloadsSection(card));
    article.append(await historySection(card));
    if (card.status === "Blocked" && reasonsKnown.concat("damaged").includes(card.blockReason)) {
      const replacement = await replacementSection(card, cards);
      if (replacement) article.append(replacement);
    }
    article.append(nameForm(card));
    if (card.status === "Active") article.append(lostForm(card));
    return article;
  }

  async function showCards(message, focusCard) {
    showView("cards", "title.cards");
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    say("message", message || "");
    try {
      const cards = await api("GET", "/me/cards");
      const rendered = [];
      for (const card of cards) rendered.push(await renderCard(card, cards));
      $("cards").replaceChildren(...(rendered.length ? rendered : [el("p", { class: "card none" }, t("cards.none"))]));
      if (focusCard) document.querySelector(`[data-card-id="${focusCard}"] h2`)?.scrollIntoView();
    } catch (e) { if (!(e instanceof Problem && e.status === 401)) say("message", words(e)); }
  }

  async function addCard(event) {
    event.preventDefault();
    say("add-status", "");
    const number = $("add-number").value;
    if ((number.match(/\d/g) || []).length !== 12) { say("add-status", t("add.format")); return; }
    try {
      const response = await fetch("/me/cards", { method: "POST", headers: { "Content-Type": "application/json", Authorization: "Bearer " + token() },
        body: JSON.stringify({ printedNumber: number }) });
      const body = await response.json().catch(() => null);
      if (!response.ok) throw new Problem(response.status, body);
      $("add-number").value = "";
      await showCards(t(response.status === 201 ? "add.done" : "add.already"), body && body.id);
      say("add-status", t(response.status === 201 ? "add.done" : "add.already"));
    } catch (e) { say("add-status", numberProblem(e)); }
  }

  async function exportData() {
    say("export-status", "");
    try {
      const data = await api("GET", "/me/export");
      const file = "citypass-" + (I.lang() === "fr" ? "mes-donnees" : "my-data") + ".json";
      const url = URL.createObjectURL(new Blob([JSON.stringify(data, null, 2)], { type: "application/json" }));
      const link = el("a", { href: url, download: file });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      say("export-status", t("export.done", { file }));
    } catch (e) { say("export-status", words(e)); }
  }

  async function closeAccount(event) {
    event.preventDefault();
    say("close-status", "");
    if (!$("close-sure").checked) { say("close-status", t("close.confirmFirst")); return; }
    try {
      const closed = await api("POST", "/me/account/close", { iban: $("close-iban").value, accountHolder: $("close-holder").value });
      sessionStorage.removeItem(tokenKey);
      showView("closed", "title.closed");
      say("closed-status", closed.refundedCents > 0 ? t("close.done", { amount: money(closed.refundedCents) }) : t("close.doneNothing"));
      $("main").focus();
    } catch (e) {
      say("close-status", !(e instanceof Problem) ? words(e)
        : e.status === 400 ? t(/holder/i.test(e.body.title || "") ? "close.holder.missing" : "close.iban.invalid")
        : e.status === 422 ? t(/debt/i.test(e.body.title || "") ? "close.debt" : "close.pending") : words(e));
    }
  }

  // ——— Where to start: the e-mails' links, the hash of the account pages, or the cards when signed in ———
  function route() {
    if (location.pathname === "/portal/confirm-email") return confirmEmail();
    if (location.pathname === "/portal/reset-password") return showView("reset", "title.reset");
    if (location.hash === "#sign-up") return showView("sign-up", "title.signUp");
    if (location.hash === "#forgot") return showView("forgot", "title.forgot");
    if (token()) return showCards();
    return showView("sign-in", "title.signIn");
  }

  document.addEventListener("DOMContentLoaded", () => {
    I.switcher();
    I.apply();
    I.onChange(() => {
      if (current) { $("title").textContent = t(current.titleKey); document.title = t(current.titleKey) + " — CityPass"; }
      if (current && current.name === "cards") showCards();
    });
    $("sign-in-form").addEventListener("submit", signIn);
    $("sign-up-form").addEventListener("submit", signUp);
    $("forgot-form").addEventListener("submit", forgot);
    $("reset-form").addEventListener("submit", reset);
    $("add-form").addEventListener("submit", addCard);
    $("close-form").addEventListener("submit", closeAccount);
    $("export").addEventListener("click", exportData);
    $("sign-out").addEventListener("click", () => signOut(t("signedOut")));
    window.addEventListener("hashchange", () => { say("message", ""); route(); });
    document.querySelectorAll('a[href="#sign-in"]').forEach((a) => a.addEventListener("click", (e) => {
      if (location.pathname !== "/portal") { e.preventDefault(); location.assign("/portal"); }
    }));
    route();
  });
})();

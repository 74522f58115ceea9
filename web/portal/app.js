// Shopper self-service returns portal: a static page talking to the API on its own origin.
// Contract: docs/portal-api.md. No build step, no libraries.
"use strict";

const STORAGE_KEY = "returns-portal";
const PHOTO_TYPES = ["image/jpeg", "image/png", "image/webp"];
const MAX_PHOTO_BYTES = 5 * 1024 * 1024;
const MAX_PHOTOS = 3;
const POLL_PREPARING_MS = 2000;
const POLL_STATUS_MS = 10000;

const state = {
  language: "en",
  languages: [],
  messages: {},
  session: null,
  order: null,
  email: "",
  verification: null, // {challenge, sent_to} while a one-time code is pending
  intent: "return", // "withdraw" when the shopper came through the withdrawal link
  draft: null, // the choose form's values, so a language switch or reload keeps them
  uploading: 0,
  view: null,
  token: null,
  track: null,
};

const $ = (id) => document.getElementById(id);

// ---------------------------------------------------------------- i18n

function format(text, params) {
  // Python str.format style, like the server's catalog: {name} placeholders, {{ and }} escapes.
  return text.replace(/\{\{|\}\}|\{(\w+)\}/g, (match, name) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    return params && Object.prototype.hasOwnProperty.call(params, name) ? String(params[name]) : match;
  });
}

// localise() takes ids from the HTML's data-i18n attributes. Code uses t, always with a literal
// English id, because the catalog extractor scans for t("...") calls.
function localise(id, params) {
  const text = Object.prototype.hasOwnProperty.call(state.messages, id) && state.messages[id] ? state.messages[id] : id;
  return format(text, params);
}

const t = localise;

function applyI18n(root = document) {
  root.querySelectorAll("[data-i18n]").forEach((el) => {
    el.textContent = localise(el.dataset.i18n);
  });
  for (const attribute of ["placeholder", "aria-label", "title", "alt"]) {
    root.querySelectorAll(`[data-i18n-${attribute}]`).forEach((el) => {
      el.setAttribute(attribute, localise(el.getAttribute(`data-i18n-${attribute}`)));
    });
  }
  document.documentElement.lang = state.language;
}

async function loadCatalog(tag) {
  const url = new URL("/shopper/messages", location.origin);
  if (tag) url.searchParams.set("lang", tag);
  const response = await fetch(url, { headers: { Accept: "application/json" } });
  if (!response.ok) throw new Error(`catalog ${response.status}`);
  const data = await response.json();
  state.language = data.language || "en";
  state.languages = Array.isArray(data.languages) ? data.languages : [];
  state.messages = data.messages || {};
}

function renderLanguages() {
  const select = $("language-select");
  select.replaceChildren();
  for (const language of state.languages) {
    const option = new Option(language.name, language.tag, false, language.tag === state.language);
    option.lang = language.tag;
    select.append(option);
  }
}

async function switchLanguage(tag) {
  setStatus(t("Loading…"));
  try {
    await loadCatalog(tag);
  } catch {
    setStatus(t("The service is not reachable. Please try again later."));
    return;
  }
  const url = new URL(location.href);
  url.searchParams.set("lang", state.language);
  history.replaceState(history.state, "", url);
  renderLanguages();
  render(false);
  setStatus("");
  // The status page's texts come localised from the API: fetch them again.
  if (state.view === "track") loadTrack(false);
}

// ---------------------------------------------------------------- API

class ApiError extends Error {
  constructor(status, code, message, details = [], retryAfter = null) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
    this.retryAfter = retryAfter;
  }
}

function retryAfterSeconds(header) {
  if (!header) return null;
  const seconds = Number.parseInt(header, 10);
  if (Number.isFinite(seconds)) return Math.max(seconds, 0);
  const when = Date.parse(header);
  return Number.isNaN(when) ? null : Math.max(Math.ceil((when - Date.now()) / 1000), 0);
}

async function api(path, { method = "GET", body, auth = false } = {}) {
  const url = new URL(path, location.origin);
  url.searchParams.set("lang", state.language);
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (auth && state.session) headers.Authorization = `Bearer ${state.session}`;
  let response;
  try {
    response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new ApiError(0, "NETWORK", t("We could not reach the server. Check your connection and try again."));
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    const error = (data && data.error) || {};
    throw new ApiError(
      response.status,
      error.code || `HTTP_${response.status}`,
      error.message || t("Something went wrong. Please try again."),
      Array.isArray(error.details) ? error.details : [],
      retryAfterSeconds(response.headers.get("Retry-After")),
    );
  }
  return { status: response.status, data };
}

// ---------------------------------------------------------------- state kept across reloads

function save() {
  const kept = { session: state.session, order: state.order, email: state.email, draft: state.draft, intent: state.intent };
  try {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(kept));
  } catch {
    // Private mode or full storage: the portal still works for this page view.
  }
}

function restore() {
  try {
    const kept = JSON.parse(sessionStorage.getItem(STORAGE_KEY) || "null");
    if (kept && kept.session && kept.order) Object.assign(state, kept);
  } catch {
    sessionStorage.removeItem(STORAGE_KEY);
  }
}

function forget() {
  Object.assign(state, { session: null, order: null, email: "", draft: null, verification: null, intent: "return" });
  sessionStorage.removeItem(STORAGE_KEY);
}

function startSession(session, order) {
  state.session = session;
  state.order = order;
  state.verification = null;
  state.draft = newDraft(order);
  save();
}

function newDraft(order) {
  const lines = {};
  for (const line of order.lines || []) lines[line.line_id] = { qty: 0, reason: "", note: "", photos: [] };
  const first = (order.resolutions || [])[0];
  return { lines, resolution: first ? first.code : "", exchange_sku: "", withdraw: {} };
}

// ---------------------------------------------------------------- small DOM helpers

function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined || value === false) continue;
    if (name === "text") node.textContent = value;
    else if (name === "className") node.className = value;
    else node.setAttribute(name, value === true ? "" : value);
  }
  node.append(...children.filter(Boolean));
  return node;
}

function setStatus(text) {
  $("status").textContent = text;
}

function showError(id, ...messages) {
  const box = $(id);
  box.replaceChildren(...messages.filter(Boolean).map((message) => el("p", { text: message })));
}

function apiErrorMessages(error) {
  const lines = [error.message];
  for (const detail of error.details || []) if (detail.message && detail.message !== error.message) lines.push(detail.message);
  if (error.status === 429 && error.retryAfter !== null) lines.push(t("Try again in {seconds} seconds.", { seconds: error.retryAfter }));
  return lines;
}

function setBusy(form, busy) {
  form.setAttribute("aria-busy", busy ? "true" : "false");
  form.querySelectorAll("button[type=submit]").forEach((button) => (button.disabled = busy));
}

function lineById(lineId) {
  return state.order.lines.find((line) => line.line_id === lineId);
}

function go(hash) {
  if (location.hash === hash) route(true);
  else location.hash = hash;
}

// ---------------------------------------------------------------- 1. find your order

function renderLookup() {
  $("withdraw-intent").hidden = state.intent !== "withdraw";
  const pending = Boolean(state.verification);
  $("lookup-form").hidden = pending;
  $("code-form").hidden = !pending;
  if (pending) $("code-sent").textContent = t("We sent a code to {sent_to}", { sent_to: state.verification.sent_to });
  $("lookup-continue").hidden = !state.order;
  if (state.order) $("lookup-continue-link").textContent = t("Continue with order {order_number}", { order_number: state.order.order_number });
}

function afterLogin() {
  go(state.intent === "withdraw" ? "#/withdraw" : "#/choose");
}

function markInvalid(input, invalid) {
  if (invalid) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

async function onLookup(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const email = $("lookup-email").value.trim();
  const orderNumber = $("lookup-order").value.trim();
  markInvalid($("lookup-email"), !email);
  markInvalid($("lookup-order"), !orderNumber);
  if (!email || !orderNumber) {
    showError("lookup-error", t("Enter the email address and the order number."));
    (email ? $("lookup-order") : $("lookup-email")).focus();
    return;
  }
  showError("lookup-error");
  setBusy(form, true);
  setStatus(t("Looking up your order…"));
  try {
    const { status, data } = await api("/shopper/lookup", { method: "POST", body: { email, order_number: orderNumber } });
    state.email = email;
    if (status === 202) {
      state.verification = data.verification;
      renderLookup();
      setStatus(t("We sent a code to {sent_to}", { sent_to: data.verification.sent_to }));
      $("code-input").focus();
    } else {
      startSession(data.session, data.order);
      setStatus("");
      afterLogin();
    }
  } catch (error) {
    setStatus("");
    showError("lookup-error", ...apiErrorMessages(error));
  } finally {
    setBusy(form, false);
  }
}

async function onVerify(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const code = $("code-input").value.replace(/\s+/g, "");
  markInvalid($("code-input"), !code);
  if (!code) {
    showError("code-error", t("Enter the code from the email."));
    $("code-input").focus();
    return;
  }
  showError("code-error");
  setBusy(form, true);
  setStatus(t("Checking the code…"));
  try {
    const { data } = await api("/shopper/verify", { method: "POST", body: { challenge: state.verification.challenge, code } });
    startSession(data.session, data.order);
    $("code-input").value = "";
    setStatus("");
    afterLogin();
  } catch (error) {
    setStatus("");
    markInvalid($("code-input"), error.status === 422);
    showError("code-error", ...apiErrorMessages(error));
  } finally {
    setBusy(form, false);
  }
}

// ---------------------------------------------------------------- 2. choose what to return

function renderChoose() {
  const order = state.order;
  $("choose-order").textContent = t("Order {order_number} of {date}", { order_number: order.order_number, date: order.ordered_on });
  renderExistingReturns();
  $("choose-lines").replaceChildren(...order.lines.map(renderLine));
  renderResolutions();
  renderExchange();
  $("policy-summary").textContent = (order.policy && order.policy.summary) || "";
  $("choose-withdraw").hidden = !order.withdrawal_available;
}

function renderExistingReturns() {
  const returns = state.order.returns || [];
  $("existing-returns").hidden = returns.length === 0;
  $("existing-returns-list").replaceChildren(
    ...returns.map((ret) =>
      el("li", {}, el("a", {
        href: `#/track/${encodeURIComponent(ret.track_token)}`,
        text: t("Return {return_id}: {status}", { return_id: ret.return_id, status: ret.status_label || ret.status }),
      })),
    ),
  );
}

// A line can come back when some reason is still allowed: every reason inside the window, only
// "faulty"-type reasons after it (the statutory guarantee outlives the change-of-mind window).
function returnable(line) {
  return (line.allowed_reasons || []).length > 0 && line.returnable_quantity > 0;
}

function lineMeta(line) {
  return el("ul", { className: "line-meta" },
    el("li", { text: t("Item number: {sku}", { sku: line.sku }) }),
    el("li", { text: t("Price per item: {price}", { price: line.unit_price }) }),
    returnable(line) ? el("li", { text: t("Returnable: {count}", { count: line.returnable_quantity }) }) : null,
    line.eligible && line.deadline_display ? el("li", { text: t("Return by {date}", { date: line.deadline_display }) }) : null,
  );
}

function renderLine(line) {
  const id = line.line_id;
  const box = el("fieldset", { className: "line", id: `line-${id}`, "data-testid": `line-${id}` }, el("legend", { text: line.name }));
  box.append(lineMeta(line));
  for (const text of line.notes || []) box.append(el("p", { className: "hint", text }));
  if (!returnable(line)) {
    box.classList.add("line-ineligible");
    box.setAttribute("aria-disabled", "true");
    box.append(el("p", { className: "why-not-title", text: t("This item cannot be returned:") }));
    box.append(el("ul", { className: "why-not" }, ...(line.why_not || []).map((text) => el("li", { text }))));
    return box;
  }
  if ((line.why_not || []).length) {
    box.append(el("ul", { className: "why-not" }, ...line.why_not.map((text) => el("li", { text }))));
  }
  const draft = state.draft.lines[id];
  const errorId = `line-error-${id}`;

  const qty = el("select", { id: `qty-${id}`, "data-testid": `qty-${id}`, "data-line": id, "data-field": "qty" });
  for (let n = 0; n <= line.returnable_quantity; n += 1) qty.append(new Option(String(n), String(n), false, n === draft.qty));

  const reason = el("select", { id: `reason-${id}`, "data-testid": `reason-${id}`, "data-line": id, "data-field": "reason", "aria-describedby": errorId });
  reason.append(new Option(t("Choose a reason"), "", false, !draft.reason));
  const allowed = new Set(line.allowed_reasons || []);
  for (const r of (state.order.reasons || []).filter((item) => allowed.has(item.code))) {
    reason.append(new Option(r.label, r.code, false, r.code === draft.reason));
  }

  const note = el("textarea", { id: `note-${id}`, "data-testid": `note-${id}`, "data-line": id, "data-field": "note", maxlength: "1000", rows: "3" });
  note.value = draft.note;

  const photos = el("input", {
    id: `photos-${id}`, "data-testid": `photos-${id}`, "data-line": id, "data-field": "photos", type: "file",
    accept: PHOTO_TYPES.join(","), multiple: true, "aria-describedby": `photos-hint-${id} ${errorId}`,
  });

  box.append(
    el("div", { className: "field" }, el("label", { for: qty.id, text: t("Quantity to return") }), qty),
    el("div", { className: "field" }, el("label", { for: reason.id, text: t("Reason") }), reason),
    el("div", { className: "field" }, el("label", { for: note.id, text: t("Note (optional)") }), note),
    el("div", { className: "field" },
      el("label", { for: photos.id, text: t("Photos (optional)") }),
      photos,
      el("p", { id: `photos-hint-${id}`, className: "hint", text: t("Up to 3 photos: JPEG, PNG or WebP, at most 5 MB each.") }),
      el("ul", { id: `photos-list-${id}`, className: "photo-list" }, ...renderPhotoItems(id)),
    ),
    el("div", { id: errorId, className: "alert", role: "alert" }),
  );
  return box;
}

function renderPhotoItems(lineId) {
  return state.draft.lines[lineId].photos.map((photo, index) =>
    el("li", {},
      el("span", { text: photo.name }),
      el("button", {
        type: "button", className: "remove", text: "×", "data-line": lineId, "data-remove-photo": String(index),
        "aria-label": t("Remove photo {file}", { file: photo.name }),
      }),
    ),
  );
}

function renderResolutions() {
  const group = $("resolution-options");
  group.replaceChildren(
    ...(state.order.resolutions || []).map((res) => {
      const input = el("input", {
        type: "radio", name: "resolution", id: `resolution-${res.code}`, value: res.code,
        "data-testid": `resolution-${res.code}`, checked: res.code === state.draft.resolution,
      });
      return el("div", { className: "choice" }, input, el("label", { for: input.id, text: res.label }));
    }),
  );
}

function selectedLines() {
  return state.order.lines.filter((line) => returnable(line) && state.draft.lines[line.line_id].qty > 0);
}

function renderExchange() {
  const show = state.draft.resolution === "EXCHANGE";
  $("exchange-wrap").hidden = !show;
  if (!show) return;
  const first = selectedLines()[0];
  const variants = (first && first.variants) || [];
  const select = $("exchange-sku");
  select.replaceChildren(new Option(t("Choose a variant"), "", false, !state.draft.exchange_sku));
  for (const v of variants) select.append(new Option(v.name, v.sku, false, v.sku === state.draft.exchange_sku));
  if (!variants.some((v) => v.sku === state.draft.exchange_sku)) state.draft.exchange_sku = "";
  select.disabled = variants.length === 0;
  let hint = "";
  if (!first) hint = t("Choose the item you want to exchange first.");
  else if (variants.length === 0) hint = t("There is no other variant of {name} to exchange it for.", { name: first.name });
  else hint = t("Variants of {name}", { name: first.name });
  $("exchange-hint").textContent = hint;
}

function onChooseInput(event) {
  const target = event.target;
  if (target.name === "resolution") {
    state.draft.resolution = target.value;
    renderExchange();
  } else if (target.id === "exchange-sku") {
    state.draft.exchange_sku = target.value;
  } else if (target.dataset.line && target.dataset.field !== "photos") {
    const draft = state.draft.lines[target.dataset.line];
    if (target.dataset.field === "qty") {
      draft.qty = Number(target.value);
      renderExchange();
    } else {
      draft[target.dataset.field] = target.value;
      if (target.dataset.field === "reason") markInvalid(target, false);
    }
  } else {
    return;
  }
  save();
}

function onChooseClick(event) {
  const button = event.target.closest("[data-remove-photo]");
  if (!button) return;
  const lineId = button.dataset.line;
  state.draft.lines[lineId].photos.splice(Number(button.dataset.removePhoto), 1);
  save();
  $(`photos-list-${lineId}`).replaceChildren(...renderPhotoItems(lineId));
  $(`photos-${lineId}`).focus();
}

async function uploadPhoto(file) {
  const { data } = await api("/shopper/uploads", { method: "POST", auth: true, body: { content_type: file.type, size: file.size } });
  if (data.max_bytes && file.size > data.max_bytes) throw new Error(t("The photo is too large."));
  const form = new FormData();
  for (const [name, value] of Object.entries(data.fields || {})) form.append(name, value);
  form.append("file", file);
  let response;
  try {
    response = await fetch(data.url, { method: "POST", body: form });
  } catch {
    response = null;
  }
  if (!response || !response.ok) throw new Error(t("The upload did not go through. Please try again."));
  return data.key;
}

async function onPhotosChosen(input) {
  const lineId = input.dataset.line;
  const draft = state.draft.lines[lineId];
  const files = Array.from(input.files || []);
  input.value = "";
  if (files.length === 0) return;
  const errors = [];
  state.uploading += 1;
  try {
    for (const file of files) {
      if (draft.photos.length >= MAX_PHOTOS) {
        errors.push(t("You can add up to 3 photos per item."));
        break;
      }
      if (!PHOTO_TYPES.includes(file.type)) {
        errors.push(t("{file} is not a JPEG, PNG or WebP image.", { file: file.name }));
        continue;
      }
      if (file.size > MAX_PHOTO_BYTES) {
        errors.push(t("{file} is larger than 5 MB.", { file: file.name }));
        continue;
      }
      setStatus(t("Uploading {file}…", { file: file.name }));
      try {
        draft.photos.push({ key: await uploadPhoto(file), name: file.name });
        save();
        $(`photos-list-${lineId}`).replaceChildren(...renderPhotoItems(lineId));
      } catch (error) {
        errors.push(t("{file} could not be uploaded: {reason}", { file: file.name, reason: error.message }));
      }
    }
  } finally {
    state.uploading -= 1;
  }
  setStatus(errors.length ? "" : t("Photos uploaded."));
  showError(`line-error-${lineId}`, ...errors);
  markInvalid(input, errors.length > 0);
}

function validateChoose() {
  const problems = [];
  let focus = null;
  const chosen = selectedLines();
  for (const line of state.order.lines.filter((l) => returnable(l))) showError(`line-error-${line.line_id}`);
  if (chosen.length === 0) {
    problems.push(t("Choose at least one item and how many you want to return."));
    focus = focus || document.querySelector("#choose-lines select[data-field=qty]");
  }
  for (const line of chosen) {
    const select = $(`reason-${line.line_id}`);
    const missing = !state.draft.lines[line.line_id].reason;
    markInvalid(select, missing);
    if (missing) {
      showError(`line-error-${line.line_id}`, t("Choose a reason for returning this item."));
      problems.push(t("Choose a reason for {name}.", { name: line.name }));
      focus = focus || select;
    }
  }
  if (state.draft.resolution === "EXCHANGE" && !state.draft.exchange_sku) {
    problems.push(t("Choose the variant you want in exchange."));
    focus = focus || $("exchange-sku");
  }
  if (state.uploading > 0) problems.push(t("Please wait until your photos are uploaded."));
  return { problems, focus };
}

function returnRequest(items, resolution, exchangeSku, withdrawal) {
  return {
    order_number: state.order.order_number, email: state.email, language: state.language,
    items, resolution, exchange_sku: exchangeSku, withdrawal,
  };
}

async function submitReturn(form, errorId, request) {
  setBusy(form, true);
  setStatus(t("Sending your return…"));
  try {
    const { data } = await api("/returns", { method: "POST", body: request });
    rememberReturn(data);
    setStatus(t("Your return has been registered."));
    go(`#/track/${encodeURIComponent(data.track_token)}`);
  } catch (error) {
    setStatus("");
    showError(errorId, ...apiErrorMessages(error));
    for (const detail of error.details || []) {
      if (detail.line_id && $(`line-error-${detail.line_id}`)) showError(`line-error-${detail.line_id}`, detail.message);
    }
  } finally {
    setBusy(form, false);
  }
}

function rememberReturn(created) {
  // The order in memory predates this return: list it so "returns already started" is right.
  const returns = (state.order.returns = state.order.returns || []);
  if (created.return_id && !returns.some((r) => r.return_id === created.return_id)) {
    returns.push({ return_id: created.return_id, status: created.status, status_label: created.status_label, track_token: created.track_token });
  }
  state.draft = newDraft(state.order);
  save();
}

function onChooseSubmit(event) {
  event.preventDefault();
  const { problems, focus } = validateChoose();
  if (problems.length) {
    showError("choose-error", ...problems);
    if (focus) focus.focus();
    return;
  }
  showError("choose-error");
  const items = selectedLines().map((line) => {
    const draft = state.draft.lines[line.line_id];
    return { line_id: line.line_id, quantity: draft.qty, reason: draft.reason, note: draft.note.trim() || null, photos: draft.photos.map((p) => p.key) };
  });
  const exchange = state.draft.resolution === "EXCHANGE" ? state.draft.exchange_sku : null;
  submitReturn(event.currentTarget, "choose-error", returnRequest(items, state.draft.resolution, exchange, false));
}

// ---------------------------------------------------------------- 3. withdraw from contract

function renderWithdraw() {
  const order = state.order;
  $("withdraw-order").textContent = t("Order {order_number} of {date}", { order_number: order.order_number, date: order.ordered_on });
  $("withdraw-unavailable").hidden = Boolean(order.withdrawal_available);
  $("withdraw-available").hidden = !order.withdrawal_available;
  const lines = order.lines.filter((line) => line.eligible);
  $("withdraw-none").hidden = lines.length > 0;
  $("withdraw-form").querySelector("button[type=submit]").hidden = lines.length === 0;
  $("withdraw-lines").replaceChildren(...lines.map(renderWithdrawLine));
}

function renderWithdrawLine(line) {
  const id = line.line_id;
  const chosen = state.draft.withdraw[id] || { checked: false, qty: line.returnable_quantity };
  const box = el("input", {
    type: "checkbox", id: `withdraw-line-${id}`, "data-testid": `withdraw-line-${id}`, "data-line": id, checked: chosen.checked,
  });
  const qty = el("select", { id: `withdraw-qty-${id}`, "data-testid": `withdraw-qty-${id}`, "data-line": id });
  for (let n = 1; n <= line.returnable_quantity; n += 1) qty.append(new Option(String(n), String(n), false, n === chosen.qty));
  return el("fieldset", { className: "line" },
    el("legend", { text: line.name }),
    lineMeta(line),
    el("div", { className: "choice" }, box, el("label", { for: box.id, text: t("Send this item back") })),
    el("div", { className: "field" }, el("label", { for: qty.id, text: t("Quantity") }), qty),
  );
}

function onWithdrawInput(event) {
  const target = event.target;
  const lineId = target.dataset.line;
  if (!lineId) return;
  const line = lineById(lineId);
  const chosen = (state.draft.withdraw[lineId] = state.draft.withdraw[lineId] || { checked: false, qty: line.returnable_quantity });
  if (target.type === "checkbox") chosen.checked = target.checked;
  else chosen.qty = Number(target.value);
  save();
}

function onWithdrawSubmit(event) {
  event.preventDefault();
  const items = state.order.lines
    .filter((line) => line.eligible && state.draft.withdraw[line.line_id] && state.draft.withdraw[line.line_id].checked)
    .map((line) => ({ line_id: line.line_id, quantity: state.draft.withdraw[line.line_id].qty, reason: "CHANGED_MIND", note: null, photos: [] }));
  if (items.length === 0) {
    showError("withdraw-error", t("Choose at least one item."));
    const first = document.querySelector("#withdraw-lines input[type=checkbox]");
    if (first) first.focus();
    return;
  }
  showError("withdraw-error");
  submitReturn(event.currentTarget, "withdraw-error", returnRequest(items, "REFUND", null, true));
}

// ---------------------------------------------------------------- 4. status of a return

const poll = { timer: null, generation: 0 };

function stopPolling() {
  clearTimeout(poll.timer);
  poll.timer = null;
  poll.generation += 1;
}

async function loadTrack(announce) {
  stopPolling();
  const generation = poll.generation;
  const token = state.token;
  try {
    const { data } = await api(`/shopper/track/${encodeURIComponent(token)}`);
    if (generation !== poll.generation) return; // the shopper left the view meanwhile
    const before = state.track && state.track.status;
    state.track = data;
    showError("track-error");
    renderTrack();
    if (announce) setStatus(t("Status updated."));
    else if (before && before !== data.status) setStatus(t("New status: {status}", { status: data.status_label }));
    else setStatus("");
    schedulePoll(data.preparing ? POLL_PREPARING_MS : data.terminal ? null : POLL_STATUS_MS);
  } catch (error) {
    if (generation !== poll.generation) return;
    setStatus("");
    showError("track-error", ...apiErrorMessages(error));
    // A broken token will not heal; a network or server hiccup may.
    if (error.status === 0 || error.status >= 500) schedulePoll(POLL_STATUS_MS);
  }
}

function schedulePoll(delay) {
  if (delay === null || document.hidden) return;
  const generation = poll.generation;
  poll.timer = setTimeout(() => {
    if (generation === poll.generation && state.view === "track") loadTrack(false);
  }, delay);
}

function setLink(id, url) {
  const link = $(id);
  link.href = url;
  link.rel = "noopener";
}

function renderTrack() {
  const data = state.track;
  $("track-body").hidden = !data;
  $("track-back").hidden = !state.order || !data || data.order_number !== state.order.order_number;
  if (!data) {
    $("track-ids").textContent = "";
    return;
  }
  $("track-ids").textContent = t("Return {return_id} for order {order_number}", { return_id: data.return_id, order_number: data.order_number });
  const status = $("track-status");
  status.textContent = data.status_label;
  status.dataset.status = data.status;
  $("track-preparing").hidden = !data.preparing;
  $("track-next").textContent = (data.next_step && data.next_step.text) || "";
  $("track-message").hidden = !data.message;
  $("track-message").textContent = data.message || "";
  renderTimeline(data.timeline || []);
  renderLabel(data.label);
  renderCustoms(data.customs);
  renderWithdrawal(data.withdrawal);
  renderRefund(data.refund);
  $("track-items").replaceChildren(
    ...(data.items || []).map((item) =>
      el("li", { text: t("{quantity} × {name}: {reason}", { quantity: item.quantity, name: item.name, reason: item.reason_label }) }),
    ),
  );
  $("track-resolution").textContent = data.resolution_label ? t("You chose: {resolution}", { resolution: data.resolution_label }) : "";
}

function stateText(stepState) {
  if (stepState === "done") return t("Done");
  if (stepState === "current") return t("Current step");
  if (stepState === "skipped") return t("Skipped");
  return t("Not yet");
}

function renderTimeline(steps) {
  $("track-timeline").replaceChildren(
    ...steps.map((step) => {
      const item = el("li", { className: `step ${step.state}`, "aria-current": step.state === "current" ? "step" : null },
        el("span", { className: "visually-hidden", text: stateText(step.state) }),
        el("span", { className: "step-label", text: step.label }),
      );
      if (step.at_display) item.append(el("span", { className: "step-date", text: step.at_display }));
      return item;
    }),
  );
}

function renderLabel(label) {
  $("track-label").hidden = !label;
  if (!label) return;
  setLink("label-link", label.url);
  $("label-valid").textContent = label.valid_until_display ? t("Use before {date}", { date: label.valid_until_display }) : "";
  $("label-tracking").textContent = label.tracking_number || "";
  $("label-carrier").textContent = label.carrier || "";
  $("label-service").textContent = label.service || "";
  $("label-qr-wrap").replaceChildren(
    label.qr_svg ? el("img", { src: label.qr_svg, alt: t("QR code for boxless drop-off"), width: "200", height: "200" }) : "",
  );
  $("label-dropoff").textContent = label.dropoff || "";
}

function renderCustoms(customs) {
  $("track-customs").hidden = !customs;
  if (!customs) return;
  $("customs-text").textContent = customs.text || "";
  setLink("customs-link", customs.url);
}

function renderWithdrawal(withdrawal) {
  $("track-withdrawal").hidden = !withdrawal;
  if (!withdrawal) return;
  $("withdrawal-declared").textContent = withdrawal.declared_display || "";
  $("withdrawal-deadline").textContent = withdrawal.refund_deadline_display || "";
  $("withdrawal-link").hidden = !withdrawal.confirmation_url;
  if (withdrawal.confirmation_url) setLink("withdrawal-link", withdrawal.confirmation_url);
}

function refundStatusText(status) {
  if (status === "SUCCEEDED") return t("Refunded");
  if (status === "FAILED") return t("The refund failed. We are looking into it.");
  return t("In progress");
}

function renderRefund(refund) {
  $("track-refund").hidden = !refund;
  if (!refund) return;
  $("refund-amount").textContent = refund.amount_display || "";
  $("refund-status").textContent = refundStatusText(refund.status);
}

// ---------------------------------------------------------------- router

const VIEW_TITLES = { lookup: "lookup-title", choose: "choose-title", withdraw: "withdraw-title", track: "track-title" };

function parseHash() {
  const path = (location.hash || "#/").slice(2);
  if (path.startsWith("track/")) return { view: "track", token: decodeURIComponent(path.slice("track/".length)) };
  if (path === "choose" || path === "withdraw") {
    state.intent = path === "withdraw" ? "withdraw" : "return";
    // Both need the order: find it first, then come back here.
    return { view: state.order ? path : "lookup" };
  }
  if (path === "") state.intent = "return";
  return { view: "lookup" };
}

function route(moveFocus) {
  const hash = location.hash || "#/";
  if (!hash.startsWith("#/")) return; // in-page anchors such as the skip link
  stopPolling();
  const { view, token = null } = parseHash();
  if (token !== state.token) state.track = null;
  state.view = view;
  state.token = token;
  setStatus("");
  render(moveFocus);
  if (view === "track") {
    if (!state.track) setStatus(t("Loading the status of your return…"));
    loadTrack(false);
  }
}

function render(moveFocus) {
  applyI18n();
  for (const name of Object.keys(VIEW_TITLES)) $(`view-${name}`).hidden = name !== state.view;
  if (state.view === "lookup") renderLookup();
  else if (state.view === "choose") renderChoose();
  else if (state.view === "withdraw") renderWithdraw();
  else if (state.view === "track") renderTrack();
  const heading = $(VIEW_TITLES[state.view]);
  document.title = t("{page} – Returns portal", { page: heading.textContent });
  if (moveFocus) heading.focus();
}

// ---------------------------------------------------------------- start

function wire() {
  $("lookup-form").addEventListener("submit", onLookup);
  $("code-form").addEventListener("submit", onVerify);
  $("code-cancel").addEventListener("click", () => {
    state.verification = null;
    showError("code-error");
    renderLookup();
    $("lookup-email").focus();
  });
  const choose = $("choose-form");
  choose.addEventListener("change", (event) => {
    if (event.target.dataset.field === "photos") onPhotosChosen(event.target);
    else onChooseInput(event);
  });
  choose.addEventListener("input", onChooseInput);
  choose.addEventListener("click", onChooseClick);
  choose.addEventListener("submit", onChooseSubmit);
  $("withdraw-form").addEventListener("change", onWithdrawInput);
  $("withdraw-form").addEventListener("submit", onWithdrawSubmit);
  $("track-refresh").addEventListener("click", () => {
    if (state.token) loadTrack(true);
  });
  document.querySelectorAll("[data-action=new-lookup]").forEach((button) =>
    button.addEventListener("click", () => {
      forget();
      $("lookup-form").reset();
      go("#/");
    }),
  );
  $("language-select").addEventListener("change", (event) => switchLanguage(event.target.value));
  $("skip-link").addEventListener("click", (event) => {
    // The hash drives the router, so move focus without touching it.
    event.preventDefault();
    $("main").focus();
  });
  window.addEventListener("hashchange", () => route(true));
  document.addEventListener("visibilitychange", () => {
    if (document.hidden) stopPolling();
    else if (state.view === "track" && state.track && !state.track.terminal) loadTrack(false);
  });
}

async function start() {
  restore();
  wire();
  const requested = new URLSearchParams(location.search).get("lang");
  let reachable = true;
  try {
    await loadCatalog(requested);
  } catch {
    reachable = false;
  }
  renderLanguages();
  if (!(location.hash || "#/").startsWith("#/")) history.replaceState(history.state, "", "#/");
  // The first view is not a change of view: leave focus at the top of the page.
  route(false);
  if (!reachable) setStatus(t("The service is not reachable. Please try again later."));
}

start();

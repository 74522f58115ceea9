/* The ops dashboard: a static page over the ops API (same origin), signed in with a bearer token. */
"use strict";

(function () {
  const STATUSES = [
    "REQUESTED", "IN_REVIEW", "APPROVED", "REJECTED", "LABEL_ISSUED", "IN_TRANSIT", "DELIVERED", "INSPECTED",
    "REFUND_PENDING", "REFUNDED", "CLOSED", "EXPIRED", "LOST", "BOUNCED", "CANCELLED",
  ];
  const WAITING = ["REVIEW", "DISPATCH", "DELIVERY", "INSPECTION", "REFUND_OUTCOME", "REFUND_FIX", "LABEL_FIX"];
  const GRADES = ["A", "B", "C", "D"];
  const DISPOSITIONS = ["RESTOCK", "REFURBISH", "RESALE_HOLD", "LIQUIDATE", "DONATE", "RECYCLE", "MISSING"];
  const NOT_ACCEPTED = ["WRONG_ITEM", "MISSING", "NOT_RETURNABLE"];
  const DEDUCTION_REASONS = ["DAMAGED_BY_SHOPPER", "SIGNS_OF_USE", "MISSING_PARTS", "MISSING_PACKAGING"];
  const TOKEN_KEY = "ops-token";
  const VIEWS = ["sign-in", "returns", "detail", "review", "alerts", "analytics"];

  const $ = (selector) => document.querySelector(selector);

  function el(name, attrs, ...children) {
    const node = document.createElement(name);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(key, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function human(code) {
    return code ? String(code).replaceAll("_", " ").toLowerCase().replace(/^./, (c) => c.toUpperCase()) : "—";
  }

  function when(stamp) {
    if (!stamp) return "—";
    const date = new Date(stamp);
    return Number.isNaN(date.getTime()) ? stamp : date.toISOString().replace("T", " ").slice(0, 16) + " UTC";
  }

  function money(value) {
    return value && value.amount !== undefined ? `${value.amount} ${value.currency}` : "—";
  }

  function say(message, kind) {
    const status = $("#status");
    status.textContent = message || "";
    status.className = `status ${kind || ""}`;
  }

  // ------------------------------------------------------------------------------------------ the API

  class Unauthorised extends Error {}

  async function api(method, path, body) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (!token) throw new Unauthorised("not signed in");
    const response = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body ? { "content-type": "application/json" } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    if (response.status === 401 || response.status === 403) throw new Unauthorised("token refused");
    const type = response.headers.get("content-type") || "";
    const data = type.includes("json") ? await response.json() : await response.text();
    if (!response.ok) {
      const error = data && data.error ? `${data.error.message} (${data.error.code})` : `HTTP ${response.status}`;
      throw new Error(error);
    }
    return data;
  }

  // The photo goes straight to storage through a presigned POST; the inspection then names its key.
  async function uploadInspectionPhoto(returnId, file) {
    const offer = await api("POST", `/ops/returns/${returnId}/inspection-photos`, { content_type: file.type, size: file.size });
    const form = new FormData();
    for (const [name, value] of Object.entries(offer.fields || {})) form.append(name, value);
    form.append("file", file);
    const response = await fetch(offer.url, { method: "POST", body: form });
    if (!response.ok) throw new Error(`The photo ${file.name} did not upload (HTTP ${response.status}).`);
    return offer.key;
  }

  // ------------------------------------------------------------------------------------------ routing

  function show(view, title) {
    for (const name of VIEWS) $(`#view-${name}`).hidden = name !== view;
    $("#nav").hidden = view === "sign-in";
    for (const link of document.querySelectorAll("[data-nav]")) {
      const current = link.dataset.nav === view || (view === "detail" && link.dataset.nav === "returns");
      if (current) link.setAttribute("aria-current", "page");
      else link.removeAttribute("aria-current");
    }
    document.title = `${title} · Returns operations`;
  }

  function route() {
    const hash = location.hash.replace(/^#/, "");
    const [path, query] = hash.split("?");
    const params = new URLSearchParams(query || "");
    if (path.startsWith("token=")) {
      // The local banner's link carries the token in the fragment (never sent to a server): keep it, drop it.
      sessionStorage.setItem(TOKEN_KEY, decodeURIComponent(path.slice("token=".length)));
      history.replaceState(null, "", `${location.pathname}#/returns`);
      return route();
    }
    if (!sessionStorage.getItem(TOKEN_KEY)) return signIn();
    const parts = path.split("/").filter(Boolean);
    let shown;
    if (parts[0] === "returns" && parts[1]) shown = detail(decodeURIComponent(parts[1]));
    else if (parts[0] === "review") shown = reviewQueue();
    else if (parts[0] === "alerts") shown = alerts();
    else if (parts[0] === "analytics") shown = analytics(params);
    else shown = returnsList(params);
    return shown.catch((error) => {
      if (error instanceof Unauthorised) {
        sessionStorage.removeItem(TOKEN_KEY);
        signIn("That token was not accepted. Sign in again.");
      } else {
        say(`Could not load: ${error.message}`, "error");
      }
    });
  }

  function signIn(message) {
    show("sign-in", "Sign in");
    say(message || "", message ? "error" : "");
    $("#token").focus();
    return Promise.resolve();
  }

  // ------------------------------------------------------------------------------------------ returns

  function fillSelect(select, values, chosen) {
    const first = select.options[0];
    select.replaceChildren(first);
    for (const value of values) select.append(el("option", { value, selected: value === chosen }, human(value)));
  }

  function returnLink(id) {
    return el("a", { href: `#/returns/${encodeURIComponent(id)}` }, id);
  }

  async function returnsList(params) {
    show("returns", "Returns");
    const status = params.get("status") || "";
    const market = params.get("market") || "";
    const waiting = params.get("waiting") || "";
    const order = (params.get("order") || "").trim().toUpperCase();
    fillSelect($("#filter-status"), STATUSES, status);
    fillSelect($("#filter-waiting"), WAITING, waiting);
    $("#filter-order").value = params.get("order") || "";
    say("Loading returns…");
    const data = await api("GET", `/ops/returns?limit=100${status ? `&status=${status}` : ""}`);
    const markets = [...new Set(data.returns.map((r) => r.market))].sort();
    fillSelect($("#filter-market"), markets, market);
    for (const option of $("#filter-market").options) if (option.value) option.textContent = option.value;
    const rows = data.returns.filter(
      (r) => (!market || r.market === market) && (!waiting || r.waiting_for === waiting) &&
        (!order || String(r.order_number).toUpperCase().includes(order)),
    );
    const body = $("#returns-table tbody");
    body.replaceChildren(
      ...rows.map((r) =>
        el("tr", {},
          el("td", {}, returnLink(r.return_id)), el("td", {}, r.order_number),
          el("td", {}, el("span", { class: `badge s-${r.status}` }, human(r.status))),
          el("td", {}, r.market), el("td", {}, human(r.waiting_for)), el("td", {}, when(r.created_at)))),
    );
    $("#returns-count").textContent = `${rows.length} return${rows.length === 1 ? "" : "s"}`;
    say("");
  }

  // ------------------------------------------------------------------------------------------ one return

  function definitions(pairs) {
    const list = el("dl", { class: "facts" });
    for (const [term, value] of pairs) list.append(el("dt", {}, term), el("dd", {}, value ?? "—"));
    return list;
  }

  function pathView(execution) {
    if (!execution) return el("p", { class: "muted" }, "No workflow execution for this return.");
    const steps = execution.path || [];
    const start = steps.length ? new Date(steps[0].entered_at).getTime() : 0;
    const list = el("ol", { class: "path" });
    steps.forEach((step, i) => {
      const entered = new Date(step.entered_at).getTime();
      const left = step.exited_at ? new Date(step.exited_at).getTime() : null;
      const open = left === null && i === steps.length - 1 && execution.status === "RUNNING";
      const took = left !== null ? `${((left - entered) / 1000).toFixed(1)} s` : open ? "waiting now" : "";
      list.append(el("li", { class: open ? "current" : "" },
        el("span", { class: "state" }, step.state),
        el("span", { class: "muted" }, ` +${((entered - start) / 1000).toFixed(1)} s${took ? ` · ${took}` : ""}`)));
    });
    return el("div", {}, el("p", {}, `Execution ${human(execution.status)}, started ${when(execution.started_at)}`), list);
  }

  function timelineEntry(entry) {
    const what = entry.kind === "STATUS" ? `Status ${human(entry.status)}` :
      entry.kind === "SCAN" ? `Carrier scan: ${human(entry.scan)}${entry.location ? ` at ${entry.location}` : ""}` :
      entry.kind === "ALERT" ? `Alert: ${human(entry.code)}` :
      entry.kind === "PAYMENT" ? `Payment provider: refund ${entry.status}${entry.reason ? ` (${entry.reason})` : ""}${entry.trigger ? `, paid early (${human(entry.trigger)})` : ""}` :
      entry.kind === "ALERT_ACK" ? `Alert acknowledged: ${human(entry.code)} by ${entry.operator}${entry.note ? `: ${entry.note}` : ""}` :
      `${human(entry.kind)}${entry.note ? `: ${entry.note}` : ""}`;
    return el("li", { class: entry.kind === "ALERT" ? "alert" : "" },
      el("time", { datetime: entry.at || "" }, when(entry.at)), " ", what);
  }

  function action(title, fields, submit, onSubmit) {
    const form = el("form", { class: "action", "aria-label": title });
    form.append(el("h2", {}, title), ...fields, el("button", { type: "submit" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const button = form.querySelector("button[type=submit]");
      button.disabled = true;
      try {
        await onSubmit(new FormData(form));
        await route();
        say(`${title}: done.`, "ok");
      } catch (error) {
        say(`${title} failed: ${error.message}`, "error");
      } finally {
        button.disabled = false;
      }
    });
    return form;
  }

  function field(label, input) {
    const id = `f-${Math.random().toString(36).slice(2, 9)}`;
    input.id = id;
    return el("div", { class: "field" }, el("label", { for: id }, label), input);
  }

  function choice(name, values, chosen) {
    return el("select", { name }, ...values.map((v) => el("option", { value: v, selected: v === chosen }, human(v))));
  }

  function actionsFor(record) {
    const id = encodeURIComponent(record.return_id);
    const forms = [];
    if (record.waiting_for === "REVIEW") {
      forms.push(action("Review", [
        field("Decision", choice("decision", ["APPROVED", "REJECTED"])),
        field("Reason", el("input", { name: "reason", required: true, maxlength: 500 })),
        field("Reviewer", el("input", { name: "reviewer", required: true, maxlength: 100, autocomplete: "username" })),
      ], "Record decision", (data) => api("POST", `/ops/returns/${id}/review`, {
        decision: data.get("decision"), reason: data.get("reason"), reviewer: data.get("reviewer"),
      })));
    }
    if (record.waiting_for === "INSPECTION") {
      const rows = record.items.map((item) => el("fieldset", { class: "item" },
        el("legend", {}, `Line ${item.line_id} (${item.quantity} returned, ${human(item.reason)})`),
        field("Accepted quantity", el("input", { name: `qty-${item.line_id}`, type: "number", min: 0, max: item.quantity, value: item.quantity, required: true })),
        field("Grade", choice(`grade-${item.line_id}`, GRADES, "A")),
        field("Disposition", choice(`disposition-${item.line_id}`, DISPOSITIONS, "RESTOCK")),
        field("Units not accepted because", choice(`refused-${item.line_id}`, ["", ...NOT_ACCEPTED], "")),
        field("Deduction for condition (%)", el("input", { name: `deduction-${item.line_id}`, type: "number", min: 0, max: 100, step: "0.01", value: 0 })),
        field("Deduction reason", choice(`deduction-reason-${item.line_id}`, ["", ...DEDUCTION_REASONS], "")),
        field("Note", el("input", { name: `note-${item.line_id}`, maxlength: 1000 })),
        field("Photos", el("input", { name: `photos-${item.line_id}`, type: "file", accept: "image/jpeg,image/png,image/webp", multiple: true }))));
      forms.push(action("Inspection", [
        ...rows,
        field("Inspector", el("input", { name: "inspector", required: true, maxlength: 100, autocomplete: "username" })),
      ], "Record inspection", async (data) => {
        const photos = {};
        for (const item of record.items) {
          const files = data.getAll(`photos-${item.line_id}`).filter((file) => file && file.size > 0);
          photos[item.line_id] = [];
          for (const file of files) photos[item.line_id].push(await uploadInspectionPhoto(id, file));
        }
        return api("POST", `/ops/returns/${id}/inspection`, {
        inspector: data.get("inspector"),
        items: record.items.map((item) => ({
          ...(photos[item.line_id].length ? { photos: photos[item.line_id] } : {}),
          line_id: item.line_id,
          accepted_quantity: Number(data.get(`qty-${item.line_id}`)),
          grade: data.get(`grade-${item.line_id}`),
          disposition: data.get(`disposition-${item.line_id}`),
          ...(data.get(`note-${item.line_id}`) ? { note: data.get(`note-${item.line_id}`) } : {}),
          ...(data.get(`refused-${item.line_id}`) ? { not_accepted_reason: data.get(`refused-${item.line_id}`) } : {}),
          ...(Number(data.get(`deduction-${item.line_id}`)) > 0 ? { deduction_percent: data.get(`deduction-${item.line_id}`) } : {}),
          ...(data.get(`deduction-reason-${item.line_id}`) ? { deduction_reason: data.get(`deduction-reason-${item.line_id}`) } : {}),
        })),
        });
      }));
    }
    for (const [stage, path, title] of [["REFUND_FIX", "refund-retry", "Retry the refund"], ["LABEL_FIX", "label-retry", "Retry the label"]]) {
      if (record.waiting_for === stage) {
        forms.push(action(title, [
          field("Operator", el("input", { name: "operator", required: true, maxlength: 100, autocomplete: "username" })),
          field("Note", el("input", { name: "note", maxlength: 500 })),
        ], title, (data) => api("POST", `/ops/returns/${id}/${path}`, {
          operator: data.get("operator"), ...(data.get("note") ? { note: data.get("note") } : {}),
        })));
      }
    }
    if (record.status === "REFUND_PENDING" && (record.refund || {}).reversed_at && !record.waiting_for) {
      forms.push(action("Pay the reversed refund again", [
        field("Operator", el("input", { name: "operator", required: true, maxlength: 100, autocomplete: "username" })),
        field("Note", el("input", { name: "note", maxlength: 500 })),
      ], "Pay again", (data) => api("POST", `/ops/returns/${id}/refund-repay`, {
        operator: data.get("operator"), ...(data.get("note") ? { note: data.get("note") } : {}),
      })));
    }
    for (const code of record.alerts_to_acknowledge || []) {
      forms.push(action(`Acknowledge ${human(code)}`, [
        field("Operator", el("input", { name: "operator", required: true, maxlength: 100, autocomplete: "username" })),
        field("Note", el("input", { name: "note", maxlength: 500 })),
      ], "Acknowledge", (data) => api("POST", `/ops/returns/${id}/alerts/${code}/acknowledge`, {
        operator: data.get("operator"), ...(data.get("note") ? { note: data.get("note") } : {}),
      })));
    }
    return forms;
  }

  function decisionView(decision) {
    const findings = decision.findings || [];
    return el("span", {}, human(decision.decision),
      findings.length ? el("ul", { class: "findings" }, ...findings.map((f) => el("li", {}, `${human(f.code)}: ${f.message}`))) : null);
  }

  async function detail(returnId) {
    show("detail", returnId);
    say("Loading the return…");
    const r = await api("GET", `/ops/returns/${encodeURIComponent(returnId)}`);
    $("#detail-title").textContent = `Return ${r.return_id}`;
    $("#detail-summary").replaceChildren(definitions([
      ["Status", el("span", { class: `badge s-${r.status}` }, human(r.status))],
      ["Order", r.order_number],
      ["Market", `${r.market} (${r.currency})`],
      ["Resolution", human(r.resolution)],
      ["Waiting for", human(r.waiting_for)],
      ["Route", r.route ? `${human(r.route.choice)}: ${r.route.reason}` : "—"],
      ["Carrier", r.label ? `${r.label.carrier || "—"} ${r.label.tracking_number || ""}` : "—"],
      ["Refund deadline", when(r.refund_deadline)],
      ["Decision", r.decision ? decisionView(r.decision) : "—"],
    ]));
    $("#detail-actions").replaceChildren(...actionsFor(r));
    $("#detail-path").replaceChildren(pathView(r.execution));
    $("#detail-timeline").replaceChildren(...(r.timeline || []).map(timelineEntry));
    $("#detail-items tbody").replaceChildren(...r.items.map((item) => el("tr", {},
      el("td", {}, item.line_id), el("td", {}, item.quantity), el("td", {}, human(item.reason)),
      el("td", {}, item.note || "—"),
      el("td", {}, ...(item.photos.length ? item.photos.map((url, i) => el("a", { href: url, rel: "noopener" }, `Photo ${i + 1} `)) : ["—"])),
      el("td", {}, ...((item.inspection_photos || []).length ? item.inspection_photos.map((url, i) => el("a", { href: url, rel: "noopener" }, `Inspection photo ${i + 1} `)) : ["—"])))));
    const refund = r.refund || {};
    $("#detail-refund").replaceChildren(definitions([
      ["Refund", refund.status ? `${human(refund.status)}${refund.amount ? `, ${money(refund.amount)}` : ""}` : "—"],
      ["Attempt", refund.attempt || (refund.status ? 1 : "—")],
      ["Failure", refund.failure_reason ? human(refund.failure_reason) : "—"],
      ["Paid", refund.trigger ? `early: ${human(refund.trigger)}` : (refund.status ? "after inspection" : "—")],
      ["Overpaid", refund.overpaid ? `${money(refund.overpaid)} more than inspection accepted` : "—"],
    ]));
    $("#detail-no-ledger").hidden = Boolean((r.ledger || []).length);
    $("#detail-ledger").hidden = !(r.ledger || []).length;
    $("#detail-ledger tbody").replaceChildren(...(r.ledger || []).map((line) => el("tr", { class: line.memo ? "memo" : "" },
      el("th", { scope: "row" }, human(line.kind), line.memo ? el("span", { class: "muted" }, " (kept back from the refund)") : null),
      el("td", { class: "num" }, money(line.amount)),
      el("td", { class: "num" }, money(line.base_amount)), el("td", { class: "num" }, line.fx_rate))),
      ...((r.ledger || []).length && r.ledger_total ? [el("tr", { class: "total" },
        el("th", { scope: "row" }, "Total"), el("td", {}, ""), el("td", { class: "num" }, money(r.ledger_total)), el("td", {}, ""))] : []));
    say("");
    $("#detail-title").focus();
  }

  // ------------------------------------------------------------------------------------------ queues

  async function reviewQueue() {
    show("review", "Review queue");
    say("Loading the review queue…");
    const data = await api("GET", "/ops/returns?status=IN_REVIEW&limit=100");
    $("#review-table tbody").replaceChildren(...data.returns.map((r) => el("tr", {},
      el("td", {}, returnLink(r.return_id)), el("td", {}, r.order_number), el("td", {}, r.market),
      el("td", {}, when(r.updated_at)))));
    say(data.returns.length ? "" : "Nothing waits for review.");
  }

  async function alerts() {
    show("alerts", "Alerts");
    say("Loading alerts…");
    const data = await api("GET", "/ops/alerts");
    const counts = Object.entries(data.counts || {}).filter(([, n]) => n > 0).map(([code, n]) => `${human(code)}: ${n}`);
    $("#alerts-counts").textContent = counts.length ? counts.join(" · ") : "";
    $("#alerts-table tbody").replaceChildren(...data.alerts.map((a) => el("tr", { class: `sev-${a.severity}` },
      el("td", {}, el("span", { class: `badge sev-${a.severity}` }, human(a.severity))),
      el("td", {}, human(a.code)), el("td", {}, returnLink(a.return_id)), el("td", {}, human(a.status)),
      el("td", {}, when(a.since)), el("td", {}, a.message))));
    say(data.alerts.length ? "" : "No alerts: nothing needs ops right now.", "ok");
  }

  // ------------------------------------------------------------------------------------------ analytics

  function monthsAgo(n) {
    const d = new Date();
    d.setUTCDate(1);
    d.setUTCMonth(d.getUTCMonth() - n);
    return d.toISOString().slice(0, 7);
  }

  function percent(rate) {
    return `${(Number(rate) * 100).toFixed(1)} %`;
  }

  function periodQuery(params) {
    const from = params.get("from") || monthsAgo(11);
    const to = params.get("to") || monthsAgo(0);
    return { from, to, query: `from=${from}&to=${to}` };
  }

  async function analytics(params) {
    show("analytics", "Analytics");
    const period = periodQuery(params);
    $("#period-from").value = period.from;
    $("#period-to").value = period.to;
    say("Loading analytics…");
    const a = await api("GET", `/ops/analytics?${period.query}`);
    const t = a.totals;
    $("#analytics-totals").replaceChildren(...[
      ["Returns", t.returns], ["Units returned", t.units_returned], ["Units sold", t.units_sold],
      ["Return rate", percent(t.return_rate)], ["Refunded", money(t.refunded)], ["Cost", money(t.cost)],
      ["Cost per return", money(t.cost_per_return)],
    ].map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, v))));
    const one = (name, className) => [{ name, className }];
    const C = window.Charts;
    $("#charts").replaceChildren(
      C.bars("Return reasons", one("Returns", "a"),
        a.reasons.map((r) => ({ label: human(r.reason), values: [r.returns], shown: [`${r.returns} (${percent(r.share)})`] }))),
      C.bars("Most returned SKUs", one("Units returned", "b"),
        a.return_rate_by_sku.map((r) => ({ label: r.sku, values: [r.units_returned], shown: [`${r.units_returned} of ${r.units_sold} (${percent(r.return_rate)})`] })),
        `The ${a.skus.shown} SKUs with the most units returned in the period, with their return rate; the CSV export lists every SKU.`),
      C.bars("Time in each stage (hours)", [{ name: "p50", className: "a" }, { name: "p90", className: "c" }],
        a.stage_cycle_times.map((s) => ({ label: human(s.stage), values: [Number(s.p50_hours), Number(s.p90_hours)], shown: [`${s.p50_hours} h`, `${s.p90_hours} h`] })),
        "Where returns wait: transit, customs, the warehouse's inspection."),
      C.bars("Carrier loss and delay by lane", [{ name: "Lost", className: "c" }, { name: "Delayed", className: "b" }],
        a.carriers.map((c) => ({ label: `${c.carrier} ${c.lane}`, values: [Number(c.loss_rate), Number(c.delay_rate)], shown: [percent(c.loss_rate), percent(c.delay_rate)] }))),
      C.bars(`Cost per return by lane and carrier (${a.base_currency})`, one("Per return", "a"),
        a.cost_per_return.map((c) => ({ label: `${c.carrier} ${c.lane}`, values: [Number(c.per_return.amount)], shown: [money(c.per_return)] }))),
      C.bars("Returns by month", one("Returns", "b"),
        a.months.map((m) => ({ label: m.month, values: [m.returns], shown: [String(m.returns)] }))),
    );
    say("");
  }

  async function exportCsv() {
    const period = periodQuery(new URLSearchParams(location.hash.split("?")[1] || ""));
    const token = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(`/ops/analytics/export.csv?${period.query}`, { headers: { authorization: `Bearer ${token}` } });
    if (!response.ok) return say(`Export failed: HTTP ${response.status}`, "error");
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: `returns-analytics-${period.from}-${period.to}.csv` });
    document.body.append(link);
    link.click();
    link.remove();
    URL.revokeObjectURL(url);
    say("Exported.", "ok");
  }

  // ------------------------------------------------------------------------------------------ wiring

  function formToHash(form, base) {
    const params = new URLSearchParams();
    for (const [key, value] of new FormData(form)) if (String(value).trim()) params.set(key, String(value).trim());
    const query = params.toString();
    location.hash = `${base}${query ? `?${query}` : ""}`;
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#sign-in-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("#token").value.trim();
      if (!token) return say("Enter the ops token.", "error");
      sessionStorage.setItem(TOKEN_KEY, token);
      $("#token").value = "";
      if (!location.hash || location.hash === "#/returns") route();
      else location.hash = "#/returns";
    });
    $("#sign-out").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      signIn("Signed out.");
    });
    $("#filters").addEventListener("submit", (event) => {
      event.preventDefault();
      formToHash(event.target, "#/returns");
    });
    $("#period").addEventListener("submit", (event) => {
      event.preventDefault();
      formToHash(event.target, "#/analytics");
    });
    $("#export-csv").addEventListener("click", () => exportCsv().catch((error) => say(`Export failed: ${error.message}`, "error")));
    window.addEventListener("hashchange", route);
    route();
  });
})();

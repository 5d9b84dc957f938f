// The contract explorer of fabric-dev-peer: plain JavaScript, no framework,
// no build step. Everything it shows comes from the JSON API under /api/
// (see dev-peer/src/explorer/mod.rs). Data is always inserted as text, never
// as HTML.
"use strict";

// ----- small helpers -----

/** Builds an element: h("p", {class: "x"}, "text", child, ...). */
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
    else if (name === "text") el.textContent = value;
    else el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

const $ = (id) => document.getElementById(id);

/** A fetch of the API: the decoded JSON, or an Error with the API's message. */
async function api(path, options) {
  let response;
  try {
    response = await fetch(path, options);
  } catch (e) {
    throw new Error(`The explorer cannot be reached (${e.message}). Is fabric-dev-peer serve still running?`);
  }
  const text = await response.text();
  let body = null;
  try { body = text ? JSON.parse(text) : null; } catch (_) { /* not JSON */ }
  if (!response.ok) {
    const message = body && body.error ? body.error : text || response.statusText;
    throw new Error(`${message} (HTTP ${response.status})`);
  }
  return body;
}

function showError(message) {
  $("error-text").textContent = message;
  $("error-banner").hidden = false;
}

/** Text that may be long: cut to a few lines, with a button to show it all. */
function valueBlock(decoded, label) {
  const wrap = h("div", { class: "value" });
  if (!decoded || decoded.kind === "empty") {
    wrap.append(h("p", { class: "muted" }, "(empty)"));
    return wrap;
  }
  const full = decoded.display;
  const lines = full.split("\n");
  const long = full.length > 600 || lines.length > 14;
  const short = long ? lines.slice(0, 14).join("\n").slice(0, 600) + "…" : full;
  const pre = h("pre", { class: "code", tabindex: "0", "aria-label": label || "value" }, short);
  wrap.append(pre);
  const meta = [`${decoded.size} bytes`];
  if (decoded.kind === "binary") meta.push("binary, shown as base64");
  if (decoded.truncated) meta.push("cut at 256 KiB");
  if (long) {
    const button = h("button", { type: "button", class: "link", "aria-expanded": "false" }, "Show all");
    button.addEventListener("click", () => {
      const open = button.getAttribute("aria-expanded") === "true";
      pre.textContent = open ? short : full;
      button.setAttribute("aria-expanded", String(!open));
      button.textContent = open ? "Show all" : "Show less";
    });
    wrap.append(h("p", { class: "meta" }, meta.join(" · "), " ", button));
  } else {
    wrap.append(h("p", { class: "meta" }, meta.join(" · ")));
  }
  return wrap;
}

/** A button that copies `text`. */
function copyButton(text, what) {
  const button = h("button", { type: "button", class: "secondary small" }, `Copy ${what}`);
  button.addEventListener("click", async () => {
    try {
      await navigator.clipboard.writeText(text);
      button.textContent = "Copied";
    } catch (_) {
      button.textContent = "Select and copy it";
    }
    setTimeout(() => { button.textContent = `Copy ${what}`; }, 2000);
  });
  return button;
}

function plural(n, word) {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

function showKey(key) {
  return key.replace(/\u0000/g, "\\u0000");
}

function shortId(txid) {
  return txid && txid.length > 16 ? `${txid.slice(0, 8)}…${txid.slice(-6)}` : txid || "";
}

// ----- state -----

const state = {
  info: null,
  identities: [],
  chaincodes: [],        // [{name, connected}]
  contracts: {},         // name -> {view} | {error}
  feedCount: 0,
  ledgerPage: [],        // stack of `after` cursors for "previous"
};

function identity() {
  const value = $("identity").value;
  return state.identities.find((i) => `${i.mspid}|${i.name}` === value) || state.identities[0];
}

// ----- header: peer and identities -----

async function loadInfo() {
  state.info = await api("/api/info");
  const i = state.info;
  $("peer-info").textContent =
    `channel ${i.channel} · Gateway ${i.gateway}${i.tls ? " (TLS)" : ""} · ${i.data_dir}`;
}

async function loadIdentities() {
  state.identities = await api("/api/identities");
  const select = $("identity");
  select.replaceChildren();
  const byOrg = new Map();
  for (const id of state.identities) {
    if (!byOrg.has(id.mspid)) byOrg.set(id.mspid, []);
    byOrg.get(id.mspid).push(id);
  }
  for (const [mspid, ids] of byOrg) {
    select.append(h("optgroup", { label: mspid },
      ids.map((id) => h("option", { value: `${id.mspid}|${id.name}` }, `${id.user} · ${id.mspid}`))));
  }
  const saved = localStorage.getItem("explorer.identity");
  const fallback = state.identities.find((i) => i.user === "User1") || state.identities[0];
  select.value = state.identities.some((i) => `${i.mspid}|${i.name}` === saved)
    ? saved : `${fallback.mspid}|${fallback.name}`;
  describeIdentity();
  select.addEventListener("change", () => {
    localStorage.setItem("explorer.identity", select.value);
    describeIdentity();
    if (currentView() === "ledger") searchLedger(null);
    const signer = $("signer");
    if (signer) signer.textContent = signerText();
  });
}

function describeIdentity() {
  const id = identity();
  if (!id) return;
  const attrs = Object.entries(id.attributes).map(([k, v]) => `${k}=${v}`);
  $("identity-details").textContent =
    `${id.name} · OU ${id.ous.join(", ") || "none"}` + (attrs.length ? ` · attributes ${attrs.join(", ")}` : "");
}

function signerText() {
  const id = identity();
  return id ? `${id.name} of ${id.mspid}` : "";
}

// ----- routing -----

function route() {
  const decode = (part) => { try { return decodeURIComponent(part); } catch (_) { return part; } };
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decode);
  return { view: ["contracts", "ledger", "feed"].includes(parts[0]) ? parts[0] : "contracts", rest: parts.slice(1) };
}

function currentView() {
  return route().view;
}

let lastView = null;

async function render() {
  const { view, rest } = route();
  for (const name of ["contracts", "ledger", "feed"]) {
    $(`view-${name}`).hidden = name !== view;
    const tab = $(`tab-${name}`);
    if (name === view) tab.setAttribute("aria-current", "page");
    else tab.removeAttribute("aria-current");
  }
  if (view === "contracts") await renderContracts(rest[0], rest[1]);
  if (view === "ledger" && lastView !== "ledger") await showLedger();
  if (view !== lastView && lastView !== null) {
    const heading = $(`${view}-heading`);
    if (heading && view !== "contracts") heading.focus();
  }
  lastView = view;
}

// ----- contracts -----

async function loadChaincodes() {
  state.chaincodes = await api("/api/chaincodes");
  await Promise.all(state.chaincodes.map(async (cc) => {
    try {
      state.contracts[cc.name] = { view: await api(`/api/chaincodes/${encodeURIComponent(cc.name)}`) };
    } catch (e) {
      state.contracts[cc.name] = { error: e.message };
    }
  }));
  renderNav();
}

function txHref(chaincode, fn) {
  return `#/contracts/${encodeURIComponent(chaincode)}/${encodeURIComponent(fn)}`;
}

function renderNav() {
  const nav = $("contract-nav");
  nav.replaceChildren();
  if (state.chaincodes.length === 0) {
    nav.append(h("div", { class: "empty" },
      h("p", {}, "No chaincodes are hosted."),
      h("p", { class: "muted" }, "Start serve with --chaincode NAME=PATH or --connect NAME=HOST:PORT.")));
    return;
  }
  for (const cc of state.chaincodes) {
    const entry = state.contracts[cc.name] || {};
    const section = h("div", { class: "chaincode" },
      h("h3", {}, h("a", { href: `#/contracts/${encodeURIComponent(cc.name)}` }, cc.name),
        cc.connected ? null : h("span", { class: "badge warn" }, "not connected")));
    if (entry.error) {
      section.append(h("p", { class: "error" }, entry.error));
    } else if (entry.view) {
      for (const contract of entry.view.contracts) {
        const list = h("ul", { class: "txs" });
        for (const tx of contract.transactions) {
          list.append(h("li", {},
            h("a", { href: txHref(cc.name, tx.function), "data-function": tx.function },
              tx.name, " ", h("span", { class: `badge ${tx.kind}` }, tx.kind))));
        }
        section.append(h("h4", {}, contract.name, contract.default ? h("span", { class: "badge" }, "default") : null), list);
      }
    }
    nav.append(section);
  }
}

function findTx(chaincode, fn) {
  const entry = state.contracts[chaincode];
  if (!entry || !entry.view) return null;
  for (const contract of entry.view.contracts) {
    for (const tx of contract.transactions) {
      if (tx.function === fn) return { contract, tx };
    }
  }
  return null;
}

async function renderContracts(chaincode, fn) {
  const panel = $("contract-panel");
  for (const a of document.querySelectorAll("#contract-nav a")) {
    const current = a.getAttribute("href") === location.hash;
    if (current) a.setAttribute("aria-current", "true"); else a.removeAttribute("aria-current");
  }
  if (!chaincode) {
    const first = state.chaincodes.find((c) => state.contracts[c.name] && state.contracts[c.name].view);
    panel.replaceChildren(state.chaincodes.length === 0
      ? h("div", { class: "intro" }, h("h2", {}, "Nothing to call yet"),
        h("p", {}, "Once serve hosts a chaincode, its contracts and transactions appear here."))
      : h("div", { class: "intro" }, h("h2", {}, "Pick a transaction"),
        h("p", {}, "Choose a transaction in the list to call it with a form generated from its metadata",
          first ? ", or open a chaincode to see its contracts and raw metadata." : ".")));
    return;
  }
  const entry = state.contracts[chaincode];
  if (!entry) {
    panel.replaceChildren(h("div", { class: "empty" }, h("h2", {}, chaincode), h("p", {}, "No chaincode of this name is hosted.")));
    return;
  }
  if (!fn) {
    renderChaincode(panel, chaincode, entry);
    return;
  }
  const found = findTx(chaincode, fn);
  if (!found) {
    panel.replaceChildren(h("div", { class: "empty" }, h("h2", {}, fn),
      h("p", {}, entry.error ? entry.error : `${chaincode} has no transaction ${fn}.`)));
    return;
  }
  renderTransaction(panel, chaincode, found.contract, found.tx);
}

function metadataControls(chaincode) {
  const url = `/api/chaincodes/${encodeURIComponent(chaincode)}/metadata`;
  const pre = h("pre", { class: "code", tabindex: "0", id: "raw-metadata", hidden: true, "aria-label": `metadata of ${chaincode}` });
  const toggle = h("button", { type: "button", class: "secondary", "aria-expanded": "false", "aria-controls": "raw-metadata" }, "Show metadata JSON");
  toggle.addEventListener("click", async () => {
    const open = toggle.getAttribute("aria-expanded") === "true";
    if (!open && !pre.textContent) {
      try {
        const json = await api(url);
        pre.textContent = JSON.stringify(json, null, 2);
      } catch (e) {
        pre.textContent = e.message;
      }
    }
    pre.hidden = open;
    toggle.setAttribute("aria-expanded", String(!open));
    toggle.textContent = open ? "Show metadata JSON" : "Hide metadata JSON";
  });
  return h("div", { class: "metadata" },
    h("div", { class: "actions" }, toggle, h("a", { href: `${url}?download=1`, class: "button secondary", download: `${chaincode}-metadata.json` }, "Download metadata")),
    pre);
}

function renderChaincode(panel, chaincode, entry) {
  panel.replaceChildren(h("h2", {}, chaincode));
  if (entry.error) {
    panel.append(h("p", { class: "error" }, entry.error));
    return;
  }
  const view = entry.view;
  if (view.title || view.version) {
    panel.append(h("p", { class: "muted" }, [view.title, view.version && `version ${view.version}`].filter(Boolean).join(" · ")));
  }
  for (const contract of view.contracts) {
    panel.append(h("h3", {}, contract.name, contract.default ? h("span", { class: "badge" }, "default") : null));
    if (contract.description) panel.append(h("p", {}, contract.description));
    panel.append(h("ul", { class: "tx-summary" }, contract.transactions.map((tx) =>
      h("li", {}, h("a", { href: txHref(chaincode, tx.function) }, tx.name), " ",
        h("span", { class: `badge ${tx.kind}` }, tx.kind),
        tx.description ? h("span", { class: "muted" }, ` — ${tx.description}`) : null))));
  }
  panel.append(metadataControls(chaincode));
}

function schemaSummary(schema) {
  if (!schema) return "";
  if (schema.$id) return schema.$id;
  if (schema.$ref) return schema.$ref.split("/").pop();
  if (schema.enum) return `one of ${schema.enum.map((v) => JSON.stringify(v)).join(", ")}`;
  let text = schema.type || "any JSON";
  if (schema.type === "array" && schema.items) text = `array of ${schemaSummary(schema.items)}`;
  if (schema.format) text += ` (${schema.format})`;
  return text;
}

function renderTransaction(panel, chaincode, contract, tx) {
  panel.replaceChildren();
  const heading = h("h2", { tabindex: "-1", id: "tx-heading" }, tx.name, " ", h("span", { class: `badge ${tx.kind}` }, tx.kind));
  panel.append(heading,
    h("p", { class: "muted" }, `${chaincode} · contract ${contract.name} · function ${tx.function}`));
  if (tx.description) panel.append(h("p", {}, tx.description));

  const form = h("form", { id: "tx-form", novalidate: true, "aria-labelledby": "tx-heading" });
  const summary = h("div", { id: "form-errors", class: "form-errors", role: "alert", hidden: true });
  form.append(summary);
  const fields = [];
  if (tx.parameters.length === 0) {
    form.append(h("p", { class: "muted" }, "This transaction takes no arguments."));
  } else {
    const fieldset = h("fieldset", { class: "params" }, h("legend", {}, "Arguments"));
    tx.parameters.forEach((param, index) => {
      const field = buildField(param.schema, {
        id: `p${index}`,
        label: param.name,
        required: param.required,
        description: param.description,
        top: true,
      });
      fields.push(field);
      fieldset.append(field.element);
    });
    form.append(fieldset);
  }

  // Transient data.
  const transientRows = h("div", { class: "transient-rows" });
  const addTransient = h("button", { type: "button", class: "secondary" }, "Add transient entry");
  let transientCount = 0;
  addTransient.addEventListener("click", () => {
    const n = transientCount++;
    const key = h("input", { id: `t-key-${n}`, type: "text", autocomplete: "off", spellcheck: "false" });
    const value = h("input", { id: `t-value-${n}`, type: "text", autocomplete: "off", spellcheck: "false" });
    const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove transient entry ${n + 1}` }, "Remove");
    const row = h("div", { class: "row transient" },
      h("div", { class: "field" }, h("label", { for: key.id }, "Key"), key),
      h("div", { class: "field grow" }, h("label", { for: value.id }, "Value (text)"), value),
      remove);
    remove.addEventListener("click", () => { row.remove(); addTransient.focus(); });
    transientRows.append(row);
    key.focus();
  });
  form.append(h("fieldset", { class: "transient-data" },
    h("legend", {}, "Transient data"),
    h("p", { class: "hint" }, "Private inputs the chaincode reads with GetTransient; they are not recorded in the transaction."),
    transientRows, addTransient));

  // Submit or evaluate.
  const modes = h("fieldset", { class: "row choice" }, h("legend", {}, "Call"),
    ["submit", "evaluate"].map((mode) => h("label", {},
      h("input", { type: "radio", name: "mode", value: mode, checked: mode === tx.kind }),
      mode === "submit" ? " Submit (endorse, order and commit)" : " Evaluate (query, nothing is committed)")));
  form.append(modes);
  const run = h("button", { type: "submit", id: "run" }, tx.kind === "submit" ? "Submit transaction" : "Evaluate transaction");
  for (const radio of modes.querySelectorAll("input")) {
    radio.addEventListener("change", () => {
      run.textContent = radio.value === "submit" ? "Submit transaction" : "Evaluate transaction";
    });
  }
  form.append(h("p", { class: "muted" }, "Signed by ", h("strong", { id: "signer" }, signerText()), " (change it at the top of the page)."),
    h("div", { class: "actions" }, run));
  panel.append(form);

  const result = h("section", { id: "tx-result", class: "result-area", "aria-live": "polite", "aria-label": "Result" });
  panel.append(result);

  if (tx.returns) {
    panel.append(h("details", { class: "returns" },
      h("summary", {}, `Returns ${schemaSummary(tx.returns)}`),
      h("pre", { class: "code" }, JSON.stringify(tx.returns, null, 2))));
  } else {
    panel.append(h("p", { class: "muted" }, "Returns nothing."));
  }
  panel.append(metadataControls(chaincode));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const errors = [];
    const args = fields.map((f) => {
      const out = f.collect();
      errors.push(...out.errors);
      return out.json === undefined ? null : out.json;
    });
    const transient = [];
    for (const row of transientRows.querySelectorAll(".transient")) {
      const [key, value] = row.querySelectorAll("input");
      if (!key.value && !value.value) continue;
      if (!key.value) {
        errors.push({ id: key.id, message: "Transient entry: the key is empty" });
        continue;
      }
      transient.push([key.value, value.value]);
    }
    summary.replaceChildren();
    if (errors.length) {
      summary.hidden = false;
      summary.append(h("p", {}, errors.length === 1 ? "One field needs attention:" : `${errors.length} fields need attention:`),
        h("ul", {}, errors.map((e) => h("li", {}, h("a", { href: `#${e.id}`, onclick: (ev) => { ev.preventDefault(); $(e.id).focus(); } }, e.message)))));
      $(errors[0].id).focus();
      return;
    }
    summary.hidden = true;
    const mode = form.querySelector("input[name=mode]:checked").value;
    const id = identity();
    run.disabled = true;
    const label = run.textContent;
    run.textContent = mode === "submit" ? "Submitting…" : "Evaluating…";
    result.setAttribute("aria-busy", "true");
    result.replaceChildren(h("p", { class: "muted" }, "Calling…"));
    try {
      const outcome = await api("/api/call", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ chaincode, function: tx.function, arguments: args, transient, mode, mspid: id.mspid, user: id.name }),
      });
      result.replaceChildren(renderResult(outcome, tx));
    } catch (e) {
      result.replaceChildren(h("div", { class: "result fail" }, h("h3", {}, "The call was not made"), h("p", { class: "error-message" }, e.message)));
    } finally {
      result.removeAttribute("aria-busy");
      run.disabled = false;
      run.textContent = label;
    }
  });
  heading.focus();
}

function renderResult(r, tx) {
  let title;
  if (r.ok) title = r.mode === "submit" ? `Committed: ${r.validation} in block ${r.block}` : "Evaluated";
  else if (r.validation && r.validation !== "VALID") title = `Not committed: ${r.validation} in block ${r.block}`;
  else title = r.mode === "submit" ? "Submit failed" : "Evaluate failed";
  const facts = h("dl", { class: "facts" });
  const fact = (name, value, cls) => { if (value !== undefined && value !== null && value !== "") facts.append(h("dt", {}, name), h("dd", { class: cls }, value)); };
  fact("Status", r.ok ? (r.mode === "submit" ? `${r.validation}` : "success") : r.status ? `chaincode status ${r.status}` : "failed");
  fact("Transaction id", r.txid, "mono txid");
  fact("Block", r.block);
  fact("Signed by", r.identity);
  fact("Took", `${r.elapsed_ms} ms`);
  const box = h("div", { class: `result ${r.ok ? "ok" : "fail"}`, id: "call-result" }, h("h3", {}, title));
  if (r.error) box.append(h("p", { class: "error-message", id: "call-error" }, r.error));
  box.append(facts);
  if (r.result && (r.ok || r.result.kind !== "empty")) {
    box.append(h("h4", {}, "Result"), valueBlock(r.result, `result of ${tx.name}`));
  }
  if (r.mode === "submit" && r.ok) {
    box.append(h("h4", {}, `Events (${r.events.length})`));
    if (r.events.length === 0) box.append(h("p", { class: "muted" }, "It emitted no chaincode event."));
    for (const event of r.events) {
      box.append(h("div", { class: "event" }, h("p", {}, h("strong", {}, event.name), ` from ${event.chaincode}`),
        valueBlock(event.payload, `payload of event ${event.name}`)));
    }
  }
  if (r.details && r.details !== r.error) {
    box.append(h("details", {}, h("summary", {}, "Gateway error in full"), h("pre", { class: "code" }, r.details)));
  }
  box.append(h("h4", {}, "Command line"),
    h("pre", { class: "code command", id: "call-command", tabindex: "0", "aria-label": "equivalent command line" }, r.command),
    copyButton(r.command, "command"));
  return box;
}

// ----- forms from schemas -----

const INTEGER = /^-?(0|[1-9][0-9]*)$/;
const NUMBER = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$/;

function kindOf(schema) {
  if (!schema || typeof schema !== "object" || schema["x-recursive"] || schema.$ref) return "json";
  if (Array.isArray(schema.enum) && schema.enum.length) return "enum";
  const type = Array.isArray(schema.type) ? null : schema.type;
  if (type === "string") return "string";
  if (type === "integer" || type === "number") return type;
  if (type === "boolean") return "boolean";
  if ((type === "object" || !type) && schema.properties && Object.keys(schema.properties).length) return "object";
  if (type === "array" && schema.items && !Array.isArray(schema.items)) return "array";
  return "json";
}

function hintText(schema, required, description) {
  const parts = [];
  const kind = kindOf(schema);
  parts.push(required ? "required" : "optional");
  if (kind === "json") parts.push(schema && schema["x-recursive"] ? "JSON value (recursive type)" : "JSON value");
  else if (kind === "enum") parts.push("one of the listed values");
  else if (kind === "object") parts.push(schema.$id ? `object ${schema.$id}` : "object");
  else if (kind === "array") parts.push(`list of ${schemaSummary(schema.items)}`);
  else parts.push(schema.format ? `${schema.type}, ${schema.format}` : schema.type);
  if (schema && schema.format === "binary") parts.push("sent as the raw bytes of the text");
  if (schema) {
    if (schema.minimum !== undefined) parts.push(`min ${schema.minimum}`);
    if (schema.exclusiveMinimum !== undefined && schema.exclusiveMinimum !== true && schema.exclusiveMinimum !== false) parts.push(`above ${schema.exclusiveMinimum}`);
    if (schema.maximum !== undefined) parts.push(`max ${schema.maximum}`);
    if (schema.exclusiveMaximum !== undefined && schema.exclusiveMaximum !== true && schema.exclusiveMaximum !== false) parts.push(`below ${schema.exclusiveMaximum}`);
    if (schema.minLength !== undefined) parts.push(`at least ${plural(schema.minLength, "character")}`);
    if (schema.maxLength !== undefined) parts.push(`at most ${plural(schema.maxLength, "character")}`);
    if (schema.pattern !== undefined) parts.push(`matches ${schema.pattern}`);
    if (schema.minItems !== undefined) parts.push(`at least ${plural(schema.minItems, "item")}`);
    if (schema.maxItems !== undefined) parts.push(`at most ${plural(schema.maxItems, "item")}`);
  }
  let text = parts.join(", ");
  if (description) text = `${description} (${text})`;
  else if (schema && schema.description) text = `${schema.description} (${text})`;
  return text;
}

/** Checks a number's text against the schema's bounds. */
function numberErrors(text, schema, integer) {
  if (!(integer ? INTEGER : NUMBER).test(text)) return [integer ? "must be a whole number, like 42" : "must be a number, like 1.5"];
  const value = Number(text);
  const errors = [];
  if (schema.minimum !== undefined && value < schema.minimum) errors.push(`must be at least ${schema.minimum}`);
  if (schema.maximum !== undefined && value > schema.maximum) errors.push(`must be at most ${schema.maximum}`);
  if (typeof schema.exclusiveMinimum === "number" && value <= schema.exclusiveMinimum) errors.push(`must be above ${schema.exclusiveMinimum}`);
  if (typeof schema.exclusiveMaximum === "number" && value >= schema.exclusiveMaximum) errors.push(`must be below ${schema.exclusiveMaximum}`);
  if (schema.exclusiveMinimum === true && schema.minimum !== undefined && value <= schema.minimum) errors.push(`must be above ${schema.minimum}`);
  if (schema.exclusiveMaximum === true && schema.maximum !== undefined && value >= schema.maximum) errors.push(`must be below ${schema.maximum}`);
  if (schema.multipleOf && Math.abs(value / schema.multipleOf - Math.round(value / schema.multipleOf)) > 1e-9) errors.push(`must be a multiple of ${schema.multipleOf}`);
  return errors;
}

function stringErrors(text, schema) {
  const errors = [];
  const length = [...text].length;
  if (schema.minLength !== undefined && length < schema.minLength) errors.push(`must have at least ${plural(schema.minLength, "character")}`);
  if (schema.maxLength !== undefined && length > schema.maxLength) errors.push(`must have at most ${plural(schema.maxLength, "character")}`);
  if (schema.pattern !== undefined) {
    try {
      if (!new RegExp(schema.pattern, "u").test(text)) errors.push(`must match ${schema.pattern}`);
    } catch (_) { /* a pattern JavaScript cannot read is not checked here */ }
  }
  return errors;
}

/**
 * A form field for `schema`. Returns {element, collect, isEmpty}; collect()
 * gives {json, errors}: `json` is the value's JSON text (numbers exactly as
 * typed) or undefined when an optional field is left empty.
 */
function buildField(schema, opts) {
  const kind = kindOf(schema);
  const { id, label, required } = opts;
  const hintId = `${id}-hint`;
  const errorId = `${id}-error`;
  const hint = h("p", { class: "hint", id: hintId }, hintText(schema, required, opts.description));
  const error = h("p", { class: "field-error", id: errorId, hidden: true });
  const describe = `${hintId} ${errorId}`;

  // Shows (or clears) the field's errors; returns them for the summary.
  const fail = (input, messages) => {
    if (messages.length) {
      error.textContent = `${label} ${messages.join("; ")}.`;
      error.hidden = false;
      input.setAttribute("aria-invalid", "true");
      return [{ id: input.id, message: `${label} ${messages[0]}` }];
    }
    error.hidden = true;
    input.removeAttribute("aria-invalid");
    return [];
  };

  if (kind === "object") {
    const fieldset = h("fieldset", { class: "object", id, "aria-describedby": hintId }, h("legend", {}, label), hint);
    const requiredProps = new Set(schema.required || []);
    const children = Object.entries(schema.properties).map(([name, sub]) => {
      const child = buildField(sub, { id: `${id}.${name}`, label: name, required: requiredProps.has(name) });
      fieldset.append(child.element);
      return [name, child];
    });
    const isEmpty = () => children.every(([, c]) => c.isEmpty());
    return {
      element: fieldset,
      isEmpty,
      collect() {
        if (!required && isEmpty()) {
          // Not given: whatever was wrong inside no longer is.
          for (const e of fieldset.querySelectorAll(".field-error")) e.hidden = true;
          for (const e of fieldset.querySelectorAll("[aria-invalid]")) e.removeAttribute("aria-invalid");
          return { json: undefined, errors: [] };
        }
        const errors = [];
        const members = [];
        for (const [name, child] of children) {
          const out = child.collect();
          errors.push(...out.errors);
          if (out.json !== undefined) members.push(`${JSON.stringify(name)}:${out.json}`);
        }
        return { json: `{${members.join(",")}}`, errors };
      },
    };
  }

  if (kind === "array") {
    const list = h("ol", { class: "items" });
    const items = [];
    let counter = 0;
    const add = h("button", { type: "button", class: "secondary small" }, `Add ${label} item`);
    const fieldset = h("fieldset", { class: "array", id, "aria-describedby": `${hintId} ${errorId}` }, h("legend", {}, label), hint, list, add, error);
    add.addEventListener("click", () => {
      const n = counter++;
      const child = buildField(schema.items, { id: `${id}.${n}`, label: `${label} item ${n + 1}`, required: true });
      const remove = h("button", { type: "button", class: "secondary small", "aria-label": `Remove ${label} item ${n + 1}` }, "Remove");
      const li = h("li", {}, child.element, remove);
      const entry = { child, li };
      remove.addEventListener("click", () => { items.splice(items.indexOf(entry), 1); li.remove(); add.focus(); });
      items.push(entry);
      list.append(li);
      const first = li.querySelector("input, select, textarea");
      if (first) first.focus();
    });
    return {
      element: fieldset,
      isEmpty: () => items.length === 0,
      collect() {
        if (!required && items.length === 0) return { json: undefined, errors: fail(add, []) };
        const errors = [];
        const values = [];
        for (const { child } of items) {
          const out = child.collect();
          errors.push(...out.errors);
          values.push(out.json === undefined ? "null" : out.json);
        }
        const problems = [];
        if (schema.minItems !== undefined && items.length < schema.minItems) problems.push(`needs at least ${plural(schema.minItems, "item")}`);
        if (schema.maxItems !== undefined && items.length > schema.maxItems) problems.push(`takes at most ${plural(schema.maxItems, "item")}`);
        if (schema.uniqueItems && new Set(values).size !== values.length) problems.push("needs distinct items");
        return { json: `[${values.join(",")}]`, errors: [...fail(add, problems), ...errors] };
      },
    };
  }

  let input;
  if (kind === "boolean" && required) {
    input = h("input", { type: "checkbox", id, "aria-describedby": describe });
    const wrap = h("div", { class: "field check" }, input, h("label", { for: id }, label), hint, error);
    return {
      element: wrap,
      isEmpty: () => !input.checked,
      collect: () => ({ json: input.checked ? "true" : "false", errors: [] }),
    };
  }
  if (kind === "boolean" || kind === "enum") {
    const values = kind === "boolean" ? [true, false] : schema.enum;
    input = h("select", { id, "aria-describedby": describe, "aria-required": required ? "true" : null },
      h("option", { value: "" }, required ? "Choose…" : "(not given)"),
      values.map((v) => h("option", { value: JSON.stringify(v) }, typeof v === "string" ? v : JSON.stringify(v))));
  } else if (kind === "json" || (kind === "string" && schema.format === "binary")) {
    input = h("textarea", { id, rows: kind === "json" ? "4" : "2", spellcheck: "false", "aria-describedby": describe, "aria-required": required ? "true" : null });
  } else {
    const numeric = kind === "integer" || kind === "number";
    input = h("input", {
      id, type: "text", autocomplete: "off", spellcheck: "false",
      inputmode: kind === "integer" ? "numeric" : kind === "number" ? "decimal" : null,
      placeholder: schema && schema.format === "date-time" ? "2024-01-31T12:00:00Z" : numeric && schema.minimum !== undefined ? String(schema.minimum) : null,
      "aria-describedby": describe, "aria-required": required ? "true" : null,
    });
  }
  const element = h("div", { class: "field" }, h("label", { for: id }, label), input, hint, error);
  return {
    element,
    isEmpty: () => input.value === "",
    collect() {
      const text = input.value;
      if (text === "") {
        // An empty optional field is not given (an empty argument); an
        // empty required one is almost always a slip.
        return { json: undefined, errors: fail(input, required ? ["is required"] : []) };
      }
      switch (kind) {
        case "string":
          return { json: JSON.stringify(text), errors: fail(input, stringErrors(text, schema)) };
        case "integer":
        case "number": {
          const t = text.trim();
          return { json: t, errors: fail(input, numberErrors(t, schema, kind === "integer")) };
        }
        case "boolean":
        case "enum":
          return { json: text, errors: fail(input, []) };
        default: {
          try {
            JSON.parse(text);
          } catch (e) {
            return { json: undefined, errors: fail(input, [`is not valid JSON (${e.message})`]) };
          }
          return { json: text.trim(), errors: fail(input, []) };
        }
      }
    },
  };
}

// ----- ledger -----

let ledgerSpaces = [];

async function showLedger() {
  try {
    ledgerSpaces = await api("/api/ledger");
  } catch (e) {
    $("ledger-results").replaceChildren(h("p", { class: "error" }, e.message));
    return;
  }
  const select = $("ledger-ns");
  const previous = select.value;
  select.replaceChildren(...ledgerSpaces.map((ns) => h("option", { value: ns.name }, `${ns.name} (${plural(ns.keys, "key")})`)));
  if (ledgerSpaces.length === 0) {
    $("ledger-results").replaceChildren(h("div", { class: "empty" }, h("p", {}, "No chaincodes and no keys on this channel yet.")));
    return;
  }
  if (ledgerSpaces.some((ns) => ns.name === previous)) select.value = previous;
  fillCollections();
  await searchLedger(null);
}

function fillCollections() {
  const ns = ledgerSpaces.find((n) => n.name === $("ledger-ns").value);
  const select = $("ledger-collection");
  const previous = select.value;
  select.replaceChildren(h("option", { value: "" }, "Public world state"),
    ...(ns ? ns.collections : []).map((c) => h("option", { value: c.name }, `Private: ${c.name} (${plural(c.keys, "key")})`)));
  if ([...select.options].some((o) => o.value === previous)) select.value = previous;
}

function addAttributeField(value) {
  const box = $("ledger-attrs");
  const n = box.children.length;
  const id = `ledger-attr-${n}`;
  box.append(h("div", { class: "field" }, h("label", { for: id }, `Attribute ${n + 1}`),
    h("input", { id, type: "text", autocomplete: "off", spellcheck: "false", value: value || null })));
  return $(id);
}

function ledgerQuery(after) {
  const params = new URLSearchParams();
  const collection = $("ledger-collection").value;
  if (collection) params.set("collection", collection);
  const composite = document.querySelector("input[name=search-kind]:checked").value === "composite";
  if (composite) {
    const type = $("ledger-type").value;
    if (type) {
      params.set("type", type);
      for (const input of $("ledger-attrs").querySelectorAll("input")) params.append("attr", input.value);
    }
  } else if ($("ledger-prefix").value) {
    params.set("prefix", $("ledger-prefix").value);
  }
  const id = identity();
  if (id) params.set("mspid", id.mspid);
  params.set("limit", "25");
  if (after) params.set("after", after);
  return params;
}

async function searchLedger(after) {
  const ns = $("ledger-ns").value;
  const results = $("ledger-results");
  if (!ns) return;
  if (after === null) state.ledgerPage = [];
  let page;
  try {
    page = await api(`/api/ledger/${encodeURIComponent(ns)}/keys?${ledgerQuery(after)}`);
  } catch (e) {
    results.replaceChildren(h("p", { class: "error", role: "alert" }, e.message));
    return;
  }
  const collection = $("ledger-collection").value;
  const note = $("ledger-note");
  if (collection) {
    const id = identity();
    const who = page.readers.length ? page.readers.join(" and ") : "every organization";
    note.textContent = `${collection} is private data. Values are shown to ${who}` +
      (page.readable ? `; ${id.mspid} may read them.` : `; ${id.name} of ${id.mspid} sees each value's SHA-256 only (what every peer holds).`);
    note.hidden = false;
  } else {
    note.hidden = true;
  }
  const where = collection ? `${ns} / ${collection}` : `${ns}'s world state`;
  results.replaceChildren();
  if (page.keys.length === 0) {
    results.append(h("div", { class: "empty" }, h("p", {}, after ? "No more keys." : `No keys in ${where}${ledgerFiltered() ? " match the search" : ""}.`)));
  } else {
    results.append(h("p", { class: "muted", id: "ledger-summary" },
      `${plural(page.keys.length, "key")} of ${where}${state.ledgerPage.length ? `, page ${state.ledgerPage.length + 1}` : ""}`));
    const list = h("ul", { class: "keys" });
    for (const key of page.keys) list.append(renderKey(ns, key, Boolean(collection)));
    results.append(list);
  }
  const pager = h("div", { class: "actions pager" });
  if (after !== null) {
    const back = h("button", { type: "button", class: "secondary" }, "Previous page");
    back.addEventListener("click", () => { state.ledgerPage.pop(); searchLedger(state.ledgerPage.length ? state.ledgerPage[state.ledgerPage.length - 1] : null); });
    pager.append(back);
  }
  if (page.next) {
    const next = h("button", { type: "button", class: "secondary" }, "Next page");
    next.addEventListener("click", () => { state.ledgerPage.push(page.next); searchLedger(page.next); });
    pager.append(next);
  }
  if (pager.children.length) results.append(pager);
}

function ledgerFiltered() {
  const composite = document.querySelector("input[name=search-kind]:checked").value === "composite";
  return composite ? Boolean($("ledger-type").value) : Boolean($("ledger-prefix").value);
}

function renderKey(ns, key, isPrivate) {
  const title = key.composite
    ? h("span", {}, h("span", { class: "badge" }, key.composite.object_type), " ",
      key.composite.attributes.map((a) => h("span", { class: "attr" }, a)))
    : key.key;
  const item = h("li", { class: "key" },
    h("h3", { class: "key-name mono" }, title),
    key.composite ? h("p", { class: "muted mono small" }, showKey(key.key)) : null);
  if (key.value) item.append(valueBlock(key.value, `value of ${showKey(key.key)}`));
  else item.append(h("p", { class: "muted" }, `Value hidden (${key.size} bytes).`));
  const meta = [];
  if (key.version) meta.push(`last written in block ${key.version[0]}, transaction ${key.version[1]}`);
  item.append(h("p", { class: "meta" }, meta.join(" · ")));
  if (key.sha256) item.append(h("p", { class: "meta mono" }, `SHA-256 ${key.sha256}`));
  if (!isPrivate) {
    const button = h("button", { type: "button", class: "secondary small", "aria-expanded": "false" }, "History");
    const box = h("div", { class: "history", hidden: true });
    button.addEventListener("click", async () => {
      const open = button.getAttribute("aria-expanded") === "true";
      button.setAttribute("aria-expanded", String(!open));
      box.hidden = open;
      if (open) return;
      box.replaceChildren(h("p", { class: "muted" }, "Loading history…"));
      try {
        const entries = await api(`/api/ledger/${encodeURIComponent(ns)}/history?key=${encodeURIComponent(key.key)}`);
        box.replaceChildren(renderHistory(entries, key.key));
      } catch (e) {
        box.replaceChildren(h("p", { class: "error" }, e.message));
      }
    });
    item.append(button, box);
  }
  return item;
}

function renderHistory(entries, key) {
  if (entries.length === 0) return h("p", { class: "muted" }, "No history.");
  return h("ol", { class: "history-list", "aria-label": `history of ${showKey(key)}` }, entries.map((e) =>
    h("li", {},
      h("p", {}, h("span", { class: "mono txid" }, e.txid), " ",
        e.is_delete ? h("span", { class: "badge warn" }, "deleted") : h("span", { class: "badge" }, "written"),
        " ", h("time", { datetime: e.time || "" }, e.time ? new Date(e.time).toLocaleString() : "no time")),
      e.value ? valueBlock(e.value, `value written by ${e.txid}`) : null)));
}

function setupLedger() {
  $("ledger-form").addEventListener("submit", (event) => { event.preventDefault(); searchLedger(null); });
  $("ledger-ns").addEventListener("change", () => { fillCollections(); searchLedger(null); });
  $("ledger-collection").addEventListener("change", () => searchLedger(null));
  for (const radio of document.querySelectorAll("input[name=search-kind]")) {
    radio.addEventListener("change", () => {
      const composite = radio.value === "composite" && radio.checked;
      $("prefix-fields").hidden = composite;
      $("composite-fields").hidden = !composite;
    });
  }
  addAttributeField();
  $("ledger-add-attr").addEventListener("click", () => addAttributeField().focus());
}

// ----- live feed -----

function renderFeedItem(item) {
  const ok = item.code === 0;
  return h("li", { class: `feed-item ${ok ? "ok" : "fail"}`, "data-txid": item.txid },
    h("p", { class: "feed-head" },
      h("strong", {}, `Block ${item.block}`), " ",
      h("span", { class: `badge ${ok ? "evaluate" : "warn"}` }, item.validation), " ",
      h("span", { class: "mono txid", title: item.txid }, item.txid)),
    item.events.length === 0
      ? h("p", { class: "muted" }, ok ? "No chaincode event." : "Invalid: its writes and events were discarded.")
      : h("ul", { class: "events" }, item.events.map((e) => h("li", { class: "event" },
        h("p", {}, h("strong", { class: "event-name" }, e.name), ` from ${e.chaincode}`),
        valueBlock(e.payload, `payload of event ${e.name}`)))));
}

function startFeed() {
  const status = $("feed-status");
  const list = $("feed-list");
  const source = new EventSource("/api/feed");
  source.addEventListener("open", () => { status.textContent = "Live."; });
  source.addEventListener("error", () => { status.textContent = "Disconnected; reconnecting…"; });
  source.addEventListener("transaction", (message) => {
    const item = JSON.parse(message.data);
    if (list.querySelector(`[data-seq="${item.seq}"]`)) return;
    const li = renderFeedItem(item);
    li.setAttribute("data-seq", item.seq);
    list.prepend(li);
    while (list.children.length > 200) list.lastElementChild.remove();
    state.feedCount += 1;
    $("feed-count").textContent = String(state.feedCount);
    $("feed-empty").hidden = true;
  });
}

// ----- start -----

async function start() {
  $("error-close").addEventListener("click", () => { $("error-banner").hidden = true; });
  setupLedger();
  window.addEventListener("hashchange", () => render().catch((e) => showError(e.message)));
  try {
    await Promise.all([loadInfo(), loadIdentities()]);
    await loadChaincodes();
  } catch (e) {
    showError(e.message);
  }
  startFeed();
  await render().catch((e) => showError(e.message));
  document.body.setAttribute("data-ready", "true");
}

start();

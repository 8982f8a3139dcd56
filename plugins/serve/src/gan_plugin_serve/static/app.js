// gan serve's page: plain JavaScript, no library, nothing fetched but this server's own API.
"use strict";

const $ = (id) => document.getElementById(id);
let runs = [];
let current = null;

function status(message) {
  $("status").textContent = message || "";
}

function api(path, params) {
  const query = new URLSearchParams({ run: current.name, ...params });
  return `/api/${path}?${query}`;
}

async function errorOf(response) {
  try {
    const body = await response.json();
    return body.error || response.statusText;
  } catch (_) {
    return response.statusText;
  }
}

// Load a PNG from the API into an <img>; a refusal is shown in the status line, not thrown. Each image
// keeps a request counter, so that an answer that arrives after a newer request was sent is dropped.
const latest = new Map();
let pending = 0;

async function show(img, url, options) {
  const ticket = (latest.get(img.id) || 0) + 1;
  latest.set(img.id, ticket);
  pending += 1;
  status("working...");
  let message = "";
  try {
    const response = await fetch(url, options);
    if (latest.get(img.id) !== ticket) return;
    if (!response.ok) {
      message = await errorOf(response);
      return;
    }
    const blob = await response.blob();
    if (latest.get(img.id) !== ticket) return;
    if (img.dataset.url) URL.revokeObjectURL(img.dataset.url);
    img.dataset.url = URL.createObjectURL(blob);
    img.src = img.dataset.url;
    img.dataset.loaded = String(Number(img.dataset.loaded || 0) + 1);
  } catch (error) {
    message = `the server did not answer (${error.message})`;
  } finally {
    pending -= 1;
    if (message) status(message);
    else if (pending === 0 && $("status").textContent === "working...") status("");
  }
}

function classParam() {
  const value = $("class-select").value;
  return value === "all" ? {} : { label: value };
}

function drawSamples() {
  show($("grid"), api("sample", { seed: $("seed").value, n: $("n").value, ...classParam() }));
}

function drawStrip() {
  const value = $("class-select").value;
  const label = current.classes && value !== "all" ? { label: value } : {};
  show($("strip"), api("interpolate", {
    a: $("interp-a").value, b: $("interp-b").value, steps: $("interp-steps").value,
    mode: $("interp-mode").value, ...label,
  }));
}

async function drawRunTab() {
  let details;
  try {
    const response = await fetch(api("run", {}));
    if (!response.ok) {
      status(await errorOf(response));
      return;
    }
    details = await response.json();
  } catch (error) {
    status(`the server did not answer (${error.message})`);
    return;
  }
  $("settings").textContent = details.settings;
  fillTable($("metrics"), flatten(details.metrics || {}), "none: gan eval RUN_DIR measures them");
  fillTable($("last"), Object.entries(details.last || {}), "nothing logged");
  fillTable($("events"), (details.events || []).map((e) => [`step ${e.step}: ${e.event}`, e.detail]),
    "no failure mode detected");
  $("no-losses").hidden = details.losses;
  $("losses").hidden = !details.losses;
  if (details.losses) show($("losses"), api("losses", {}));
}

function flatten(object, prefix = "") {
  return Object.entries(object).flatMap(([key, value]) =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? flatten(value, `${prefix}${key}.`) : [[`${prefix}${key}`, value]]);
}

function fillTable(table, rows, empty) {
  table.replaceChildren();
  if (!rows.length) rows = [[empty, ""]];
  for (const [name, value] of rows) {
    const row = table.insertRow();
    row.insertCell().textContent = name;
    row.insertCell().textContent = typeof value === "number" ? Number(value.toPrecision(4)) : String(value);
  }
}

function examplesCount() {
  return Math.min(8, Number($("n").options[$("n").options.length - 1].value));
}

function selectRun(name) {
  current = runs.find((run) => run.name === name);
  const translation = current.kind === "translation";
  $("noise-controls").hidden = translation;
  $("transfer-controls").hidden = !translation;
  $("class-label").hidden = current.kind !== "conditional";
  $("run-summary").textContent =
    `${current.variant}, ${current.kind}, step ${current.step}${current.averaged ? ", weight average" : ""}`;
  const classes = $("class-select");
  classes.replaceChildren(new Option("all (one row each)", "all"));
  for (let k = 0; k < (current.classes || 0); k++) classes.add(new Option(String(k), String(k)));
  if (translation) show($("examples"), api("examples", { seed: $("examples-seed").value, n: examplesCount() }));
  else { drawSamples(); drawStrip(); }
  if (!$("panel-run").hidden) drawRunTab();
}

function openTab(button) {
  for (const tab of document.querySelectorAll(".tab")) {
    tab.classList.toggle("active", tab === button);
    $(tab.dataset.panel).hidden = tab !== button;
  }
  if (button.id === "tab-run") drawRunTab();
}

// Offer only what the server's limits allow (gan serve --max-n), so that no request is refused.
function applyLimits(limits) {
  for (const option of Array.from($("n").options)) {
    if (Number(option.value) > limits.max_n) option.remove();
  }
  if (!$("n").options.length) $("n").add(new Option(String(limits.max_n), String(limits.max_n)));
  $("interp-steps").max = String(limits.max_steps);
}

async function start() {
  try {
    const response = await fetch("/api/runs");
    const listing = await response.json();
    runs = listing.runs;
    applyLimits(listing.limits);
  } catch (error) {
    status(`the server did not answer (${error.message})`);
    return;
  }
  const select = $("run-select");
  for (const run of runs) select.add(new Option(`${run.name} (${run.variant})`, run.name));
  select.addEventListener("change", () => selectRun(select.value));
  for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => openTab(tab));
  $("new-seed").addEventListener("click", () => {
    $("seed").value = Math.floor(Math.random() * 1000000);
    drawSamples();
  });
  for (const id of ["seed", "n", "class-select"]) $(id).addEventListener("change", drawSamples);
  $("interp-go").addEventListener("click", drawStrip);
  $("transfer-go").addEventListener("click", () => {
    const files = $("upload").files;
    if (!files.length) {
      status("choose one or more images first");
      return;
    }
    const form = new FormData();
    for (const file of files) form.append("image", file);
    show($("transfer"), api("transfer", {}), { method: "POST", body: form });
  });
  $("examples-go").addEventListener("click", () => {
    $("examples-seed").value = Number($("examples-seed").value) + 1;
    show($("examples"), api("examples", { seed: $("examples-seed").value, n: examplesCount() }));
  });
  if (runs.length) selectRun(runs[0].name);
}

start();

// The explorer's page script: expands the data, builds the controls and links them to the
// Vega view's parameters. Texts from the study are set with textContent only, never as markup.
(() => {
"use strict";

const P = JSON.parse(document.getElementById("payload").textContent);
const SPEC = JSON.parse(document.getElementById("spec").textContent);
const FORMAT_LOCALE = JSON.parse(document.getElementById("format-locale").textContent);
const T = P.texts;
const state = { view: null, rows: [] };

function byId(id) {
  return document.getElementById(id);
}

function setText(id, text) {
  const element = byId(id);
  if (element) element.textContent = text;
}

function expandRows() {
  const c = P.columns;
  const n = c.si.length;
  const rows = new Array(n);
  for (let k = 0; k < n; k++) {
    const s = P.scenarios[c.si[k]];
    const a = P.column_areas[c.ai[k]];
    rows[k] = {
      s: s.id, t: s.title, i: P.indicators[c.ii[k]].id, a: a.id, n: a.name,
      y: P.years[c.yi[k]], m: c.m[k], lo: c.lo[k], hi: c.hi[k],
      d: c.d[k], dl: c.dl[k], dh: c.dh[k],
    };
  }
  return rows;
}

function goalRows() {
  const titles = Object.fromEntries(P.scenarios.map((s) => [s.id, s.title]));
  return P.goals.map((g) => Object.assign({ t: titles[g.s] }, g));
}

function frontRows() {
  if (!P.front) return [];
  return P.front.points.map((p) => ({
    n: p.n, kind: p.kind, phasing: p.phasing,
    x: p.v[0], xlo: p.lo[0], xhi: p.hi[0],
    y: p.v[p.v.length - 1], ylo: p.lo[p.lo.length - 1], yhi: p.hi[p.hi.length - 1],
  }));
}

// A text with {key} places filled in: the values are inserted as they are (no $ patterns).
function fill(template, values) {
  return template.replace(/\{(\w+)\}/g, (whole, key) => (key in values ? String(values[key]) : whole));
}

function option(select, value, text) {
  const element = document.createElement("option");
  element.value = value;
  element.textContent = text;
  select.appendChild(element);
}

function chosenScenarios() {
  return Array.from(document.querySelectorAll("#scenarios input:checked")).map((i) => i.value);
}

async function update(names) {
  if (!state.view) return;
  const view = state.view;
  const scenario = P.scenarios.find((s) => s.id === byId("map-scenario").value);
  const indicator = P.indicators.find((i) => i.id === byId("indicator").value);
  const area = P.areas.find((a) => a.id === byId("area").value);
  const values = {
    scen: scenario.id, scenTitle: scenario.title, scens: chosenScenarios(),
    ind: indicator.id, indTitle: indicator.title,
    year: Number(byId("year").value), area: area.id, areaName: area.name,
  };
  const changed = names || Object.keys(values);
  if (changed.includes("scen") || changed.includes("ind")) {
    Object.assign(values, mapScale(scenario.id, indicator.id));
    changed.push("mapDomain", "mapRange", "mapMeaning");
  }
  for (const name of changed) view.signal(name, values[name]);
  byId("year-value").textContent = String(values.year);
  const about = [scenario.description ? scenario.title + ": " + scenario.description : scenario.title];
  if (indicator.description) about.push(indicator.title + ": " + indicator.description);
  byId("description").textContent = about.join(" — ");
  await view.runAsync();
}

// The map's colour stops for a scenario and indicator over all years and municipalities: a
// difference symmetric about 0, or the baseline's level from its lowest to its highest value.
function mapScale(scenario, indicator) {
  const level = scenario === P.baseline;
  let low = Infinity;
  let high = -Infinity;
  for (const row of state.rows) {
    if (row.s !== scenario || row.i !== indicator || row.a === "region") continue;
    const value = level ? row.m : row.d;
    if (value === null || !Number.isFinite(value)) continue;
    low = Math.min(low, value);
    high = Math.max(high, value);
  }
  if (!Number.isFinite(low)) [low, high] = [0, 1];
  if (level) {
    if (high <= low) high = low + 1;
    return {
      mapDomain: [low, (low + high) / 2, high],
      mapRange: P.colours.sequential,
      mapMeaning: T.map_level,
    };
  }
  const limit = Math.max(Math.abs(low), Math.abs(high)) || 1;
  return { mapDomain: [-limit, 0, limit], mapRange: P.colours.diverging, mapMeaning: T.map };
}

function buildControls() {
  document.title = T.title;
  setText("title", T.title);
  setText("note", T.note);
  setText("scenarios-head", T.scenarios);
  setText("map-scenario-head", T.map_scenario);
  setText("indicator-head", T.indicator);
  setText("year-head", T.year);
  setText("area-head", T.area);
  setText("phasing-head", T.phasing);
  const box = byId("scenarios");
  const mapScenario = byId("map-scenario");
  for (const s of P.scenarios) {
    const label = document.createElement("label");
    const input = document.createElement("input");
    input.type = "checkbox";
    input.value = s.id;
    input.checked = true;
    input.addEventListener("change", () => update(["scens"]));
    const span = document.createElement("span");
    span.textContent = " " + s.title;
    label.title = s.description || "";
    label.append(input, span);
    box.appendChild(label);
    option(mapScenario, s.id, s.title);
  }
  const firstOther = P.scenarios.find((s) => s.id !== P.baseline);
  mapScenario.value = (firstOther || P.scenarios[0]).id;
  mapScenario.addEventListener("change", () => update(["scen", "scenTitle"]));
  const indicator = byId("indicator");
  for (const i of P.indicators) option(indicator, i.id, i.title);
  indicator.addEventListener("change", () => update(["ind", "indTitle"]));
  const year = byId("year");
  year.min = String(P.years[0]);
  year.max = String(P.years[P.years.length - 1]);
  year.step = "1";
  year.value = year.max;
  year.addEventListener("input", () => update(["year"]));
  const area = byId("area");
  for (const a of P.areas) option(area, a.id, a.name);
  area.addEventListener("change", () => update(["area", "areaName"]));
  if (P.front) {
    byId("front-panel").hidden = false;
    setText("phasing", T.pick_solution);
  }
}

function onClick(event, item) {
  const datum = item && item.datum;
  if (!datum) return;
  if (datum.a !== undefined && datum.geometry !== undefined) {
    byId("area").value = datum.a;
    update(["area", "areaName"]);
  } else if (datum.phasing !== undefined) {
    const mark = datum.kind === T.hand_made ? datum.n : "#" + datum.n;
    byId("phasing").textContent = mark + " (" + datum.kind + "): " + datum.phasing;
    state.view.signal("solution", datum.n).runAsync();
  }
}


// ---- the workshop form (sim explore) ----

function fieldLabel(field) {
  const stage = field.name.match(/^stages\.(\d+)\.(year|dwellings)$/);
  if (stage) return fill(T["f_stage_" + stage[2]], { n: Number(stage[1]) + 1 });
  return T["f_" + field.name] || field.name;
}

function fieldInput(field) {
  let input;
  if (field.kind === "place" || field.kind === "phasing") {
    input = document.createElement("select");
    const choices = field.kind === "place" ? P.live.municipalities : P.live.phasing_rules;
    for (const choice of choices) option(input, choice, choice);
    if (!choices.includes(String(field.value))) option(input, String(field.value), String(field.value));
    input.value = String(field.value);
  } else {
    input = document.createElement("input");
    input.type = "number";
    input.step = field.kind === "decimal" ? "any" : "1";
    input.value = field.value === null || field.value === undefined ? "" : String(field.value);
  }
  input.dataset.path = field.path;
  input.dataset.original = input.value;
  input.setAttribute("aria-label", fieldLabel(field));
  return input;
}

function showEdits() {
  const base = byId("base-scenario").value;
  const box = byId("edits");
  box.replaceChildren();
  const scenario = P.scenarios.find((s) => s.id === base);
  byId("new-name").value = base + "_" + T.variant;
  const titles = P.live.titles[base] || { title: scenario.title, title_sv: scenario.title };
  byId("new-title").value = titles.title + " (workshop)";
  byId("new-title-sv").value = titles.title_sv + " (verkstad)";
  for (const group of P.live.scenarios[base]) {
    const table = document.createElement("table");
    const caption = document.createElement("caption");
    caption.textContent = P.lang === "sv" ? group.title_sv : group.title;
    table.appendChild(caption);
    const head = document.createElement("tr");
    const row = document.createElement("tr");
    for (const field of group.fields) {
      const th = document.createElement("th");
      th.textContent = fieldLabel(field);
      head.appendChild(th);
      const td = document.createElement("td");
      td.appendChild(fieldInput(field));
      row.appendChild(td);
    }
    table.append(head, row);
    box.appendChild(table);
  }
}

function say(text, error) {
  const message = byId("message");
  message.textContent = text;
  message.className = error ? "error" : "";
}

async function post(path, body) {
  const response = await fetch(path, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error || response.statusText);
  return answer;
}

async function follow() {
  const bar = byId("progress");
  bar.hidden = false;
  for (;;) {
    const status = await (await fetch("/api/status", { cache: "no-store" })).json();
    bar.max = Math.max(status.total, 1);
    bar.value = status.done;
    say(fill(T.running, { done: status.done, total: status.total }), false);
    if (status.state === "done") {
      sessionStorage.setItem("workshop-last", status.scenario);
      sessionStorage.setItem("workshop-base", status.scenario);
      window.location.reload();
      return;
    }
    if (status.state === "failed") {
      bar.hidden = true;
      say(T.failed + status.message, true);
      byId("run").disabled = false;
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

async function runEdited() {
  const edits = {};
  for (const input of document.querySelectorAll("#edits [data-path]")) {
    if (input.value !== input.dataset.original) edits[input.dataset.path] = input.value;
  }
  const request = {
    base: byId("base-scenario").value, name: byId("new-name").value.trim(),
    title: byId("new-title").value, title_sv: byId("new-title-sv").value, edits: edits,
  };
  byId("run").disabled = true;
  sessionStorage.setItem("workshop-base", request.base);
  try {
    await post("/api/run", request);
    await follow();
  } catch (error) {
    say(error.message, true);
    byId("run").disabled = false;
  }
}

async function saveLast() {
  const name = P.live.last;
  try {
    const answer = await post("/api/save", { name: name });
    say(fill(T.saved, { path: answer.path, command: answer.command }), false);
  } catch (error) {
    say(error.message, true);
  }
}

function buildWorkshop() {
  setText("workshop-head", T.workshop_head);
  setText("workshop-note", fill(T.workshop_note, { seeds: P.live.seeds, folder: P.live.scenario_dir }));
  setText("base-head", T.base);
  setText("name-head", T.name);
  setText("title-head", T.title_en);
  setText("title-sv-head", T.title_sv);
  setText("run", T.run);
  setText("save", T.save);
  const base = byId("base-scenario");
  for (const s of P.scenarios) if (P.live.scenarios[s.id]) option(base, s.id, s.title);
  base.value = P.baseline;
  const other = P.scenarios.find((s) => s.id !== P.baseline && P.live.scenarios[s.id]);
  if (other) base.value = other.id;
  const before = sessionStorage.getItem("workshop-base");
  if (before && P.live.scenarios[before]) base.value = before;
  base.addEventListener("change", showEdits);
  showEdits();
  byId("run").addEventListener("click", runEdited);
  byId("save").addEventListener("click", saveLast);
  if (P.live.last) {
    byId("save").disabled = false;
    const last = P.scenarios.find((s) => s.id === P.live.last);
    if (last && sessionStorage.getItem("workshop-last") === last.id) {
      byId("map-scenario").value = last.id;
      say(fill(T.done, { name: last.title }), false);
    }
  }
}

async function main() {
  buildControls();
  if (P.live) buildWorkshop();
  state.rows = expandRows();
  SPEC.datasets = Object.assign({}, SPEC.datasets, {
    rows: state.rows, shapes: P.shapes, flows: P.flows, goals: goalRows(), front: frontRows(),
  });
  const result = await vegaEmbed("#views", SPEC, {
    renderer: "svg", actions: false, formatLocale: FORMAT_LOCALE,
  });
  state.view = result.view;
  state.view.addEventListener("click", onClick);
  await update();
  document.body.dataset.ready = "true";
}

main().catch((error) => {
  console.error(error);
});
})();

// Entente's read-only dashboard: fetches /api/overview every 2 s and redraws the page from it.
// Everything is built with DOM calls and textContent, never from HTML strings, so no value read
// from the federation can inject markup.
"use strict";

const REFRESH_MS = 2000;
const COLORS = ["#3b6fd8", "#d8573b", "#2f9e6e", "#8e5bd8", "#c9a227", "#d83b8e", "#3bb5d8"];
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === "class") e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return e;
}

function svg(tag, attrs, text) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function time(ms) {
  return ms ? new Date(ms).toLocaleTimeString([], { hour12: false }) : "";
}

function hours(h) {
  return h === 0 ? "0" : h < 0.01 ? h.toFixed(6) : h.toFixed(3);
}

function gib(bytes) {
  return (bytes / 2 ** 30).toFixed(1) + " GiB";
}

function stateTag(s) {
  return el("span", { class: "state " + s }, s);
}

function quotaBar(label, used, nominal, borrowed, limit) {
  const scale = Math.max(nominal + (limit || 0), used, 1);
  const inQuota = Math.min(used, nominal);
  const bar = el("div", { class: "bar" });
  const u = el("span", { class: "used" });
  u.style.width = (100 * inQuota / scale) + "%";
  const b = el("span", { class: "borrowed" });
  b.style.left = (100 * inQuota / scale) + "%";
  b.style.width = (100 * borrowed / scale) + "%";
  bar.append(u, b);
  const text = `${label}: ${used} of ${nominal} nominal` + (borrowed > 0 ? `, ${borrowed} borrowed` : "")
    + (limit === null || limit === undefined ? "" : ` (may borrow ${limit})`);
  return el("div", { class: "quota" }, text, bar);
}

function nationCard(n, color) {
  const card = el("div", { class: "card nation", "data-nation": n.name });
  const t = n.totals;
  card.append(el("h3", {}, el("span", {}, el("i", { class: "swatch" }), n.name),
    el("span", { class: "muted" }, `${n.nodes.length} node(s)`)));
  card.querySelector(".swatch").style.cssText =
    `display:inline-block;width:.7rem;height:.7rem;border-radius:2px;margin-right:.4rem;background:${color}`;
  const rows = el("tbody");
  for (const node of n.nodes) {
    rows.append(el("tr", { "data-node": n.name + "/" + node.name },
      el("td", {}, node.name), el("td", {}, stateTag(node.state)),
      el("td", {}, node.gpus + " GPU" + (node.gpuModels.length ? " " + node.gpuModels.join(", ") : "")),
      el("td", {}, node.cpus + " CPU, " + gib(node.memoryBytes)),
      el("td", {}, node.shards + " shard(s)")));
  }
  card.append(el("table", {}, rows));
  if (n.quota) {
    const q = n.quota;
    card.append(quotaBar("GPUs", q.used.gpus, q.nominal.gpus, q.borrowed.gpus,
      q.borrowingLimit ? q.borrowingLimit.gpus : null));
    card.append(quotaBar("CPUs", q.used.cpus, q.nominal.cpus, q.borrowed.cpus,
      q.borrowingLimit ? q.borrowingLimit.cpus : null));
    card.append(el("div", { class: "muted quota" }, `quota ${q.source}`));
  }
  card.append(el("div", { class: "quota" },
    `GPU-h contributed ${hours(t.contributedGpuHours)}, consumed ${hours(t.consumedGpuHours)}; `
    + `CPU-h contributed ${hours(t.contributedCpuHours)}, consumed ${hours(t.consumedCpuHours)}`));
  return card;
}

function drawChart(o, colors) {
  const gpu = o.nations.some(n => n.totals.contributedGpuHours > 0 || n.totals.consumedGpuHours > 0);
  const unit = gpu ? "GPU-hours" : "CPU-hours";
  const pick = gpu ? ["contributedGpuHours", "consumedGpuHours"] : ["contributedCpuHours", "consumedCpuHours"];
  document.getElementById("chart-title").textContent = `Contributed and consumed ${unit} over time`
    + (gpu ? "" : " (no GPU time counted yet)");
  const W = 900, H = 260, L = 70, R = 20, T = 15, B = 30;
  const all = o.nations.flatMap(n => n.contributions);
  const t0 = all.length ? Math.min(...all.map(p => p.atMs)) : o.atMs - 60000;
  const t1 = Math.max(o.atMs, t0 + 1000);
  const ymax = Math.max(1e-9, ...all.flatMap(p => [p[pick[0]], p[pick[1]]])) * 1.1;
  const x = t => L + (W - L - R) * (t - t0) / (t1 - t0);
  const y = v => H - B - (H - T - B) * v / ymax;
  const s = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": unit + " per nation" });
  for (let i = 0; i <= 4; i++) {
    const v = ymax * i / 4;
    s.append(svg("line", { x1: L, x2: W - R, y1: y(v), y2: y(v), stroke: "#e5e8ee" }));
    s.append(svg("text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", "font-size": 11, fill: "#6b7485" }, hours(v)));
  }
  s.append(svg("text", { x: L, y: H - 8, "font-size": 11, fill: "#6b7485" }, time(t0)));
  s.append(svg("text", { x: W - R, y: H - 8, "text-anchor": "end", "font-size": 11, fill: "#6b7485" }, time(t1)));
  o.nations.forEach((n, i) => {
    pick.forEach((field, k) => {
      if (!n.contributions.length) return;
      let d = `M${x(t0)},${y(0)}`;
      let last = 0;
      for (const p of n.contributions) {
        d += ` L${x(p.atMs)},${y(last)} L${x(p.atMs)},${y(p[field])}`;
        last = p[field];
      }
      d += ` L${x(t1)},${y(last)}`;
      s.append(svg("path", { d, fill: "none", stroke: colors[i], "stroke-width": 2,
        "stroke-dasharray": k === 0 ? "" : "6 4", "data-series": n.name + "-" + (k === 0 ? "contributed" : "consumed") }));
    });
  });
  const legend = el("div", { class: "legend" });
  o.nations.forEach((n, i) => {
    const sw = el("i");
    sw.style.background = colors[i];
    legend.append(el("span", {}, sw, n.name));
  });
  legend.append(el("span", { class: "muted" }, "solid: contributed, dashed: consumed"));
  document.getElementById("chart").replaceChildren(s, legend);
}

function drawJobs(o) {
  const body = document.querySelector("#jobs tbody");
  body.replaceChildren(...o.jobs.map(j => el("tr", { "data-job": j.id },
    el("td", {}, j.id), el("td", {}, j.name || ""), el("td", {}, j.kind), el("td", {}, j.nation),
    el("td", { class: "job-state" }, stateTag(j.state)),
    el("td", {}, ...j.shards.flatMap(s => [el("span", { class: "shard", "data-shard": s.index },
      `${s.index} `, stateTag(s.state), s.node ? ` ${s.node}` : ""), " "])))));
  document.getElementById("no-jobs").hidden = o.jobs.length > 0;
}

function drawLedger(o) {
  const l = o.ledger, c = l.checkpoint;
  const rows = [["entries read", l.entries],
    ["cosigned checkpoint", c ? `size ${c.size} at ${time(c.atMs)}` : "none yet"],
    ["root", c ? c.root : ""], ["cosigned by", c ? c.cosignedBy.join(", ") : ""],
    ["audit", l.audit === "ok" ? "no witness or governance alarms" : "ALARM"]];
  document.getElementById("ledger").replaceChildren(...rows.flatMap(([k, v]) =>
    [el("dt", {}, k), el("dd", { "data-field": k }, v)]));
  document.getElementById("alarms").replaceChildren(
    ...l.alarms.concat(l.governanceAlarms).map(a => el("li", {}, a)));
}

function drawProposals(o) {
  document.querySelector("#proposals tbody").replaceChildren(...o.proposals.map(p =>
    el("tr", { "data-proposal": p.id }, el("td", {}, p.id), el("td", {}, `${p.kind}: ${p.summary}`),
      el("td", {}, `${p.approvedBy.join(", ") || "none"} (needs ${p.required})`),
      el("td", {}, p.missing.join(", ")), el("td", {}, time(p.expiresAtMs)))));
  document.getElementById("no-proposals").hidden = o.proposals.length > 0;
}

function draw(o) {
  const colors = o.nations.map((_, i) => COLORS[i % COLORS.length]);
  document.getElementById("replica").textContent =
    `replica ${o.replica}; leader ${o.leader || "unknown"}; updated ${time(o.atMs)}`;
  const status = document.getElementById("status");
  status.textContent = o.ledger.audit === "ok" ? "audit ok" : "alarm";
  status.className = "badge " + o.ledger.audit;
  document.getElementById("nations").replaceChildren(...o.nations.map((n, i) => nationCard(n, colors[i])));
  drawChart(o, colors);
  drawJobs(o);
  drawLedger(o);
  drawProposals(o);
  document.body.dataset.updated = String(o.atMs);
}

async function refresh() {
  try {
    const r = await fetch("/api/overview", { cache: "no-store" });
    if (!r.ok) throw new Error("HTTP " + r.status);
    draw(await r.json());
  } catch (e) {
    const status = document.getElementById("status");
    status.textContent = "offline: " + e.message;
    status.className = "badge offline";
  } finally {
    setTimeout(refresh, REFRESH_MS);
  }
}

refresh();

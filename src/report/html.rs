//! The HTML report (`concord check --html OUT.html`): one self-contained
//! file (inline CSS and JavaScript, no network) with a timeline of the
//! history drawn on a canvas (one lane per process, operations as
//! intervals, unknown-outcome operations open-ended), the guarantees and
//! their verdicts, and each violation's explanation; selecting a violation
//! highlights its operations, draws its labelled edges over the timeline
//! and, for linearizability, numbers its longest partial linearization.
//! Zoom with the wheel, pan by dragging, hover for details with input
//! lines. Only what is visible is drawn, so 10,000 operations stay
//! responsive.
//!
//! The page exposes its state for tests: `document.body.dataset.status`
//! (`ok` once drawn, or the error), `data-highlighted` (the ids of the
//! highlighted operations) and `data-highlight-box` (the first highlighted
//! operation's box in CSS pixels, `x,y,w,h`).

use super::violation_json;
use crate::check::GuaranteeResult;
use crate::history::{History, Outcome};
use serde_json::{Value as Json, json};

/// The highlight colour of violating operations (also in the page's CSS).
pub const HIGHLIGHT: &str = "#e53935";

/// The report of one history as a self-contained HTML page.
pub fn report_html(history: &History, path: &str, results: &[GuaranteeResult]) -> String {
    let ops: Vec<Json> = history
        .ops()
        .iter()
        .map(|op| {
            json!({
                "id": op.id.0,
                "p": op.process.0,
                "text": history.describe(op.id),
                "inv": op.invoke,
                "ret": op.ret,
                "outcome": match op.outcome {
                    Outcome::Ok(_) => "ok",
                    Outcome::Fail => "fail",
                    Outcome::Info => "info",
                },
                "line": op.source.line,
            })
        })
        .collect();
    let processes: Vec<&str> = (0..history.process_count())
        .map(|p| history.process_name(crate::history::ProcessId(p as u32)))
        .collect();
    let guarantees: Vec<Json> = results
        .iter()
        .map(|r| {
            json!({
                "name": r.guarantee.name(),
                "verdict": r.verdict.name(),
                "reason": r.reason,
                "count": r.violation_count,
                "violations": r.violations.iter().map(|v| violation_json(history, v)).collect::<Vec<_>>(),
            })
        })
        .collect();
    let data = json!({
        "path": path,
        "real_time": history.has_real_time(),
        "processes": processes,
        "ops": ops,
        "guarantees": guarantees,
    });
    // `</` inside a script element would end it: escape it in the data.
    let data = data.to_string().replace("</", "<\\/");
    let mut page = String::with_capacity(data.len() + PAGE.len() + 256);
    let title = html_escape(path);
    page.push_str(
        &PAGE
            .replace("{{TITLE}}", &title)
            .replace("{{HIGHLIGHT}}", HIGHLIGHT),
    );
    page.replace("{{DATA}}", &data)
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

const PAGE: &str = r##"<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>concord: {{TITLE}}</title>
<style>
  body { font: 13px/1.4 system-ui, sans-serif; margin: 0; color: #222; }
  header { padding: 8px 12px; background: #f4f4f4; border-bottom: 1px solid #ddd; }
  header h1 { font-size: 15px; margin: 0; }
  #main { display: flex; height: calc(100vh - 40px); }
  #side { width: 380px; overflow: auto; border-right: 1px solid #ddd; padding: 8px; box-sizing: border-box; }
  #timeline { flex: 1; position: relative; }
  canvas { display: block; width: 100%; height: 100%; cursor: grab; }
  table { border-collapse: collapse; width: 100%; }
  td { padding: 2px 4px; vertical-align: top; }
  .holds { color: #2e7d32; } .violated { color: {{HIGHLIGHT}}; font-weight: bold; }
  .unknown { color: #ef6c00; } .not-checked { color: #888; }
  .violation { margin: 4px 0 8px 8px; padding: 4px 6px; border-left: 3px solid #ccc; cursor: pointer; }
  .violation.selected { border-left-color: {{HIGHLIGHT}}; background: #fff3f3; }
  .violation .ops { font-family: monospace; font-size: 12px; color: #555; }
  #tip { position: absolute; pointer-events: none; background: #333; color: #fff; padding: 4px 6px;
         font: 12px monospace; border-radius: 3px; display: none; white-space: pre; }
  .hint { color: #777; font-size: 12px; }
</style>
</head>
<body data-status="loading">
<header><h1>concord report: {{TITLE}}</h1></header>
<div id="main">
  <div id="side">
    <div class="hint">Wheel: zoom. Drag: pan. Click a violation to highlight it.</div>
    <table id="verdicts"></table>
    <div id="violations"></div>
  </div>
  <div id="timeline"><canvas id="c"></canvas><div id="tip"></div></div>
</div>
<script type="application/json" id="data">{{DATA}}</script>
<script>
"use strict";
window.addEventListener("error", function (e) { document.body.dataset.status = "error: " + e.message; });
(function () {
  const data = JSON.parse(document.getElementById("data").textContent);
  const HL = "{{HIGHLIGHT}}";
  const ops = data.ops;
  const lanes = data.processes.length;
  // Times: real time when the history has it, else positions in each session.
  let start = [], end = [];
  if (data.real_time) {
    for (const o of ops) { start.push(o.inv); end.push(o.ret); }
  } else {
    const next = new Array(lanes).fill(0);
    for (const o of ops) { const t = next[o.p]++; start.push(2 * t); end.push(o.outcome === "info" ? null : 2 * t + 1); }
  }
  let tmin = Infinity, tmax = -Infinity;
  for (let i = 0; i < ops.length; i++) {
    tmin = Math.min(tmin, start[i]);
    tmax = Math.max(tmax, end[i] === null ? start[i] : end[i]);
  }
  if (!isFinite(tmin)) { tmin = 0; tmax = 1; }
  if (tmax === tmin) tmax = tmin + 1;
  const byLane = Array.from({ length: lanes }, () => []);
  ops.forEach((o, i) => byLane[o.p].push(i));

  const canvas = document.getElementById("c"), tip = document.getElementById("tip");
  const ctx = canvas.getContext("2d");
  const LANE = 34, TOP = 24, LEFT = 70;
  let view = { t0: tmin, t1: tmax + (tmax - tmin) * 0.02, y0: 0 };
  let selected = null; // { ops: Set, edges: [], partial: [], blocked }

  function size() {
    const r = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.floor(r.width * devicePixelRatio));
    canvas.height = Math.max(1, Math.floor(r.height * devicePixelRatio));
    ctx.setTransform(devicePixelRatio, 0, 0, devicePixelRatio, 0, 0);
  }
  function width() { return canvas.getBoundingClientRect().width; }
  function x(t) { return LEFT + (t - view.t0) / (view.t1 - view.t0) * (width() - LEFT - 10); }
  function y(lane) { return TOP + lane * LANE - view.y0; }
  function box(i) {
    const o = ops[i], x0 = x(start[i]);
    const x1 = end[i] === null ? width() : Math.max(x(end[i]), x0 + 3);
    return { x: x0, y: y(o.p) + 6, w: x1 - x0, h: LANE - 12 };
  }

  function draw() {
    const W = width(), H = canvas.getBoundingClientRect().height;
    ctx.clearRect(0, 0, W, H);
    ctx.font = "11px monospace";
    for (let l = 0; l < lanes; l++) {
      const ly = y(l);
      if (ly + LANE < 0 || ly > H) continue;
      ctx.fillStyle = l % 2 ? "#fafafa" : "#fff";
      ctx.fillRect(0, ly, W, LANE);
      ctx.fillStyle = "#333";
      ctx.fillText(data.processes[l], 4, ly + LANE / 2 + 4);
      // Only the operations in view are drawn, right of the lane names.
      ctx.save(); ctx.beginPath(); ctx.rect(LEFT, ly, W - LEFT, LANE); ctx.clip();
      for (const i of byLane[l]) {
        const b = box(i);
        if (b.x > W || b.x + b.w < LEFT) continue;
        const o = ops[i];
        const hl = selected && selected.ops.has(o.id);
        ctx.fillStyle = hl ? HL : o.outcome === "fail" ? "#ddd" : o.outcome === "info" ? "#fff8e1" : "#bbdefb";
        ctx.fillRect(b.x, b.y, b.w, b.h);
        ctx.strokeStyle = hl ? "#b71c1c" : "#607d8b";
        ctx.setLineDash(o.outcome === "info" ? [4, 3] : []);
        ctx.strokeRect(b.x, b.y, b.w, b.h);
        ctx.setLineDash([]);
        if (b.w > 40) {
          ctx.fillStyle = hl ? "#fff" : "#111";
          ctx.save(); ctx.beginPath(); ctx.rect(b.x, b.y, b.w, b.h); ctx.clip();
          ctx.fillText(o.text, b.x + 3, b.y + b.h / 2 + 4);
          ctx.restore();
        }
      }
      ctx.restore();
    }
    if (selected) {
      selected.partial.forEach((id, k) => {
        const b = box(id);
        ctx.fillStyle = "#2e7d32";
        ctx.fillText(String(k + 1), b.x + 2, b.y - 1);
      });
      for (const e of selected.edges) {
        const a = box(e.from), b = box(e.to);
        const ax = a.x + Math.min(a.w, 30) / 2, ay = a.y + a.h / 2, bx = b.x + Math.min(b.w, 30) / 2, by = b.y + b.h / 2;
        ctx.strokeStyle = e.label === "rf" ? "#1565c0" : e.label === "ar" ? HL : "#555";
        ctx.setLineDash(e.label === "rt" ? [2, 3] : []);
        ctx.beginPath(); ctx.moveTo(ax, ay); ctx.lineTo(bx, by); ctx.stroke();
        ctx.setLineDash([]);
        const ang = Math.atan2(by - ay, bx - ax);
        ctx.beginPath(); ctx.moveTo(bx, by);
        ctx.lineTo(bx - 8 * Math.cos(ang - 0.4), by - 8 * Math.sin(ang - 0.4));
        ctx.lineTo(bx - 8 * Math.cos(ang + 0.4), by - 8 * Math.sin(ang + 0.4));
        ctx.closePath(); ctx.fillStyle = ctx.strokeStyle; ctx.fill();
        ctx.fillText(e.label + (e.rule ? " (" + e.rule + ")" : ""), (ax + bx) / 2 + 3, (ay + by) / 2 - 3);
      }
    }
    // Time axis.
    ctx.fillStyle = "#666";
    ctx.fillText(String(Math.round(view.t0)), LEFT, 12);
    const t1 = String(Math.round(view.t1));
    ctx.fillText(t1, W - 10 - ctx.measureText(t1).width, 12);
    publish();
  }

  function publish() {
    const b = document.body;
    b.dataset.highlighted = selected ? [...selected.ops].join(",") : "";
    if (selected && selected.ops.size) {
      const first = [...selected.ops][0];
      const bx = box(first), r = canvas.getBoundingClientRect();
      b.dataset.highlightBox = [r.left + bx.x, r.top + bx.y, bx.w, bx.h].map(Math.round).join(",");
    } else {
      b.dataset.highlightBox = "";
    }
  }

  function select(v, el) {
    document.querySelectorAll(".violation.selected").forEach(n => n.classList.remove("selected"));
    if (el) el.classList.add("selected");
    selected = {
      ops: new Set(v.ops.map(o => o.id)),
      edges: v.edges,
      partial: v.partial_order.slice(-20),
    };
    // Bring the violation into view.
    let lo = Infinity, hi = -Infinity, lane = Infinity;
    for (const o of v.ops) {
      lo = Math.min(lo, start[o.id]);
      hi = Math.max(hi, end[o.id] === null ? start[o.id] : end[o.id]);
      lane = Math.min(lane, ops[o.id].p);
    }
    if (isFinite(lo)) {
      const pad = Math.max((hi - lo) * 0.5, 1);
      view.t0 = lo - pad; view.t1 = hi + pad;
      const H = canvas.getBoundingClientRect().height;
      if (y(lane) < 0 || y(lane) > H - LANE) view.y0 = Math.max(0, lane * LANE - LANE);
    }
    draw();
  }

  // The verdict table and the explanations.
  const table = document.getElementById("verdicts"), list = document.getElementById("violations");
  let first = null;
  for (const g of data.guarantees) {
    const tr = document.createElement("tr");
    const td1 = document.createElement("td"), td2 = document.createElement("td");
    td1.textContent = g.verdict; td1.className = g.verdict;
    td2.textContent = g.name + (g.verdict === "violated" ? " (" + g.count + ")" : g.reason ? ": " + g.reason : "");
    tr.append(td1, td2); table.append(tr);
    for (const v of g.violations) {
      const div = document.createElement("div");
      div.className = "violation";
      const h = document.createElement("div");
      h.innerHTML = "<b></b> <span></span>";
      h.querySelector("b").textContent = g.name + ": " + v.pattern + (v.key ? " on key " + v.key : "");
      h.querySelector("span").textContent = v.explanation;
      const o = document.createElement("div");
      o.className = "ops";
      o.textContent = v.ops.map(op => "line " + op.line + ": " + op.text).join("\n");
      o.style.whiteSpace = "pre";
      div.append(h, o);
      div.addEventListener("click", () => select(v, div));
      list.append(div);
      if (!first) first = [v, div];
    }
  }

  // Zoom, pan, hover.
  canvas.addEventListener("wheel", ev => {
    ev.preventDefault();
    const r = canvas.getBoundingClientRect();
    const t = view.t0 + (ev.clientX - r.left - LEFT) / (width() - LEFT - 10) * (view.t1 - view.t0);
    const f = ev.deltaY < 0 ? 0.8 : 1.25;
    view.t0 = t - (t - view.t0) * f; view.t1 = t + (view.t1 - t) * f;
    draw();
  }, { passive: false });
  let drag = null;
  canvas.addEventListener("mousedown", ev => { drag = { x: ev.clientX, y: ev.clientY, t0: view.t0, t1: view.t1, y0: view.y0 }; });
  window.addEventListener("mouseup", () => { drag = null; });
  canvas.addEventListener("mousemove", ev => {
    const r = canvas.getBoundingClientRect();
    if (drag) {
      const dt = (ev.clientX - drag.x) / (width() - LEFT - 10) * (drag.t1 - drag.t0);
      view.t0 = drag.t0 - dt; view.t1 = drag.t1 - dt;
      view.y0 = Math.max(0, drag.y0 - (ev.clientY - drag.y));
      draw();
      return;
    }
    const mx = ev.clientX - r.left, my = ev.clientY - r.top;
    const lane = Math.floor((my + view.y0 - TOP) / LANE);
    let hit = null;
    if (lane >= 0 && lane < lanes) {
      for (const i of byLane[lane]) {
        const b = box(i);
        if (mx >= b.x && mx <= b.x + b.w && my >= b.y && my <= b.y + b.h) { hit = i; break; }
      }
    }
    if (hit === null) { tip.style.display = "none"; return; }
    const o = ops[hit];
    tip.textContent = o.text + "\nline " + o.line + (data.real_time ? "\n@ " + o.inv + ".." + (o.ret === null ? "?" : o.ret) : "") + "\n" + o.outcome;
    tip.style.left = (mx + 12) + "px"; tip.style.top = (my + 12) + "px"; tip.style.display = "block";
  });
  canvas.addEventListener("mouseleave", () => { tip.style.display = "none"; });
  window.addEventListener("resize", () => { size(); draw(); });

  size();
  if (first) select(first[0], first[1]); else draw();
  document.body.dataset.status = "ok";
})();
</script>
</body>
</html>
"##;

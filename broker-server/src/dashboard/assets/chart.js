// A small line chart on a <canvas>: time on x, value on y, one line per series, with a legend.
// Written for this dashboard (no library, works offline).
"use strict";
const COLORS = ["#1f6feb", "#f5a623", "#2da44e", "#cf222e", "#8250df", "#0598bc", "#bf8700", "#57606a"];

function drawChart(canvas, series, unit) {
  const dpr = window.devicePixelRatio || 1;
  const w = canvas.clientWidth || 600, h = canvas.clientHeight || 240;
  canvas.width = w * dpr; canvas.height = h * dpr;
  const g = canvas.getContext("2d");
  g.scale(dpr, dpr);
  g.clearRect(0, 0, w, h);
  g.font = "12px system-ui, sans-serif";
  const pts = series.flatMap(s => s.points);
  const left = 56, right = 12, top = 12, bottom = 40;
  if (pts.length === 0) {
    g.fillStyle = "#7b8794";
    g.fillText("No samples yet: the dashboard samples every few seconds.", left, h / 2);
    canvas.dataset.points = "0";
    return;
  }
  const t0 = Math.min(...pts.map(p => p[0])), t1 = Math.max(...pts.map(p => p[0]), t0 + 1);
  const vmax = Math.max(1, ...pts.map(p => p[1])) * 1.1;
  const x = t => left + (t - t0) / (t1 - t0) * (w - left - right);
  const y = v => top + (1 - v / vmax) * (h - top - bottom);
  g.strokeStyle = "#e4e7eb"; g.fillStyle = "#52606d"; g.lineWidth = 1;
  for (let i = 0; i <= 4; i++) {
    const v = vmax * i / 4, yy = y(v);
    g.beginPath(); g.moveTo(left, yy); g.lineTo(w - right, yy); g.stroke();
    g.fillText(v >= 100 ? v.toFixed(0) : v.toFixed(1), 4, yy + 4);
  }
  for (let i = 0; i <= 4; i++) {
    const t = t0 + (t1 - t0) * i / 4;
    g.fillText(new Date(t).toLocaleTimeString(), x(t) - 24, h - bottom + 16);
  }
  series.forEach((s, i) => {
    g.strokeStyle = COLORS[i % COLORS.length]; g.lineWidth = 2;
    g.beginPath();
    s.points.forEach((p, j) => j ? g.lineTo(x(p[0]), y(p[1])) : g.moveTo(x(p[0]), y(p[1])));
    g.stroke();
  });
  let lx = left;
  series.forEach((s, i) => {
    g.fillStyle = COLORS[i % COLORS.length];
    g.fillRect(lx, h - 14, 10, 10);
    g.fillStyle = "#1f2933";
    const label = s.name + (unit ? " (" + unit + ")" : "");
    g.fillText(label, lx + 14, h - 5);
    lx += g.measureText(label).width + 32;
  });
  canvas.dataset.points = String(pts.length);
}

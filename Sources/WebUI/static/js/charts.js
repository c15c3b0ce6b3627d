// SVG charts drawn by the studio (no third-party code): bar, line (one or several series,
// over time or over numbered steps such as trials), scatter, histogram; colours by group
// with a legend.
// Each has axes with units, a <title> tooltip on every mark, and the same data as a
// table in a <details> element for screen readers and copy-paste.
import { el, table, fmt } from './ui.js';

const NS = 'http://www.w3.org/2000/svg';
function svg(tag, attributes = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attributes)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const child of children) if (child !== null && child !== undefined) node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  return node;
}
function titled(node, text) { node.append(svg('title', {}, text)); return node; }

function niceMax(value) {
  if (!(value > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

/** Charts are drawn at the width they are shown (up to 720), so that their 11 px text
 *  stays 11 px on a phone instead of shrinking with the picture. */
function chartWidth() {
  const main = document.getElementById('main');
  return Math.round(Math.min(720, Math.max(300, (main ? main.clientWidth : 720) - 24)));
}

function frame(title, unit, chart, rows, columns, legend = null) {
  return el('figure', { class: 'chart-figure' },
    el('figcaption', { text: `${title}${unit ? ` (${unit})` : ''}` }), chart, legend,
    el('details', {}, el('summary', { text: 'Data as a table' }), table(columns, rows)));
}

/** Colours by group (a provider, a model): eight classes `s0`…`s7` in app.css, chosen to
 *  stay apart for common colour blindness; the same group keeps its colour in every chart
 *  drawn from one list of groups. Returns the class of a group and the legend to show. */
export function palette(groups) {
  const names = [...new Set(groups.filter((g) => g !== undefined && g !== null))];
  const classOf = (g) => (names.length > 1 && names.includes(g) ? `s${names.indexOf(g) % 8}` : '');
  const legend = names.length > 1
    ? el('ul', { class: 'legend', 'aria-label': 'Colours' }, names.map((n) => el('li', {}, el('span', { class: `swatch s${names.indexOf(n) % 8}`, 'aria-hidden': 'true' }), ` ${n}`)))
    : null;
  return { classOf, legend };
}

/** Horizontal bars: [{label, value, group?}]; bars of one group share a colour, with a legend. */
export function barChart(title, unit, data) {
  const width = chartWidth(), rowHeight = 24, left = Math.round(Math.min(190, width * 0.42)), top = 8;
  const maxChars = Math.max(8, Math.floor(left / 6.6));
  const height = top + data.length * rowHeight + 28;
  const max = niceMax(Math.max(0, ...data.map((d) => d.value || 0)));
  const scale = (v) => ((v || 0) / max) * (width - left - 40);
  const colours = palette(data.map((d) => d.group));
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  for (let i = 0; i <= 4; i++) {
    const x = left + (scale(max) * i) / 4;
    chart.append(svg('line', { class: 'grid', x1: x, x2: x, y1: top, y2: height - 24 }));
    chart.append(svg('text', { x, y: height - 8, 'text-anchor': 'middle' }, fmt((max * i) / 4, max < 10 ? 1 : 0)));
  }
  data.forEach((d, i) => {
    const y = top + i * rowHeight;
    chart.append(titled(svg('text', { x: left - 6, y: y + 16, 'text-anchor': 'end' }, d.label.length > maxChars ? `${d.label.slice(0, maxChars - 1)}…` : d.label), d.label));
    chart.append(titled(svg('rect', { class: `bar ${colours.classOf(d.group)}`, x: left, y: y + 4, width: Math.max(1, scale(d.value)), height: rowHeight - 8 }),
      `${d.label}${d.group ? ` (${d.group})` : ''}: ${fmt(d.value, 2)} ${unit}`));
    chart.append(svg('text', { x: left + scale(d.value) + 4, y: y + 16 }, fmt(d.value, 1)));
  });
  chart.append(svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: height - 24 }));
  return frame(title, unit, chart, data.map((d) => [d.label, fmt(d.value, 2)]), ['item', unit], colours.legend);
}

/** Points joined by a line over time: [{x: Date, y}] */
export function lineChart(title, unit, points) {
  return seriesChart(title, unit, [{ name: '', points }]);
}

/** The digits a value needs on an axis that ends at `max`: none from 1 up, else enough
 *  for its first significant digit and one more (a cost axis ending at $0.002). */
function axisDigits(max) {
  return max >= 1 || !(max > 0) ? 0 : Math.min(6, 1 - Math.floor(Math.log10(max)));
}

/** Time on the x axis: dates at its ends, date and time in tooltips. */
const timeAxis = { name: 'time', text: (x) => new Date(x).toLocaleString(), end: (x) => new Date(x).toLocaleDateString() };

/** Several lines over one time axis, one colour each with a legend: [{name, points: [{x: Date, y}]}].
 *  `axis` names the x values otherwise (stepChart); a series with `line: false` is drawn as
 *  points only. */
export function seriesChart(title, unit, series, axis = timeAxis) {
  const width = chartWidth(), height = 260, left = 56, bottom = 36, top = 10, right = 16;
  const all = series.flatMap((s) => s.points);
  const xs = all.map((p) => +p.x), ys = all.map((p) => p.y ?? 0);
  const minX = Math.min(...xs), maxX = Math.max(...xs, minX + 1), maxY = niceMax(Math.max(0, ...ys));
  const sx = (x) => left + ((x - minX) / (maxX - minX || 1)) * (width - left - right);
  const sy = (y) => height - bottom - ((y || 0) / maxY) * (height - bottom - top);
  const colours = palette(series.map((s) => s.name));
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  for (let i = 0; i <= 4; i++) {
    const y = sy((maxY * i) / 4);
    chart.append(svg('line', { class: 'grid', x1: left, x2: width - right, y1: y, y2: y }));
    // Ticks a quarter of an axis ending at 1 apart (a score) need two digits: 0.25, not 0.3.
    chart.append(svg('text', { x: left - 6, y: y + 4, 'text-anchor': 'end' }, fmt((maxY * i) / 4, maxY < 10 ? (maxY <= 2.5 ? 2 : 1) : 0)));
  }
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  for (const s of series) {
    if (!s.points.length) continue;
    const colour = colours.classOf(s.name);
    if (s.line !== false) chart.append(svg('polyline', { class: `line ${colour}`, points: s.points.map((p) => `${sx(+p.x)},${sy(p.y)}`).join(' ') }));
    for (const p of s.points) chart.append(titled(svg('circle', { class: `point ${colour}`, cx: sx(+p.x), cy: sy(p.y), r: s.line === false ? 3 : 4 }), `${s.name ? `${s.name}, ` : ''}${axis.text(p.x)}: ${fmt(p.y, 2)} ${unit}`));
  }
  if (all.length) {
    chart.append(svg('text', { x: left, y: height - 10 }, axis.end(minX)));
    chart.append(svg('text', { x: width - right, y: height - 10, 'text-anchor': 'end' }, axis.end(maxX)));
  }
  const named = series.length > 1;
  return frame(title, unit, chart, series.flatMap((s) => s.points.map((p) => [...(named ? [s.name] : []), axis.text(p.x), fmt(p.y, 2)])),
    [...(named ? ['series'] : []), axis.name, unit], colours.legend);
}

/** Lines over numbered steps (trial 1, 2, …) rather than time: [{name, points: [{x: number, y}], line?}]. */
export function stepChart(title, unit, series, step = 'trial') {
  return seriesChart(title, unit, series, { name: step, text: (x) => `${step} ${x}`, end: (x) => `${step} ${x}` });
}

/** Two measures against each other: [{label, x, y, group?, quiet?}]. A `quiet` point is
 *  not named on the chart (only in its tooltip and the table), for charts of many points
 *  where a few matter; `xDigits`, `yDigits`: how finely x and y are written (cost in USD). */
export function scatterChart(title, xUnit, yUnit, points, { xDigits = 1, yDigits = 1 } = {}) {
  const width = chartWidth(), height = 300, left = 56, bottom = 40, top = 10, right = 16;
  const maxX = niceMax(Math.max(0, ...points.map((p) => p.x || 0))), maxY = niceMax(Math.max(0, ...points.map((p) => p.y || 0)));
  const sx = (x) => left + ((x || 0) / maxX) * (width - left - right);
  const sy = (y) => height - bottom - ((y || 0) / maxY) * (height - bottom - top);
  const colours = palette(points.map((p) => p.group));
  const chart = svg('svg', { class: 'chart', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': title });
  chart.append(svg('line', { class: 'axis', x1: left, x2: width - right, y1: height - bottom, y2: height - bottom }));
  chart.append(svg('line', { class: 'axis', x1: left, x2: left, y1: top, y2: height - bottom }));
  chart.append(svg('text', { x: width - right, y: height - 6, 'text-anchor': 'end' }, `${xUnit} (0–${fmt(maxX, axisDigits(maxX))})`));
  chart.append(svg('text', { x: 4, y: top + 10 }, `${yUnit} (0–${fmt(maxY, axisDigits(maxY))})`));
  // Every point is named on the chart, not only in its tooltip (unless it is one of many quiet ones).
  for (const p of points) {
    chart.append(titled(svg('circle', { class: `point ${colours.classOf(p.group)}`, cx: sx(p.x), cy: sy(p.y), r: 5 }), `${p.label}: ${fmt(p.x, xDigits)} ${xUnit}, ${fmt(p.y, yDigits)} ${yUnit}`));
    if (p.quiet) continue;
    const short = p.label.length > 24 ? `${p.label.slice(0, 23)}…` : p.label;
    const right = sx(p.x) > width * 0.65;
    chart.append(svg('text', { class: 'point-label', x: sx(p.x) + (right ? -8 : 8), y: sy(p.y) - 6, 'text-anchor': right ? 'end' : 'start' }, short));
  }
  return frame(title, '', chart, points.map((p) => [p.label, fmt(p.x, Math.max(2, xDigits)), fmt(p.y, Math.max(2, yDigits))]), ['item', xUnit, yUnit], colours.legend);
}

/** The distribution of values in equal-width bins. */
export function histogram(title, unit, values, bins = 20) {
  const clean = values.filter((v) => Number.isFinite(v));
  if (!clean.length) return barChart(title, 'count', []);
  const max = Math.max(...clean), min = Math.min(...clean);
  // As many bins as the data can fill (about √n, at most `bins`), and labels with as many
  // decimals as a bin's width needs, so no two bins read the same ("10.0–10.0 ms").
  const count = max === min ? 1 : Math.max(2, Math.min(bins, Math.ceil(Math.sqrt(clean.length)), new Set(clean).size));
  const width = max === min ? 1 : (max - min) / count;
  const digits = max === min ? 2 : Math.min(4, Math.max(0, 1 - Math.floor(Math.log10(width))));
  const counts = Array.from({ length: count }, () => 0);
  for (const v of clean) counts[Math.min(count - 1, Math.floor((v - min) / width))]++;
  return barChart(title, 'count', counts.map((c, i) => ({
    label: max === min ? `${fmt(min, digits)} ${unit}` : `${fmt(min + i * width, digits)}–${fmt(min + (i + 1) * width, digits)} ${unit}`, value: c })));
}

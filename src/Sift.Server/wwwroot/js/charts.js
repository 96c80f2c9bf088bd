// Small SVG charts drawn from numbers with createElementNS (no markup strings). Colours come from app.css
// through classes; sizes are in viewBox units and the SVG scales to its container.
import { s, fmt } from './dom.js';

/** Round tick steps (1-2-5 series) covering [min, max] with about `count` ticks. */
export function ticks(min, max, count = 5) {
  if (!(max > min)) return [min];
  const raw = (max - min) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * magnitude).find(v => v >= raw);
  const out = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

function frame(width, height, title) {
  return s('svg', {
    viewBox: `0 0 ${width} ${height}`, class: 'chart', role: 'img', 'aria-label': title,
    preserveAspectRatio: 'xMidYMid meet',
  }, s('title', {}, title));
}

function note(svg, width, height, text) {
  svg.append(s('text', { x: width / 2, y: height / 2, class: 'chart-note', 'text-anchor': 'middle' }, text));
  return svg;
}

const secondFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
const minuteFormat = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit' });
// Days as ISO month-day (12-06) rather than a locale's order, which reads both ways.
const dayFormat = { format: d => `${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}` };

/** The coarsest time format that still tells the ticks of a span apart. */
function timeFormatFor(spanMs) {
  if (spanMs <= 10 * 60_000) return secondFormat;
  if (spanMs <= 36 * 3600_000) return minuteFormat;
  return dayFormat;
}

/** Cumulative count over time as a step line with an area under it. points: [{ time: Date, total }]. */
export function countOverTime(points, { title = 'Labels over time', width = 560, height = 220 } = {}) {
  const svg = frame(width, height, title);
  if (points.length === 0) return note(svg, width, height, 'No labels yet');
  const m = { left: 48, right: 16, top: 12, bottom: 28 };
  const t0 = points[0].time.getTime();
  let t1 = points[points.length - 1].time.getTime();
  if (t1 <= t0) t1 = t0 + 60_000;
  const yMax = Math.max(1, ...points.map(p => p.total));
  const yTicks = ticks(0, yMax, 4);
  const top = Math.max(yMax, yTicks[yTicks.length - 1]);
  const x = t => m.left + ((t - t0) / (t1 - t0)) * (width - m.left - m.right);
  const y = v => height - m.bottom - (v / top) * (height - m.top - m.bottom);

  for (const v of yTicks) {
    svg.append(s('line', { x1: m.left, x2: width - m.right, y1: y(v), y2: y(v), class: 'grid' }),
      s('text', { x: m.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, fmt(v)));
  }
  const format = timeFormatFor(t1 - t0);
  let previous = null;
  for (const t of ticks(t0, t1, 4)) {
    const label = format.format(new Date(t));
    if (label === previous) continue;
    previous = label;
    const px = x(t);
    const anchor = px > width - m.right - 30 ? 'end' : px < m.left + 30 ? 'start' : 'middle';
    svg.append(s('text', { x: px, y: height - 8, 'text-anchor': anchor, class: 'tick' }, label));
  }
  let d = `M${x(t0).toFixed(1)},${y(0).toFixed(1)}`;
  let last = 0;
  for (const p of points) {
    const px = x(p.time.getTime()).toFixed(1);
    d += ` L${px},${y(last).toFixed(1)} L${px},${y(p.total).toFixed(1)}`;
    last = p.total;
  }
  const end = ` L${x(t1).toFixed(1)},${y(last).toFixed(1)}`;
  svg.append(
    s('path', { d: `${d}${end} L${x(t1).toFixed(1)},${y(0).toFixed(1)} Z`, class: 'area' }),
    s('path', { d: d + end, class: 'line' }),
    s('line', { x1: m.left, x2: width - m.right, y1: y(0), y2: y(0), class: 'axis' }));
  return svg;
}

/** Horizontal bars, one per class. entries: [[label, count], …] in display order. */
export function barsPerClass(entries, { title = 'Labels per class', width = 560 } = {}) {
  const row = 26;
  const m = { left: 140, right: 56, top: 8, bottom: 8 };
  const height = Math.max(60, m.top + m.bottom + row * entries.length);
  const svg = frame(width, height, title);
  if (entries.length === 0) return note(svg, width, height, 'No labels yet');
  const max = Math.max(1, ...entries.map(([, n]) => n));
  const scale = (width - m.left - m.right) / max;
  entries.forEach(([label, n], i) => {
    const y = m.top + i * row;
    const shown = label.length > 20 ? `${label.slice(0, 19)}…` : label;
    svg.append(
      s('text', { x: m.left - 8, y: y + row / 2 + 4, 'text-anchor': 'end', class: 'tick' }, s('title', {}, label), shown),
      s('rect', { x: m.left, y: y + 4, width: Math.max(n > 0 ? 2 : 0, n * scale), height: row - 8, rx: 3, class: `bar c${i % 8}` }),
      s('text', { x: m.left + n * scale + 6, y: y + row / 2 + 4, class: 'value' }, fmt(n)));
  });
  return svg;
}

/** An estimate with its interval on a horizontal axis through zero (for the active-vs-random lift). */
export function interval(estimate, low, high, { title = 'Lift with its 95% interval', width = 560, height = 70 } = {}) {
  const svg = frame(width, height, title);
  const m = { left: 24, right: 24 };
  const reach = Math.max(0.02, Math.abs(low), Math.abs(high), Math.abs(estimate)) * 1.15;
  const x = v => m.left + ((v + reach) / (2 * reach)) * (width - m.left - m.right);
  const mid = 30;
  for (const v of ticks(-reach, reach, 4)) {
    svg.append(s('line', { x1: x(v), x2: x(v), y1: mid - 14, y2: mid + 14, class: 'grid' }),
      s('text', { x: x(v), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, `${v > 0 ? '+' : ''}${(v * 100).toFixed(1)}`));
  }
  const kind = low > 0 ? 'better' : high < 0 ? 'worse' : 'unsure';
  svg.append(
    s('line', { x1: x(0), x2: x(0), y1: mid - 20, y2: mid + 20, class: 'axis' }),
    s('line', { x1: x(low), x2: x(high), y1: mid, y2: mid, class: `interval ${kind}` }),
    s('line', { x1: x(low), x2: x(low), y1: mid - 7, y2: mid + 7, class: `interval ${kind}` }),
    s('line', { x1: x(high), x2: x(high), y1: mid - 7, y2: mid + 7, class: `interval ${kind}` }),
    s('circle', { cx: x(estimate), cy: mid, r: 6, class: `estimate ${kind}` }));
  return svg;
}

/**
 * Horizontal bars of shares on a fixed 0–100% axis, one per entry: [[name, share 0..1 or null], …] in display order
 * (for annotators' estimated accuracy). A null share draws no bar and '—'. Names go in as text nodes.
 */
export function shareBars(entries, { title = 'Estimated accuracy per annotator', width = 560 } = {}) {
  const row = 26;
  const m = { left: 150, right: 56, top: 8, bottom: 24 };
  const height = Math.max(60, m.top + m.bottom + row * entries.length);
  const svg = frame(width, height, title);
  if (entries.length === 0) return note(svg, width, height, 'No annotators yet');
  const x = v => m.left + v * (width - m.left - m.right);
  for (const v of [0, 0.25, 0.5, 0.75, 1]) {
    svg.append(s('line', { x1: x(v), x2: x(v), y1: m.top, y2: height - m.bottom, class: 'grid' }),
      s('text', { x: x(v), y: height - 8, 'text-anchor': 'middle', class: 'tick' }, `${v * 100}%`));
  }
  entries.forEach(([name, share], i) => {
    const y = m.top + i * row;
    const shown = name.length > 22 ? `${name.slice(0, 21)}…` : name;
    const known = share !== null && share !== undefined && !Number.isNaN(share);
    svg.append(
      s('text', { x: m.left - 8, y: y + row / 2 + 4, 'text-anchor': 'end', class: 'tick name' }, s('title', {}, name), shown),
      known ? s('rect', { x: m.left, y: y + 4, width: Math.max(2, x(share) - m.left), height: row - 8, rx: 3, class: 'bar' }) : null,
      s('text', { x: (known ? x(share) : m.left) + 6, y: y + row / 2 + 4, class: 'value' }, known ? `${(share * 100).toFixed(1)}%` : '—'));
  });
  return svg;
}

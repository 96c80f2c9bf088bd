// Small DOM helpers. Every text goes in through text nodes (textContent), never through HTML parsing.

const SVG_NS = 'http://www.w3.org/2000/svg';

function apply(el, attrs) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'text') el.textContent = String(value);
    else if (name.startsWith('on') && typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (name === 'dataset') Object.assign(el.dataset, value);
    else el.setAttribute(name, value === true ? '' : String(value));
  }
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** An HTML element: h('button', { class: 'x', onclick: f }, 'text', otherNode). */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  apply(el, attrs);
  return append(el, children);
}

/** An SVG element, built with createElementNS. */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  apply(el, attrs);
  return append(el, children);
}

/** Replaces an element's children. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** Formats a number for display (en-US grouping, at most `digits` decimals). */
export function fmt(value, digits = 0) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return Number(value).toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });
}

/** Formats a share 0..1 as a percentage. */
export function pct(value, digits = 1) {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  return `${(value * 100).toFixed(digits)}%`;
}

/** A random UUID; falls back to getRandomValues where randomUUID is missing (plain HTTP on a LAN address). */
export function uuid() {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const x = [...b].map(v => v.toString(16).padStart(2, '0')).join('');
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20)}`;
}

/** True when a key event comes from a field where typing must not trigger shortcuts. */
export function isTyping(event) {
  const t = event.target;
  if (!(t instanceof Element)) return false;
  return t.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(t.tagName);
}

const two = n => String(n).padStart(2, '0');

/** A date as ISO 8601 (2026-12-06) in the viewer's time zone: never ambiguous, whatever the locale. '—' for none. */
export function isoDate(value) {
  if (value === null || value === undefined || value === '') return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}`;
}

/** A time as ISO 8601 date and 24-hour time (2026-12-06 14:05:09) in the viewer's time zone. */
export function isoDateTime(value) {
  if (value === null || value === undefined || value === '') return '—';
  const d = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(d.getTime())) return '—';
  return `${isoDate(d)} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
}

/** The placeholders the server's redaction writes in place of personal data, with what each stands for. */
const PLACEHOLDERS = {
  EMAIL: 'an e-mail address', PHONE: 'a phone number', CARD: 'a payment card number', IBAN: 'an IBAN', IP: 'an IP address',
  URL: 'a URL with credentials or a token', SECRET: 'a secret (key or password)', DOB: 'a date of birth', ID: 'a national ID number',
  WITHHELD: 'the whole text (the privacy check did not finish on it)',
};
const PLACEHOLDER_PATTERN = /\[(EMAIL|PHONE|CARD|IBAN|IP|URL|SECRET|DOB|ID|WITHHELD)\]/g;

/**
 * An item's text as nodes, with each redaction placeholder ([EMAIL], [PHONE], …) in a marked span so it reads as
 * "removed here", not as the author's words. Text nodes only (never HTML); a literal "[EMAIL]" typed by the author is
 * marked the same way, which is harmless.
 */
export function withPlaceholders(text) {
  const parts = [];
  let at = 0;
  for (const match of String(text).matchAll(PLACEHOLDER_PATTERN)) {
    if (match.index > at) parts.push(text.slice(at, match.index));
    parts.push(h('span', { class: 'pii', title: `Redacted: ${PLACEHOLDERS[match[1]]}`, dataset: { pii: match[1].toLowerCase() } }, match[0]));
    at = match.index + match[0].length;
  }
  if (at < text.length) parts.push(text.slice(at));
  return parts;
}

// A pairwise comparison on the annotate page: the prompt on top (the whole conversation when there is one), the two
// responses side by side (stacked on narrow screens), long replies readable as Markdown-ish text, and — when the two
// replies share enough words — the words in which they differ marked. Every piece of text goes in through text nodes
// (textContent or the Markdown renderer, which builds nodes), never through HTML parsing: responses are untrusted.
import { h, replace } from './dom.js';
import { renderMarkdown } from './markdown.js';

/** Texts longer than this many words each are not diffed (the word LCS is quadratic). */
const MAX_DIFF_WORDS = 3000;

/** Marks differences by default when the two replies share at least this share of their distinct words. */
const OVERLAP_FOR_DIFF = 0.3;

/** Splits a text into words and the white space between them, keeping every character: tokens join back to the text. */
export function tokens(text) {
  return text.match(/\s+|[^\s]+/g) ?? [];
}

/**
 * Word-level difference of two texts: for each side, its tokens with `same` true when the word is part of a longest
 * common subsequence of the two word lists (white space counts as the same). Null when either text is too long.
 */
export function wordDiff(a, b) {
  const ta = tokens(a), tb = tokens(b);
  const wa = ta.map((t, i) => [t, i]).filter(([t]) => !/^\s+$/.test(t));
  const wb = tb.map((t, i) => [t, i]).filter(([t]) => !/^\s+$/.test(t));
  const n = wa.length, m = wb.length;
  if (n > MAX_DIFF_WORDS || m > MAX_DIFF_WORDS) return null;
  // LCS lengths from the end: row-major (n+1)×(m+1) table of 16-bit counts would overflow past 65,535; use 32-bit.
  const lcs = new Uint32Array((n + 1) * (m + 1));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      lcs[i * (m + 1) + j] = wa[i][0] === wb[j][0] ? lcs[(i + 1) * (m + 1) + j + 1] + 1
        : Math.max(lcs[(i + 1) * (m + 1) + j], lcs[i * (m + 1) + j + 1]);
  const sameA = new Set(), sameB = new Set();
  for (let i = 0, j = 0; i < n && j < m;) {
    if (wa[i][0] === wb[j][0]) { sameA.add(wa[i][1]); sameB.add(wb[j][1]); i++; j++; }
    else if (lcs[(i + 1) * (m + 1) + j] >= lcs[i * (m + 1) + j + 1]) i++;
    else j++;
  }
  const mark = (list, same) => list.map((t, i) => ({ text: t, same: /^\s+$/.test(t) || same.has(i) }));
  return { a: mark(ta, sameA), b: mark(tb, sameB) };
}

/** The share of distinct words the two texts have in common (Jaccard), 0 when either has none. */
export function overlap(a, b) {
  const wa = new Set(a.toLowerCase().split(/\s+/).filter(Boolean));
  const wb = new Set(b.toLowerCase().split(/\s+/).filter(Boolean));
  if (!wa.size || !wb.size) return 0;
  let common = 0;
  for (const w of wa) if (wb.has(w)) common++;
  return common / (wa.size + wb.size - common);
}

/** Whether the page should mark differences for this pair by default. */
export function diffByDefault(pair) {
  const [x, y] = pair.responses;
  return overlap(x.text, y.text) >= OVERLAP_FOR_DIFF;
}

/**
 * Renders `pair` (the task's `pair`: prompt, conversation, responses in the order to show) into `box`. `positions`
 * are the on-screen names of the two responses ('A', 'B'); `marked` turns the difference marks on.
 */
export function renderPair(box, pair, positions, marked) {
  const [first, second] = pair.responses;
  const diff = marked ? wordDiff(first.text, second.text) : null;
  const prompt = h('section', { class: 'pair-prompt', 'aria-label': 'Prompt' },
    h('h3', {}, 'Prompt'),
    Array.isArray(pair.conversation) && pair.conversation.length > 1
      ? h('ol', { class: 'conversation' }, pair.conversation.map(turn =>
        h('li', { class: `turn turn-${roleClass(turn.role)}` }, h('span', { class: 'role' }, `${turn.role}: `), h('span', { class: 'turn-text' }, turn.content))))
      : h('div', { class: 'prompt-text' }, pair.prompt));
  const response = (r, i) => h('section', { class: 'response', id: `response-${positions[i].toLowerCase()}`, 'aria-label': `Response ${positions[i]}`, dataset: { position: positions[i], side: r.side } },
    h('h3', {}, `Response ${positions[i]}`, h('kbd', {}, positions[i])),
    diff ? h('div', { class: 'response-text diffed' }, diff[i === 0 ? 'a' : 'b'].map(t => t.same ? t.text : h('mark', { class: i === 0 ? 'diff-first' : 'diff-second' }, t.text)))
      : h('div', { class: 'response-text markdown' }, renderMarkdown(r.text)));
  replace(box, prompt, h('div', { class: 'pair-responses' }, response(first, 0), response(second, 1)));
  box.classList.toggle('marked', Boolean(diff));
  return Boolean(diff);
}

function roleClass(role) {
  return ['system', 'user', 'assistant'].includes(role) ? role : 'other';
}

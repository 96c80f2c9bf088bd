// A tiny Markdown renderer for project instructions. It builds DOM nodes directly: every piece of text becomes a
// text node, so raw HTML in the source shows as literal text and nothing in it can run. Supported: headings,
// paragraphs, bullet and numbered lists, block quotes, fenced code, **bold**, *italic*, `code`, and links whose
// address is http(s), mailto or relative (anything else, javascript: included, renders as plain text).

// Global (g) so that each can search from a position in the whole text: inline() keeps each rule's next match and
// searches again only when the text before it has been used up, so a long paragraph is scanned in linear time.
// Link text holds no '[': otherwise every '[' of a line without ']' would scan to the line's end (quadratic).
const INLINE = [
  { kind: 'code', re: /`([^`\n]+)`/g },
  { kind: 'link', re: /\[([^[\]\n]+)\]\(((?:[^()\s]|\([^()\s]*\))+)\)/g }, // one level of (…) inside the address
  { kind: 'strong', re: /\*\*(?=\S)([^\n]+?)\*\*|__(?=\S)([^\n]+?)__/g },
  { kind: 'em', re: /\*(?=[^\s*])([^*\n]*?[^\s*])\*|(?<![\w])_(?=[^\s_])([^_\n]*?[^\s_])_(?![\w])/g },
];

/** Blockquotes nest at most this deep; a deeper '>' is shown as text (each level renders its lines again). */
const MAX_QUOTE_DEPTH = 16;

/** Appends one by one: spreading a long paragraph's nodes into append(...) would overflow the call stack. */
function appendAll(parent, nodes) {
  for (const node of nodes) parent.append(node);
}

/** Whether a link target may become an href: http(s), mailto, or a same-site path or fragment. */
export function isSafeUrl(url) {
  if (/[\u0000-\u0020\u007f-\u009f\\]/.test(url)) return false;
  return /^(https?:\/\/|mailto:)/i.test(url) || /^\/(?!\/)/.test(url) || url.startsWith('#');
}

function inline(text, doc) {
  const out = [];
  const next = INLINE.map(() => undefined); // each rule's next match at or after pos; null: none left
  let pos = 0;
  while (pos < text.length) {
    let best = null;
    INLINE.forEach((rule, i) => {
      if (next[i] === undefined || (next[i] !== null && next[i].index < pos)) {
        rule.re.lastIndex = pos;
        next[i] = rule.re.exec(text);
      }
      const m = next[i];
      if (m && (best === null || m.index < best.m.index)) best = { rule, m };
    });
    if (best === null) { out.push(doc.createTextNode(text.slice(pos))); break; }
    const { rule, m } = best;
    if (m.index > pos) out.push(doc.createTextNode(text.slice(pos, m.index)));
    if (rule.kind === 'code') {
      const el = doc.createElement('code');
      el.textContent = m[1];
      out.push(el);
    } else if (rule.kind === 'link') {
      if (isSafeUrl(m[2])) {
        const a = doc.createElement('a');
        a.setAttribute('href', m[2]);
        a.setAttribute('rel', 'noopener noreferrer');
        a.setAttribute('target', '_blank');
        appendAll(a, inline(m[1], doc));
        out.push(a);
      } else {
        for (const node of inline(m[1], doc)) out.push(node);
      }
    } else {
      const el = doc.createElement(rule.kind);
      appendAll(el, inline(m[1] ?? m[2], doc));
      out.push(el);
    }
    pos = m.index + m[0].length;
  }
  return out;
}

/**
 * Renders Markdown to a DocumentFragment (no HTML is ever parsed). Headings are shifted down by
 * `headingOffset` levels so instructions nest under the page's own headings.
 */
export function renderMarkdown(source, { headingOffset = 2, doc = document } = {}) {
  return renderBlocks(source, headingOffset, doc, 0);
}

function renderBlocks(source, headingOffset, doc, depth) {
  const fragment = doc.createDocumentFragment();
  const lines = String(source ?? '').replace(/\r\n?/g, '\n').split('\n');
  let paragraph = [];
  let list = null; // { el, ordered }
  let quote = [];

  const flushParagraph = () => {
    if (paragraph.length === 0) return;
    const p = doc.createElement('p');
    appendAll(p, inline(paragraph.join(' '), doc));
    fragment.append(p);
    paragraph = [];
  };
  const flushList = () => { list = null; };
  const flushQuote = () => {
    if (quote.length === 0) return;
    const bq = doc.createElement('blockquote');
    bq.append(renderBlocks(quote.join('\n'), headingOffset, doc, depth + 1));
    fragment.append(bq);
    quote = [];
  };
  const flushAll = () => { flushParagraph(); flushList(); flushQuote(); };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fence = /^\s*(```|~~~)/.exec(line);
    if (fence) {
      flushAll();
      const body = [];
      for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence[1]); i++) body.push(lines[i]);
      const pre = doc.createElement('pre');
      const code = doc.createElement('code');
      code.textContent = body.join('\n');
      pre.append(code);
      fragment.append(pre);
      continue;
    }
    if (depth < MAX_QUOTE_DEPTH && /^\s*>/.test(line)) {
      flushParagraph(); flushList();
      quote.push(line.replace(/^\s*>\s?/, ''));
      continue;
    }
    flushQuote();
    if (line.trim() === '') { flushParagraph(); flushList(); continue; }
    const heading = /^(#{1,6})\s+(.*?)\s*#*\s*$/.exec(line);
    if (heading) {
      flushParagraph(); flushList();
      const el = doc.createElement(`h${Math.min(6, heading[1].length + headingOffset)}`);
      appendAll(el, inline(heading[2], doc));
      fragment.append(el);
      continue;
    }
    if (/^\s*([-*_])(\s*\1){2,}\s*$/.test(line)) {
      flushParagraph(); flushList();
      fragment.append(doc.createElement('hr'));
      continue;
    }
    const item = /^\s*(?:([-*+])|(\d{1,9})[.)])\s+(.*)$/.exec(line);
    if (item) {
      flushParagraph();
      const ordered = item[2] !== undefined;
      if (list === null || list.ordered !== ordered) {
        const el = doc.createElement(ordered ? 'ol' : 'ul');
        if (ordered && item[2] !== '1') el.setAttribute('start', String(Number(item[2])));
        list = { el, ordered };
        fragment.append(el);
      }
      const li = doc.createElement('li');
      appendAll(li, inline(item[3], doc));
      list.el.append(li);
      continue;
    }
    if (list !== null && /^\s{2,}\S/.test(line)) {
      // A continuation line of the last list item.
      const last = list.el.lastElementChild;
      last.append(doc.createTextNode(' '));
      appendAll(last, inline(line.trim(), doc));
      continue;
    }
    flushList();
    paragraph.push(line.trim());
  }
  flushAll();
  return fragment;
}

// The smallest DOM that markdown.js needs, and nothing more: text goes in only through createTextNode and
// textContent, attributes only through setAttribute. Every node is sealed, so code that reached for innerHTML,
// outerHTML or insertAdjacentHTML (or any other property) would throw a TypeError here and count as a crash.

class Node {
  constructor(kind) {
    this.kind = kind;
    this.parent = null;
  }
}

export class TextNode extends Node {
  constructor(text) {
    super('text');
    this.data = String(text);
    Object.seal(this);
  }
}

class ParentNode extends Node {
  constructor(kind) {
    super(kind);
    this.children = [];
  }

  append(...nodes) {
    for (const node of nodes) {
      if (typeof node === 'string') throw new TypeError('append(string) is not used by the renderer');
      if (!(node instanceof Node)) throw new TypeError(`append of a non-node: ${String(node)}`);
      if (node instanceof Fragment) {
        for (const child of node.children.splice(0)) { child.parent = this; this.children.push(child); }
        continue;
      }
      node.parent = this;
      this.children.push(node);
    }
  }

  get lastElementChild() {
    for (let i = this.children.length - 1; i >= 0; i--) if (this.children[i] instanceof Element) return this.children[i];
    return null;
  }
}

export class Fragment extends ParentNode {
  constructor() {
    super('fragment');
    Object.seal(this);
  }
}

export class Element extends ParentNode {
  constructor(tagName) {
    super('element');
    this.tagName = String(tagName).toUpperCase();
    this.attributes = new Map();
    Object.seal(this);
  }

  setAttribute(name, value) { this.attributes.set(String(name).toLowerCase(), String(value)); }

  getAttribute(name) { return this.attributes.has(name) ? this.attributes.get(name) : null; }

  set textContent(text) {
    for (const child of this.children) child.parent = null;
    this.children = [new TextNode(text ?? '')];
    this.children[0].parent = this;
  }

  get textContent() { return this.children.map(c => (c instanceof TextNode ? c.data : c.textContent)).join(''); }
}

export const fakeDocument = Object.freeze({
  createElement: tag => new Element(tag),
  createTextNode: text => new TextNode(text),
  createDocumentFragment: () => new Fragment(),
});

/** Every element below a node, depth first, without recursion (a deep tree must not overflow the checker). */
export function* elements(root) {
  const stack = [...root.children].reverse();
  while (stack.length > 0) {
    const node = stack.pop();
    if (!(node instanceof Element)) continue;
    yield node;
    for (let i = node.children.length - 1; i >= 0; i--) stack.push(node.children[i]);
  }
}

/** The tree as HTML-like text, for reports (escaped; never parsed). */
export function describe(root, limit = 2000) {
  let out = '';
  const walk = node => {
    if (out.length > limit) return;
    if (node instanceof TextNode) { out += node.data.replace(/[&<>]/g, c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;' }[c])); return; }
    const tag = node.tagName?.toLowerCase();
    if (tag) out += `<${tag}${[...node.attributes].map(([k, v]) => ` ${k}="${v}"`).join('')}>`;
    for (const child of node.children) walk(child);
    if (tag) out += `</${tag}>`;
  };
  walk(root);
  return out.length > limit ? out.slice(0, limit) + '…' : out;
}

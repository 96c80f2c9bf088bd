// `/review/{id}`: the review queue. Items whose answers disagree or whose resolved label is unsure, one at a time: the
// item text, every answer, the resolution and the model's view; the reviewer decides with 1–9 (labels), R (rationale),
// Enter (record) and N/P (next/previous item). Every text goes in through textContent (dom.js), never as HTML.
import { api } from '../api.js';
import { h, replace, pct, withPlaceholders } from '../dom.js';
import { isMulti } from '../roles.js';

export default async function review(main, { me, params, setTitle }) {
  const projectId = params[0];
  if (!['admin', 'reviewer', 'auditor'].includes(me.role)) {
    main.append(h('h1', {}, 'Review'), h('p', { class: 'notice' }, `Your role (${me.role}) does not review.`));
    return;
  }
  const decides = me.role !== 'auditor';
  const project = await api('GET', `/api/projects/${projectId}`);
  setTitle(`Review · ${project.name}`);
  const labels = project.settings.labels;
  const multi = isMulti(project.settings.mode);

  const status = h('p', { class: 'status', id: 'review-status', 'aria-live': 'polite' });
  const queueList = h('ol', { class: 'review-queue', id: 'review-queue' });
  const goldBox = h('div', { id: 'gold-standings' });
  const itemHead = h('p', { class: 'item-meta muted', id: 'review-item-meta' });
  const itemText = h('div', { class: 'item-text', id: 'review-text', tabindex: '0' });
  const resolvedBox = h('p', { id: 'review-resolved' });
  const modelBox = h('p', { id: 'review-model' });
  const answersBody = h('tbody', { id: 'review-answers' });
  const historyBox = h('div', { id: 'review-history' });
  const rationale = h('textarea', { id: 'review-rationale', rows: '2', maxlength: '2000', placeholder: 'Why (kept with the decision)' });
  let chosen = new Set();
  const buttons = labels.map((label, i) => h('button', {
    type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i }, disabled: !decides,
    onclick: () => choose(i),
  }, i < 9 ? h('kbd', {}, String(i + 1)) : null, h('span', {}, label)));
  const record = h('button', { type: 'button', class: 'primary', id: 'review-submit', 'aria-keyshortcuts': 'Enter', disabled: !decides, onclick: () => decide() },
    'Record decision ', h('kbd', {}, 'Enter'));

  main.append(
    h('div', { class: 'page-head' },
      h('h1', {}, project.name, h('span', { class: 'muted mode' }, ' · review')),
      h('div', { class: 'actions' }, h('a', { class: 'button', href: `/dashboard/${projectId}` }, 'Dashboard'))),
    h('div', { class: 'annotate' },
      h('section', { class: 'card item-card', 'aria-labelledby': 'review-item-h' },
        h('h2', { id: 'review-item-h' }, 'Item'), itemHead, itemText, resolvedBox, modelBox,
        h('h3', {}, 'Answers'),
        h('table', { class: 'data' }, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Annotator'), h('th', { scope: 'col' }, 'Answer'),
          h('th', { scope: 'col' }, 'Rationale'))), answersBody),
        historyBox,
        decides ? [h('h3', {}, 'Decision'), h('div', { class: 'labels', role: 'group', 'aria-label': 'Decided label' }, buttons),
          h('label', { for: 'review-rationale' }, 'Rationale ', h('kbd', {}, 'R'), ' ', h('span', { class: 'muted' }, '(Esc leaves the box)')), rationale,
          h('div', { class: 'actions' }, record,
            h('button', { type: 'button', onclick: () => move(-1) }, 'Previous ', h('kbd', {}, 'P')),
            h('button', { type: 'button', onclick: () => move(1) }, 'Next ', h('kbd', {}, 'N')))] : null,
        status),
      h('aside', { class: 'annotate-side' },
        h('section', { class: 'card', 'aria-labelledby': 'queue-h' }, h('h2', { id: 'queue-h' }, 'Queue'), queueList),
        h('section', { class: 'card', 'aria-labelledby': 'gold-h' }, h('h2', { id: 'gold-h' }, 'Gold accuracy'), goldBox))));

  let queue = [];
  let at = 0;
  let current = null;

  function choose(i) {
    if (!multi) chosen = new Set([i]);
    else if (chosen.has(i)) chosen.delete(i);
    else chosen.add(i);
    buttons.forEach((b, j) => b.setAttribute('aria-pressed', chosen.has(j) ? 'true' : 'false'));
  }

  async function loadQueue() {
    queue = await api('GET', `/api/projects/${projectId}/review/queue`);
    replace(queueList, queue.map((q, i) => h('li', { class: i === at ? 'current' : null },
      h('button', { type: 'button', class: 'link', onclick: () => { at = i; show(); } }, q.external_id),
      h('span', { class: 'muted' }, ` · ${q.why}`))));
  }

  async function loadGold() {
    const report = await api('GET', `/api/projects/${projectId}/gold/annotators`);
    if (report.annotators.length === 0) { replace(goldBox, h('p', { class: 'muted' }, report.gold_items === 0 ? 'No gold items yet.' : 'Nobody has answered a gold item yet.')); return; }
    replace(goldBox, h('table', { class: 'data' },
      h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Annotator'), h('th', { scope: 'col' }, 'Gold'), h('th', { scope: 'col' }, 'Accuracy (95%)'))),
      h('tbody', {}, report.annotators.map(a => h('tr', { class: a.flagged ? 'flagged' : null },
        h('td', {}, a.name, a.flagged ? h('strong', { class: 'flag' }, ' flagged') : null),
        h('td', {}, `${a.correct}/${a.answers}`),
        h('td', {}, `${pct(a.accuracy, 0)} (${pct(a.low, 0)}–${pct(a.high, 0)})`))))),
      h('p', { class: 'muted' }, `Flagged: at least ${report.min_answers} gold answers and the interval wholly below ${pct(report.min_accuracy, 0)}; under the majority rule their answers count less (Dawid–Skene weighs every annotator by their estimated confusion).`));
  }

  async function show() {
    chosen = new Set();
    buttons.forEach(b => b.setAttribute('aria-pressed', 'false'));
    rationale.value = '';
    [...queueList.children].forEach((li, i) => li.classList.toggle('current', i === at));
    if (queue.length === 0) {
      current = null;
      itemHead.textContent = '';
      itemText.textContent = 'Nothing to review: no item has disagreeing answers or an unsure label.';
      replace(resolvedBox); replace(modelBox); replace(answersBody); replace(historyBox);
      return;
    }
    at = Math.max(0, Math.min(at, queue.length - 1));
    const entry = queue[at];
    current = await api('GET', `/api/projects/${projectId}/review/items/${entry.item_id}`);
    itemHead.textContent = `${current.external_id} · ${at + 1} of ${queue.length} · ${entry.why}`;
    replace(itemText, withPlaceholders(current.text));
    replace(resolvedBox, h('strong', {}, 'Resolved: '), current.resolved
      ? `${current.resolved.join(', ') || '(no label)'} · confidence ${pct(current.confidence, 0)} · by ${current.resolved_by}`
      : 'not resolved (the answers tie)');
    replace(modelBox, h('strong', {}, 'Model: '), current.model
      ? `prefers ${current.model.suggested} out of sample; the given label is wrong with probability ${pct(current.model.wrong, 0)} (model ${current.model.model_version})`
      : 'no out-of-sample view of this item yet');
    replace(answersBody, current.answers.map(a => h('tr', {},
      h('td', {}, a.annotator, a.flagged_annotator ? h('strong', { class: 'flag' }, ' flagged') : null),
      h('td', {}, a.labels.join(', ')), h('td', {}, a.rationale ?? ''))));
    replace(historyBox, current.reviews.length === 0 ? null : [h('h3', {}, 'Earlier decisions'),
      h('ul', {}, current.reviews.map(r => h('li', {}, `${r.reviewer}: ${r.labels.join(', ')}${r.override ? ' (override)' : ''} — ${r.rationale}`)))]);
    itemText.focus({ preventScroll: true });
  }

  async function decide() {
    if (!current || !decides) return;
    if (chosen.size === 0 && !multi) { status.textContent = 'Choose a label first (1–9).'; return; }
    const decided = [...chosen].sort((a, b) => a - b).map(i => labels[i]);
    try {
      const result = await api('POST', `/api/projects/${projectId}/review/items/${current.item_id}`, { body: { labels: decided, rationale: rationale.value } });
      status.textContent = `Recorded ${current.external_id}: ${decided.join(', ') || '(no label)'}${result.override ? ' — overrides the resolved label' : ''}.`;
      await loadQueue();
      await show();
    } catch (error) {
      status.textContent = `Could not record: ${error.message}`;
    }
  }

  async function move(step) {
    if (queue.length === 0) return;
    at = (at + step + queue.length) % queue.length;
    await show();
  }

  function onKey(event) {
    if (!main.isConnected) { document.removeEventListener('keydown', onKey); return; }
    if (event.target === rationale) {
      if (event.key === 'Escape') { rationale.blur(); itemText.focus(); }
      else if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) { event.preventDefault(); decide(); }
      return;
    }
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.target instanceof HTMLElement && event.target.closest('button, a, input, select')) {
      if (event.key === 'Enter') return;
    }
    if (/^[1-9]$/.test(event.key) && decides && Number(event.key) <= labels.length) { event.preventDefault(); choose(Number(event.key) - 1); }
    else if (event.key === 'Enter' && decides) { event.preventDefault(); decide(); }
    else if (event.key === 'r' || event.key === 'R') { if (decides) { event.preventDefault(); rationale.focus(); } }
    else if (event.key === 'n' || event.key === 'N') { event.preventDefault(); move(1); }
    else if (event.key === 'p' || event.key === 'P') { event.preventDefault(); move(-1); }
  }
  document.addEventListener('keydown', onKey);

  await Promise.all([loadQueue(), loadGold()]);
  await show();
}

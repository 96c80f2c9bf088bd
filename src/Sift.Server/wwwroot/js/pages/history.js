// `/history/{id}`: the caller's own answers in a project, newest first, one at a time, keyboard first. ← / → (or
// J / K) go to an older / newer answer, 1–9 choose labels (multi-label: toggle; 0 none of these), Enter saves the
// change, Esc goes back to labeling. A change is a new answer that supersedes the old one (the old one is kept in
// the project's history and its evidence stream). Item text goes in as text only, never as HTML.
import { api, withRetry, ApiError, session } from '../api.js';
import { h, replace, uuid, isTyping, fmt, isoDateTime, withPlaceholders } from '../dom.js';
import { can, isMulti } from '../roles.js';
import { renderPair } from '../pair.js';

const PAGE = 20;
const PAIR_CHOICES = [
  { key: 'a', kbd: 'A', text: 'A is better', answer: e => e.pair.responses[0].side },
  { key: 'b', kbd: 'B', text: 'B is better', answer: e => e.pair.responses[1].side },
  { key: 't', kbd: 'T', text: 'Tie (equally good)', answer: () => 'tie' },
  { key: 'n', kbd: 'N', text: 'Both bad', answer: () => 'both_bad' },
];

export default async function history(main, { me, params, setTitle }) {
  const projectId = params[0];
  if (!can.annotate(me)) {
    main.append(h('h1', {}, 'Your answers'), h('p', { class: 'notice' }, `Your role (${me.role}) does not label items, so it has no answers to look back on.`));
    return;
  }
  const project = await api('GET', `/api/projects/${projectId}`);
  const labels = project.settings.labels;
  const multi = isMulti(project.settings.mode);
  const pairs = project.settings.content === 'pair';
  setTitle(`Your answers · ${project.name}`);

  let entries = [];      // loaded answers, newest first
  let total = 0;         // how many the server says there are
  let exhausted = false; // no older page left
  let index = 0;         // the one on screen
  let selected = new Set();
  let none = false;
  let busy = false;
  let showSource = false;

  const position = h('p', { class: 'progress', id: 'history-position', 'aria-live': 'polite' }, '\u00a0');
  const meta = h('p', { class: 'item-meta muted', id: 'history-meta' });
  const sourceToggle = h('input', { type: 'checkbox', id: 'history-source', onchange: () => { showSource = sourceToggle.checked; draw(); } });
  const sourceBar = h('p', { class: 'source-bar muted small', hidden: true }, h('span', { id: 'history-decoded' }), ' ',
    h('label', { class: 'inline' }, sourceToggle, ' Show the source ', h('kbd', {}, 'V')));
  const text = h('div', { class: 'item-text', id: 'history-text', tabindex: '-1', 'aria-label': 'Item you answered' });
  const cutMark = h('p', { class: 'cut-mark', id: 'history-cut', role: 'note', hidden: true });
  const pairBox = h('div', { class: 'pair', id: 'history-pair', hidden: true });
  const given = h('p', { id: 'history-given' });
  const status = h('p', { class: 'status', id: 'history-status', role: 'status' });
  const alertBox = h('div', { class: 'form-error', id: 'history-error', role: 'alert' });
  const buttons = pairs
    ? PAIR_CHOICES.map((c, i) => h('button', { type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i }, onclick: () => choose(i) }, h('kbd', {}, c.kbd), h('span', {}, c.text)))
    : labels.map((label, i) => h('button', { type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i }, onclick: () => choose(i) },
      i < 9 ? h('kbd', {}, String(i + 1)) : null, h('span', {}, label)));
  const noneButton = multi && !pairs ? h('button', { type: 'button', class: 'label none', id: 'history-none', 'aria-pressed': 'false', onclick: () => chooseNone() },
    h('kbd', {}, '0'), h('span', {}, 'None of these')) : null;
  const save = h('button', { type: 'button', class: 'primary', id: 'history-save', onclick: () => saveChange() }, 'Save the change ', h('kbd', {}, 'Enter'));
  const older = h('button', { type: 'button', id: 'history-older', onclick: () => move(+1) }, '← Older ', h('kbd', {}, 'J'));
  const newer = h('button', { type: 'button', id: 'history-newer', onclick: () => move(-1) }, 'Newer → ', h('kbd', {}, 'K'));
  const card = h('section', { class: 'card item-card', 'aria-labelledby': 'history-h2' },
    h('h2', { id: 'history-h2', class: 'visually-hidden' }, 'Answer'),
    meta, sourceBar, text, cutMark, pairBox, given,
    h('div', { class: pairs ? 'labels pair-choices' : 'labels', role: 'group', 'aria-label': 'Change the answer' }, buttons, noneButton),
    h('div', { class: 'actions' }, save, older, newer, h('a', { class: 'button', href: `/annotate/${projectId}`, id: 'history-back' }, 'Back to labeling ', h('kbd', {}, 'Esc'))),
    status, alertBox);
  const emptyBox = h('p', { class: 'empty', id: 'history-empty', hidden: true }, 'You have not answered anything in this project yet.');
  main.append(
    h('div', { class: 'page-head' }, h('h1', {}, 'Your answers', h('span', { class: 'muted mode' }, ` · ${project.name}`)), position),
    h('div', { class: 'annotate' },
      h('div', { class: 'annotate-main' }, card, emptyBox),
      h('aside', { class: 'annotate-side' }, h('section', { class: 'card', 'aria-labelledby': 'hkeys' }, h('h2', { id: 'hkeys' }, 'Keys'),
        h('dl', { class: 'keys' },
          h('dt', {}, h('kbd', {}, '←'), ' / ', h('kbd', {}, 'J')), h('dd', {}, 'Older answer'),
          h('dt', {}, h('kbd', {}, '→'), ' / ', h('kbd', {}, 'K')), h('dd', {}, 'Newer answer'),
          pairs ? [h('dt', {}, h('kbd', {}, 'A'), ' B T N'), h('dd', {}, 'Choose another answer')]
            : [h('dt', {}, h('kbd', {}, '1'), '–', h('kbd', {}, String(Math.min(9, labels.length)))), h('dd', {}, multi ? 'Toggle a label' : 'Choose a label')],
          multi && !pairs ? [h('dt', {}, h('kbd', {}, '0')), h('dd', {}, 'None of these')] : null,
          h('dt', {}, h('kbd', {}, 'Enter')), h('dd', {}, 'Save the change (a new answer; the old one is kept in the project\'s history)'),
          h('dt', {}, h('kbd', {}, 'Esc')), h('dd', {}, 'Back to labeling'))))));

  const current = () => entries[index];
  const chosenLabels = entry => pairs ? [...selected].map(i => PAIR_CHOICES[i].answer(entry)) : none ? [] : labels.filter((_, i) => selected.has(i));
  const sameAs = (a, b) => a.length === b.length && a.every(x => b.includes(x));

  function load(entry) {
    selected = new Set(pairs
      ? entry.labels.map(l => PAIR_CHOICES.findIndex(c => c.answer(entry) === l)).filter(i => i >= 0)
      : entry.labels.map(l => labels.indexOf(l)).filter(i => i >= 0));
    none = multi && entry.labels.length === 0;
  }

  function draw() {
    const entry = current();
    emptyBox.hidden = entry !== undefined;
    card.hidden = entry === undefined;
    if (!entry) { position.textContent = 'No answers yet'; return; }
    position.textContent = `Answer ${fmt(index + 1)} of ${fmt(total)} (newest first)`;
    meta.textContent = `Item ${entry.item_id} · answered ${isoDateTime(entry.answered_at)}${entry.changed ? ' · changed from an earlier answer' : ''}`;
    const readable = entry.readable ?? null;
    const decoded = typeof readable?.text === 'string' ? readable.text : null;
    if (pairs && entry.pair) {
      text.hidden = true;
      pairBox.hidden = false;
      renderPair(pairBox, entry.pair, ['A', 'B'], false);
    } else {
      pairBox.hidden = true;
      text.hidden = false;
      replace(text, withPlaceholders(decoded !== null && !showSource ? decoded : entry.text));
    }
    text.dataset.annotationId = String(entry.annotation_id);
    sourceBar.hidden = decoded === null;
    sourceToggle.checked = showSource;
    document.getElementById('history-decoded').textContent = decoded === null ? '' : showSource ? 'Showing the source as imported.' : `Shown as readable text, decoded from ${readable.source}.`;
    cutMark.hidden = !readable?.cut;
    cutMark.textContent = readable?.cut ? `✂ Cut here: the original text was longer than ${fmt(readable.cut_at)} characters.` : '';
    given.textContent = `Your answer: ${entry.labels.length === 0 ? 'none of these' : entry.labels.map(l => pairs ? describeSide(entry, l) : l).join(', ')}`;
    buttons.forEach((b, i) => { b.setAttribute('aria-pressed', selected.has(i) ? 'true' : 'false'); b.disabled = busy; });
    if (noneButton) { noneButton.setAttribute('aria-pressed', none ? 'true' : 'false'); noneButton.disabled = busy; }
    const changed = !sameAs(chosenLabels(entry), entry.labels) && (selected.size > 0 || none);
    save.disabled = busy || !changed;
    older.disabled = busy || (index >= entries.length - 1 && exhausted);
    newer.disabled = busy || index === 0;
  }

  function describeSide(entry, side) {
    const i = PAIR_CHOICES.findIndex(c => c.answer(entry) === side);
    return i >= 0 ? PAIR_CHOICES[i].text : side;
  }

  async function loadMore() {
    const before = entries.length > 0 ? `&before=${entries[entries.length - 1].annotation_id}` : '';
    const response = await fetchPage(`/api/projects/${projectId}/my-answers?limit=${PAGE}${before}`);
    entries = entries.concat(response.entries);
    total = response.total ?? entries.length;
    exhausted = response.entries.length < PAGE || entries.length >= total;
  }

  async function fetchPage(path) {
    // The total comes in a header; the api() helper returns only the body, so the count is asked for with fetch.
    const list = await api('GET', path);
    const count = await api('GET', `/api/projects/${projectId}/my-progress`).then(p => p.submitted).catch(() => null);
    return { entries: list ?? [], total: count };
  }

  async function move(step) {
    if (busy) return;
    const next = index + step;
    if (next < 0) return;
    if (next >= entries.length) {
      if (exhausted) return;
      busy = true; draw();
      try { await loadMore(); } catch (error) { fail(error); } finally { busy = false; }
      if (next >= entries.length) { draw(); return; }
    }
    index = next;
    showSource = false;
    load(current());
    status.textContent = '';
    alertBox.textContent = '';
    draw();
  }

  function choose(i) {
    const entry = current();
    if (!entry || busy) return;
    if (pairs || !multi) selected = new Set([i]);
    else if (selected.has(i)) selected.delete(i); else selected.add(i);
    none = false;
    status.textContent = '';
    draw();
  }

  function chooseNone() {
    if (!current() || busy || !multi) return;
    none = !none;
    if (none) selected = new Set();
    status.textContent = '';
    draw();
  }

  async function saveChange() {
    const entry = current();
    if (!entry || busy) return;
    const chosen = chosenLabels(entry);
    if (selected.size === 0 && !none) { alertBox.textContent = 'Choose a new answer first.'; return; }
    if (sameAs(chosen, entry.labels)) { status.textContent = 'That is your answer already: nothing to change.'; return; }
    const key = JSON.stringify([entry.annotation_id, chosen]);
    if (entry.changeKey !== key) { entry.changeKey = key; entry.changeId = uuid(); }
    busy = true; alertBox.textContent = ''; status.textContent = 'Saving…'; draw();
    try {
      const result = await withRetry(() => api('POST', `/api/projects/${projectId}/my-answers/${entry.annotation_id}`,
        { body: { labels: chosen, client_request_id: entry.changeId } }));
      entries[index] = { ...entry, annotation_id: result.annotation_id, labels: chosen, changed: true, answered_at: new Date().toISOString() };
      status.textContent = 'Changed. Your new answer replaces the earlier one, which stays in the project\'s history.';
    } catch (error) {
      status.textContent = '';
      fail(error);
    } finally {
      busy = false;
      load(current());
      draw();
    }
  }

  function fail(error) {
    if (error instanceof ApiError && error.status === 401) { session.token = null; location.assign(`/?next=${encodeURIComponent(location.pathname)}`); return; }
    alertBox.textContent = `Could not do that: ${error.message}`;
  }

  document.addEventListener('keydown', event => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    const key = event.key;
    const target = event.target instanceof Element ? event.target : null;
    if (key === 'ArrowLeft' || key === 'j' || key === 'J') { event.preventDefault(); move(+1); }
    else if (key === 'ArrowRight' || key === 'k' || key === 'K') { event.preventDefault(); move(-1); }
    else if (key === 'Escape') { event.preventDefault(); location.assign(`/annotate/${projectId}`); }
    else if (!pairs && /^[1-9]$/.test(key) && Number(key) <= labels.length) { event.preventDefault(); choose(Number(key) - 1); }
    else if (!pairs && multi && key === '0') { event.preventDefault(); chooseNone(); }
    else if (pairs && PAIR_CHOICES.some(c => c.key === key.toLowerCase())) { event.preventDefault(); choose(PAIR_CHOICES.findIndex(c => c.key === key.toLowerCase())); }
    else if ((key === 'v' || key === 'V') && !sourceBar.hidden) { event.preventDefault(); showSource = !showSource; draw(); }
    else if (key === 'Enter') {
      if (target?.closest('a, button, summary')) return;
      event.preventDefault();
      if (!event.repeat) saveChange();
    }
  });

  try {
    await loadMore();
  } catch (error) {
    fail(error);
  }
  if (current()) load(current());
  draw();
  text.focus({ preventScroll: true });
}

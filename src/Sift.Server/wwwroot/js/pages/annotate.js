// `/annotate/{id}`: one item at a time, keyboard first. 1–9 choose a label (multi-label: toggle), Enter submits,
// S skips, U undoes. The caller's next task is prefetched (prefetch=2) so it shows the moment the current one is
// answered. A submit carries a client request id that stays the same across retries, so a retry counts once, and
// the time the item was on screen in a visible tab (time on task, kept in the answer's provenance). A text project's
// page shows text items; a pair project's page shows pairwise comparisons (prompt on top, the two responses side by
// side in the order the server chose for this annotator; A / B / T / N answer, D marks the words that differ, an
// optional rationale goes with the answer). An item of a kind the page does not show gets a plain notice and can only
// be skipped.
import { api, withRetry, ApiError, session } from '../api.js';
import { h, replace, uuid, isTyping, fmt, withPlaceholders } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { can, isMulti } from '../roles.js';
import { visibleStopwatch } from '../visibletime.js';
import { renderPair, diffByDefault } from '../pair.js';

const PREFETCH = 2;
const SOURCE_NAMES = { email: 'an e-mail (MIME)', html: 'HTML', 'quoted-printable': 'quoted-printable' };
const EMPTY_POLL_MS = 10_000;

/** A pair project's answers: positional on screen (first shown = A), sent as the stored side they name. */
const PAIR_CHOICES = [
  { key: 'a', kbd: 'A', text: 'A is better', answer: task => task.pair.responses[0].side },
  { key: 'b', kbd: 'B', text: 'B is better', answer: task => task.pair.responses[1].side },
  { key: 't', kbd: 'T', text: 'Tie (equally good)', answer: () => 'tie' },
  { key: 'n', kbd: 'N', text: 'Both bad', answer: () => 'both_bad' },
];

export default async function annotate(main, { me, params, setTitle }) {
  const projectId = params[0];
  if (!can.annotate(me)) {
    main.append(h('h1', {}, 'Annotate'),
      h('p', { class: 'notice' }, `Your role (${me.role}) does not label items. `,
        can.viewDashboard(me) ? h('a', { href: `/dashboard/${projectId}` }, 'Open the dashboard instead.') : null));
    return;
  }

  let project = await api('GET', `/api/projects/${projectId}`);
  const labels = project.settings.labels;
  const multi = isMulti(project.settings.mode);
  const pairs = project.settings.content === 'pair';
  /** Whether this page can show and answer the task's item. */
  const supported = task => pairs
    ? kindOf(task) === 'pair' && Array.isArray(task.pair?.responses) && task.pair.responses.length === 2
    : kindOf(task) === 'text';
  setTitle(`Annotate · ${project.name}`);

  // ---- state ----------------------------------------------------------------------------------------------------
  let queue = [];               // the caller's live tasks; queue[0] is on screen
  const finished = new Set();   // task ids answered or skipped here (a late top-up must not bring them back)
  let selected = new Set();     // label indices chosen for queue[0]
  let busy = false;             // an action is in flight
  let loaded = false;           // the first top-up has answered
  let emptyTimer = null;
  const watch = visibleStopwatch(); // time on task of queue[0], restarted when another task comes on screen

  // ---- layout ---------------------------------------------------------------------------------------------------
  const progress = h('p', { class: 'progress', id: 'progress', 'aria-live': 'polite' }, '\u00a0');
  const itemText = h('div', { class: 'item-text', id: 'item-text', tabindex: '-1', 'aria-label': 'Item to label' });
  const itemMeta = h('p', { class: 'item-meta muted', id: 'item-meta' });
  // E-mail and HTML-ish text is shown decoded (the server's readable text); V shows the source as stored. A text that
  // was cut says so where it ends. All of it goes in as text, never as HTML.
  let showSource = false;
  const sourceToggle = h('input', { type: 'checkbox', id: 'source-toggle', 'aria-keyshortcuts': 'V', onchange: () => { showSource = sourceToggle.checked; showText(queue[0]); } });
  const sourceBar = h('p', { class: 'source-bar muted small', id: 'source-bar', hidden: true },
    h('span', { id: 'decoded-from' }), ' ',
    h('label', { class: 'inline' }, sourceToggle, ' Show the source ', h('kbd', {}, 'V')));
  const cutMark = h('p', { class: 'cut-mark', id: 'cut-mark', role: 'note', hidden: true });
  const unsupportedBox = h('p', { class: 'notice', id: 'unsupported', role: 'status', hidden: true });
  const pairBox = h('div', { class: 'pair', id: 'pair', tabindex: '-1', 'aria-label': 'Comparison to judge', hidden: true });
  let marked = false; // the word differences are marked for the pair on screen
  const diffToggle = h('input', { type: 'checkbox', id: 'diff-toggle', 'aria-keyshortcuts': 'D', onchange: () => { marked = diffToggle.checked; showPair(); } });
  const rationale = h('textarea', { id: 'rationale', rows: '2', maxlength: '2000', placeholder: 'Why? (optional)', 'aria-label': 'Rationale (optional)' });
  const pairTools = pairs ? h('div', { class: 'pair-tools' },
    h('label', { class: 'diff-label' }, diffToggle, ' Mark the words that differ ', h('kbd', {}, 'D')),
    h('label', { class: 'rationale-label', for: 'rationale' }, 'Rationale ', h('kbd', {}, 'R'), ' ', h('span', { class: 'muted' }, '(optional; Esc leaves the box)')), rationale) : null;
  // Pre-annotation (when the project turns it on): a model's label, shown as text; the answer records that it was shown.
  const suggestionBox = h('p', { class: 'suggestion', id: 'suggestion', hidden: true });
  const status = h('p', { class: 'status', id: 'status', role: 'status' });
  const alertBox = h('div', { class: 'form-error', id: 'error', role: 'alert' });
  const emptyBox = h('div', { class: 'empty', id: 'empty', hidden: true },
    h('h2', {}, 'Nothing to label right now'),
    h('p', {}, 'You have answered every item the queue holds for you. New items appear when more are imported or the model re-ranks the queue; this page checks again every few seconds.'),
    h('p', {}, h('button', { type: 'button', onclick: () => topUp() }, 'Check again')));

  const labelButtons = pairs
    ? PAIR_CHOICES.map((c, i) => h('button', {
      type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i, choice: c.key }, 'aria-keyshortcuts': c.kbd,
      onclick: () => { choose(i); submit(); },
    }, h('kbd', {}, c.kbd), h('span', {}, c.text)))
    : labels.map((label, i) => h('button', {
      type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i },
      'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
      onclick: () => { choose(i); if (!multi) submit(); },
    }, i < 9 ? h('kbd', {}, String(i + 1)) : null, h('span', {}, label)));

  // Multi-label: an answer with no label is a choice of its own (0), never what Enter sends when nothing is chosen.
  const noneButton = multi && !pairs ? h('button', {
    type: 'button', class: 'label none', 'aria-pressed': 'false', id: 'none-apply', 'aria-keyshortcuts': '0',
    onclick: () => chooseNone(),
  }, h('kbd', {}, '0'), h('span', {}, 'None of these')) : null;
  let noneChosen = false;       // multi-label: the annotator chose "none of these" for queue[0]

  const submitButton = h('button', { type: 'button', class: 'primary', id: 'submit', 'aria-keyshortcuts': 'Enter', onclick: () => submit() },
    'Submit ', h('kbd', {}, 'Enter'));
  const skipButton = h('button', { type: 'button', id: 'skip', 'aria-keyshortcuts': 'S', onclick: () => skip() }, 'Skip ', h('kbd', {}, 'S'));
  const undoButton = h('button', { type: 'button', id: 'undo', 'aria-keyshortcuts': 'U', onclick: () => undo() }, 'Undo ', h('kbd', {}, 'U'));

  const itemPanel = h('section', { class: 'card item-card', 'aria-labelledby': 'item-heading' },
    h('h2', { id: 'item-heading', class: 'visually-hidden' }, 'Item'),
    itemMeta, sourceBar, itemText, cutMark, pairBox, unsupportedBox, suggestionBox, pairTools,
    h('div', { class: pairs ? 'labels pair-choices' : 'labels', role: 'group', 'aria-label': pairs ? 'Which response is better?' : multi ? 'Labels (choose any)' : 'Labels (choose one)' }, labelButtons, noneButton),
    h('div', { class: 'actions' }, submitButton, skipButton, undoButton),
    status, alertBox);

  const instructionsBody = h('div', { class: 'markdown', id: 'instructions' });
  const instructionsVersion = h('span', { class: 'muted' });
  let shownInstructions = 0;
  const showInstructions = () => {
    const ins = project.instructions ?? {};
    shownInstructions = ins.version ?? project.instructions_version ?? 0;
    instructionsVersion.textContent = shownInstructions ? ` (version ${shownInstructions})` : '';
    replace(instructionsBody, ins.markdown?.trim() ? renderMarkdown(ins.markdown) : h('p', { class: 'muted' }, 'No instructions.'));
  };
  showInstructions();

  const keys = pairs ? h('dl', { class: 'keys' },
    h('dt', {}, h('kbd', {}, 'A'), ' / ', h('kbd', {}, 'B')), h('dd', {}, 'Response A (first) or B (second) is better'),
    h('dt', {}, h('kbd', {}, 'T')), h('dd', {}, 'Tie: equally good'),
    h('dt', {}, h('kbd', {}, 'N')), h('dd', {}, 'Both bad'),
    h('dt', {}, h('kbd', {}, 'D')), h('dd', {}, 'Mark the words that differ'),
    h('dt', {}, h('kbd', {}, 'R')), h('dd', {}, 'Write a rationale (Esc to leave it)'),
    h('dt', {}, h('kbd', {}, 'S')), h('dd', {}, 'Skip'),
    h('dt', {}, h('kbd', {}, 'U')), h('dd', {}, 'Undo the last answer')) : h('dl', { class: 'keys' },
    h('dt', {}, h('kbd', {}, '1'), '–', h('kbd', {}, String(Math.min(9, labels.length)))),
    h('dd', {}, multi ? 'Toggle a label' : 'Choose a label'),
    multi ? [h('dt', {}, h('kbd', {}, '0')), h('dd', {}, 'None of these')] : null,
    h('dt', {}, h('kbd', {}, 'Enter')), h('dd', {}, 'Submit'),
    h('dt', {}, h('kbd', {}, 'S')), h('dd', {}, 'Skip'),
    h('dt', {}, h('kbd', {}, 'U')), h('dd', {}, 'Undo the last answer'),
    h('dt', {}, h('kbd', {}, 'V')), h('dd', {}, 'Show the source of a decoded e-mail or HTML text'),
    h('dt', {}, h('kbd', {}, 'H')), h('dd', {}, h('a', { href: `/history/${projectId}`, id: 'history-link' }, 'Your answers: look back and change them')));

  main.append(
    h('div', { class: 'page-head' },
      h('h1', {}, project.name, h('span', { class: 'muted mode' }, pairs ? ' · pairwise comparison' : multi ? ' · multi-label' : ' · single-label')),
      progress),
    h('div', { class: 'annotate' },
      h('div', { class: 'annotate-main' }, itemPanel, emptyBox),
      h('aside', { class: 'annotate-side' },
        h('section', { class: 'card', 'aria-labelledby': 'ins-heading' },
          h('h2', { id: 'ins-heading' }, 'Instructions', instructionsVersion), instructionsBody),
        h('section', { class: 'card', 'aria-labelledby': 'keys-heading' },
          h('h2', { id: 'keys-heading' }, 'Keys'), keys))));

  // ---- rendering ------------------------------------------------------------------------------------------------
  const say = text => { status.textContent = text; };
  const fail = text => { alertBox.textContent = text; };

  function render() {
    const task = queue[0];
    const answerable = task && supported(task);
    labelButtons.forEach((b, i) => b.setAttribute('aria-pressed', selected.has(i) ? 'true' : 'false'));
    for (const b of labelButtons) b.disabled = !answerable || busy;
    if (noneButton) { noneButton.setAttribute('aria-pressed', noneChosen ? 'true' : 'false'); noneButton.disabled = !answerable || busy; }
    submitButton.disabled = !answerable || busy || (selected.size === 0 && !noneChosen);
    skipButton.disabled = !task || busy;
    undoButton.disabled = busy;
    itemPanel.classList.toggle('busy', busy);
  }

  function show() {
    const task = queue[0];
    clearTimeout(emptyTimer);
    if (task) {
      emptyBox.hidden = true;
      itemPanel.hidden = false;
      if (itemText.dataset.taskId !== String(task.task_id)) {
        if (supported(task) && pairs) {
          // The item text element keeps the task's identity; the comparison is shown in its own box.
          itemText.textContent = '';
          itemText.hidden = true;
          unsupportedBox.hidden = true;
          marked = diffByDefault(task.pair);
          rationale.value = '';
          pairBox.hidden = false;
          showPair(task);
        } else if (supported(task)) {
          showSource = false;
          showText(task);
          itemText.hidden = false;
          unsupportedBox.hidden = true;
        } else {
          // Nothing of the item is shown: a page that does not know the kind cannot show it faithfully.
          itemText.textContent = '';
          itemText.hidden = true;
          unsupportedBox.textContent = describeUnsupported(kindOf(task));
          unsupportedBox.hidden = false;
        }
        itemText.dataset.taskId = String(task.task_id);
        itemText.dataset.itemId = String(task.item_id);
        itemText.dataset.kind = kindOf(task);
        itemText.scrollTop = 0;
        itemMeta.textContent = `Item ${task.item_id}`;
        const suggested = Array.isArray(task.suggestion) && supported(task) ? task.suggestion : [];
        suggestionBox.textContent = suggested.length > 0 ? `A model suggests: ${suggested.join(', ')}` : '';
        suggestionBox.hidden = suggested.length === 0;
        labelButtons.forEach((b, i) => b.classList.toggle('suggested', suggested.includes(labels[i])));
        selected = new Set(task.preselect ?? []);
        noneChosen = multi && Array.isArray(task.preselect) && task.preselect.length === 0 && task.undoneEmpty === true;
        watch.restart();
      }
      if ((task.instructions_version ?? 0) > shownInstructions) refreshInstructions();
    } else if (loaded && !topping) {
      clearItem();
      itemPanel.hidden = true;
      emptyBox.hidden = false;
      emptyTimer = setTimeout(() => { if (!document.hidden) topUp(); else show(); }, EMPTY_POLL_MS);
    } else {
      clearItem();
      itemPanel.hidden = false;
      emptyBox.hidden = true;
      itemText.textContent = 'Loading the next item…';
    }
    render();
  }

  /** The text item on screen: its readable text, or the source when asked (V) or when it is plain already. */
  function showText(task) {
    if (!task || pairs || !supported(task)) return;
    const readable = task.readable ?? null;
    const decoded = typeof readable?.text === 'string' ? readable.text : null;
    // Untrusted: text nodes only, never HTML; redaction placeholders ([EMAIL], …) marked so they read as removed data.
    replace(itemText, withPlaceholders(decoded !== null && !showSource ? decoded : task.text));
    itemText.dataset.view = decoded !== null && !showSource ? 'readable' : 'source';
    sourceBar.hidden = decoded === null;
    sourceToggle.checked = showSource;
    document.getElementById('decoded-from').textContent = decoded === null ? ''
      : showSource ? 'Showing the source as imported.' : `Shown as readable text, decoded from ${SOURCE_NAMES[readable.source] ?? 'markup'}.`;
    cutMark.hidden = !readable?.cut;
    cutMark.textContent = readable?.cut
      ? `✂ Cut here: the original text was longer than ${fmt(readable.cut_at)} characters; the rest is not part of this item.` : '';
  }

  /** Draws the comparison on screen (again, after the difference marks are switched). */
  function showPair(task = queue[0]) {
    if (!task || !pairs || !supported(task)) return;
    diffToggle.checked = renderPair(pairBox, task.pair, ['A', 'B'], marked);
  }

  function clearItem() {
    itemText.textContent = '';
    itemText.hidden = false;
    delete itemText.dataset.view;
    sourceBar.hidden = true;
    cutMark.hidden = true;
    pairBox.replaceChildren();
    pairBox.hidden = true;
    unsupportedBox.hidden = true;
    delete itemText.dataset.taskId;
    delete itemText.dataset.itemId;
    delete itemText.dataset.kind;
    itemMeta.textContent = '';
    suggestionBox.textContent = '';
    suggestionBox.hidden = true;
    labelButtons.forEach(b => b.classList.remove('suggested'));
    selected = new Set();
    noneChosen = false;
  }

  async function refreshInstructions() {
    try {
      project = await api('GET', `/api/projects/${projectId}`);
      const before = shownInstructions;
      showInstructions();
      if (before && shownInstructions > before) say(`The instructions changed (now version ${shownInstructions}).`);
    } catch { /* keep the old text; the next task tries again */ }
  }

  // Answers to overlapping progress requests can arrive out of order: only the latest request's answer is shown.
  let progressSeq = 0;
  async function refreshProgress() {
    const seq = ++progressSeq;
    try {
      const p = await api('GET', `/api/projects/${projectId}/my-progress`);
      if (seq === progressSeq) progress.textContent = describeProgress(p);
    } catch { /* progress is informative only */ }
  }

  // ---- talking to the server ------------------------------------------------------------------------------------
  let topping = null;
  let again = false;

  /** Asks for the caller's live tasks (topped up to PREFETCH) and merges them into the local queue. */
  function topUp() {
    if (topping) { again = true; return topping; }
    topping = (async () => {
      do {
        again = false;
        try {
          const answer = await api('POST', `/api/projects/${projectId}/tasks/next?prefetch=${PREFETCH}`);
          merge(tasksOf(answer));
          if (!queue.length || alertBox.textContent.startsWith('Could not load')) fail('');
        } catch (error) {
          if (redirectIfLoggedOut(error)) return;
          if (!queue.length) fail(`Could not load the next item: ${error.message}`);
        }
        loaded = true;
      } while (again);
    })().finally(() => { topping = null; show(); });
    return topping;
  }

  function merge(live) {
    const fresh = live.filter(t => !finished.has(t.task_id));
    const ids = new Set(fresh.map(t => t.task_id));
    // Keep what is on screen (it may have come from an undo this answer did not know of) and the local copies
    // of tasks still live (they carry client request ids); drop the rest; append the new ones in server order.
    const kept = queue.filter((t, i) => i === 0 || ids.has(t.task_id));
    const keptIds = new Set(kept.map(t => t.task_id));
    queue = kept.concat(fresh.filter(t => !keptIds.has(t.task_id)));
  }

  /** Runs an action on the task on screen; on success it moves on to the next task at once. */
  async function act(task, verb, call) {
    busy = true;
    fail('');
    say(`${verb}…`);
    render();
    try {
      await call();
      finished.add(task.task_id);
      queue = queue.filter(t => t !== task);
      say(verb === 'Saving' ? 'Saved.' : 'Skipped.');
      busy = false;
      if (queue.length < PREFETCH) topUp();
      show();
      refreshProgress();
    } catch (error) {
      busy = false;
      if (redirectIfLoggedOut(error)) return;
      if (error instanceof ApiError && [404, 409, 410].includes(error.status)) {
        // The lease ran out and the task went back to the pool, or it was answered elsewhere.
        finished.add(task.task_id);
        queue = queue.filter(t => t !== task);
        say('');
        fail(`This item is no longer assigned to you (${error.message}). Moving on to the next one.`);
        topUp();
        show();
      } else {
        say('');
        fail(`Could not ${verb === 'Saving' ? 'save your answer' : 'skip'}: ${error.message} Press ${verb === 'Saving' ? 'Enter' : 'S'} to try again.`);
        render();
      }
    }
  }

  function submit() {
    const task = queue[0];
    if (!task || busy) return;
    if (!supported(task)) { fail('This item cannot be answered on this page. Skip it with S.'); return; }
    if (selected.size === 0 && !noneChosen) {
      say('');
      fail(pairs ? 'Choose first: A, B, T (tie) or N (both bad).'
        : multi ? `Choose at least one label first (keys 1–${Math.min(9, labels.length)}), or 0 for none of these.`
          : `Choose a label first (keys 1–${Math.min(9, labels.length)}).`);
      return;
    }
    const chosen = pairs ? [PAIR_CHOICES[[...selected][0]].answer(task)] : noneChosen ? [] : labels.filter((_, i) => selected.has(i));
    const why = pairs ? rationale.value.trim() : '';
    // One id per answer: a retry of the same answer reuses it (and counts once); a changed answer gets a new one.
    const key = JSON.stringify([chosen, why]);
    if (task.answerKey !== key) {
      task.answerKey = key;
      task.clientRequestId = uuid();
      task.seconds = Math.round(watch.seconds() * 1000) / 1000; // frozen with the id: a retry sends the same answer
    }
    const body = { labels: chosen, client_request_id: task.clientRequestId, seconds: task.seconds };
    if (why) body.rationale = why;
    return act(task, 'Saving', () => withRetry(() =>
      api('POST', `/api/projects/${projectId}/tasks/${task.task_id}/submit`, { body })));
  }

  function skip() {
    const task = queue[0];
    if (!task || busy) return;
    return act(task, 'Skipping', () => withRetry(() =>
      api('POST', `/api/projects/${projectId}/tasks/${task.task_id}/skip`)));
  }

  async function undo() {
    if (busy) return;
    busy = true;
    fail('');
    say('Undoing…');
    render();
    try {
      const task = await api('POST', `/api/projects/${projectId}/tasks/undo`);
      if (!task) { say('Nothing to undo.'); return; }
      finished.delete(task.task_id);
      const previous = Array.isArray(task.labels) ? task.labels : [];
      task.preselect = pairs
        ? previous.map(l => PAIR_CHOICES.findIndex(c => supported(task) && c.answer(task) === l)).filter(i => i >= 0)
        : previous.map(l => labels.indexOf(l)).filter(i => i >= 0);
      task.undoneEmpty = Array.isArray(task.labels) && task.labels.length === 0;
      queue = [task, ...queue.filter(t => t.task_id !== task.task_id)];
      delete itemText.dataset.taskId;
      say(previous.length > 0 || task.undoneEmpty
        ? 'Undone: the last item is back with your earlier answer selected. Change it or press Enter to keep it.'
        : 'Undone: the last item is back. Answer it again.');
      refreshProgress();
    } catch (error) {
      if (redirectIfLoggedOut(error)) return;
      if (error instanceof ApiError && [404, 409].includes(error.status)) say('Nothing to undo.');
      else { say(''); fail(`Could not undo: ${error.message}`); }
    } finally {
      busy = false;
      show();
    }
  }

  function choose(index) {
    if (!queue[0] || busy || index >= labels.length || !supported(queue[0])) return;
    if (multi) {
      if (selected.has(index)) selected.delete(index); else selected.add(index);
      noneChosen = false;
    } else {
      selected = new Set([index]);
    }
    fail('');
    say(''); // a message about the last action ("Nothing to undo.", "Saved.") is stale after the next one
    render();
  }

  /** Multi-label: "none of these" on or off (it clears the chosen labels). */
  function chooseNone() {
    if (!queue[0] || busy || !multi || !supported(queue[0])) return;
    noneChosen = !noneChosen;
    if (noneChosen) selected = new Set();
    fail('');
    say('');
    render();
  }

  // ---- keys -----------------------------------------------------------------------------------------------------
  function onKey(event) {
    if (event.key === 'Escape' && event.target === rationale) {
      // Leave the rationale box, so the answer keys work again.
      event.preventDefault();
      pairBox.focus({ preventScroll: true });
      return;
    }
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    const target = event.target instanceof Element ? event.target : null;
    const key = event.key;
    const pairChoice = pairs ? PAIR_CHOICES.findIndex(c => c.key === key.toLowerCase()) : -1;
    if (pairChoice >= 0) {
      event.preventDefault();
      if (event.repeat) return;
      choose(pairChoice);
      if (selected.has(pairChoice)) submit();
    } else if (pairs && (key === 'd' || key === 'D')) {
      event.preventDefault();
      if (!event.repeat && supported(queue[0] ?? {})) { marked = !marked; showPair(); }
    } else if (pairs && (key === 'r' || key === 'R')) {
      event.preventDefault();
      rationale.focus();
    } else if (!pairs && /^[1-9]$/.test(key)) {
      event.preventDefault();
      choose(Number(key) - 1);
    } else if (multi && !pairs && key === '0') {
      event.preventDefault();
      if (!event.repeat) chooseNone();
    } else if (key === 'Enter') {
      // Enter on a link or a button (a label button too) keeps its usual meaning: it presses that button, as a click
      // would, and does not also submit. Anywhere else it submits.
      if (target?.closest('a, button, summary')) return;
      event.preventDefault();
      if (event.repeat) return;
      submit();
    } else if (!pairs && (key === 'v' || key === 'V')) {
      event.preventDefault();
      if (!event.repeat && !sourceBar.hidden) { showSource = !showSource; showText(queue[0]); }
    } else if (key === 'h' || key === 'H') {
      event.preventDefault();
      if (!event.repeat) location.assign(`/history/${projectId}`);
    } else if (key === 's' || key === 'S') {
      event.preventDefault();
      if (!event.repeat) skip();
    } else if (key === 'u' || key === 'U') {
      event.preventDefault();
      if (!event.repeat) undo();
    }
  }
  document.addEventListener('keydown', onKey);

  // ---- start ----------------------------------------------------------------------------------------------------
  show();
  refreshProgress();
  await topUp();
  (pairs ? pairBox : itemText).focus({ preventScroll: true });
}

/** The kind of a task's item (`text` when an older server does not say). */
function kindOf(task) {
  return typeof task.content_kind === 'string' ? task.content_kind : 'text';
}

function describeUnsupported(kind) {
  const what = kind === 'pair' ? 'a pairwise comparison (a prompt with two responses)' : `an item of kind “${kind}”`;
  return `This item is ${what}: this item kind is not supported by this page yet. Skip it with S, or undo with U.`;
}

/** The task list from a tasks/next answer (null for 204). */
function tasksOf(answer) {
  if (!answer) return [];
  if (Array.isArray(answer)) return answer;
  return Array.isArray(answer.tasks) ? answer.tasks : [];
}

function describeProgress(p) {
  const parts = [`You: ${fmt(p.submitted)} answered`];
  // queue_depth counts items with a free slot still to hand out; the tasks the caller holds (the one on screen and
  // the prefetched one) left it when they were handed out, so they are added back: the count stays the same when
  // the page reloads or prefetches, and is never 0 while an item is left to answer.
  if (p.queue_depth !== undefined) parts.push(`${fmt(p.queue_depth + (p.live_tasks ?? 0))} in the queue`);
  if (p.items !== undefined) parts.push(`${fmt(p.items)} items in the project`);
  return parts.join(' · ');
}

function redirectIfLoggedOut(error) {
  if (!(error instanceof ApiError) || error.status !== 401) return false;
  session.token = null;
  location.assign(`/?next=${encodeURIComponent(location.pathname)}`);
  return true;
}

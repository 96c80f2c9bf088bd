// `/annotate/{id}`: one item at a time, keyboard first. 1–9 choose a label (multi-label: toggle), Enter submits,
// S skips, U undoes. The caller's next task is prefetched (prefetch=2) so it shows the moment the current one is
// answered. A submit carries a client request id that stays the same across retries, so a retry counts once, and
// the time the item was on screen in a visible tab (time on task, kept in the answer's provenance). The page shows
// text items; an item of any other kind (a pair, before its page exists) gets a plain notice and can only be skipped.
import { api, withRetry, ApiError, session } from '../api.js';
import { h, replace, uuid, isTyping, fmt } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { can, isMulti } from '../roles.js';
import { visibleStopwatch } from '../visibletime.js';

const PREFETCH = 2;
const EMPTY_POLL_MS = 10_000;

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
  const unsupportedBox = h('p', { class: 'notice', id: 'unsupported', role: 'status', hidden: true });
  // Pre-annotation (when the project turns it on): a model's label, shown as text; the answer records that it was shown.
  const suggestionBox = h('p', { class: 'suggestion', id: 'suggestion', hidden: true });
  const status = h('p', { class: 'status', id: 'status', role: 'status' });
  const alertBox = h('div', { class: 'form-error', id: 'error', role: 'alert' });
  const emptyBox = h('div', { class: 'empty', id: 'empty', hidden: true },
    h('h2', {}, 'Nothing to label right now'),
    h('p', {}, 'You have answered every item the queue holds for you. New items appear when more are imported or the model re-ranks the queue; this page checks again every few seconds.'),
    h('p', {}, h('button', { type: 'button', onclick: () => topUp() }, 'Check again')));

  const labelButtons = labels.map((label, i) => h('button', {
    type: 'button', class: 'label', 'aria-pressed': 'false', dataset: { index: i },
    'aria-keyshortcuts': i < 9 ? String(i + 1) : null,
    onclick: () => { choose(i); if (!multi) submit(); },
  }, i < 9 ? h('kbd', {}, String(i + 1)) : null, h('span', {}, label)));

  const submitButton = h('button', { type: 'button', class: 'primary', id: 'submit', 'aria-keyshortcuts': 'Enter', onclick: () => submit() },
    'Submit ', h('kbd', {}, 'Enter'));
  const skipButton = h('button', { type: 'button', id: 'skip', 'aria-keyshortcuts': 'S', onclick: () => skip() }, 'Skip ', h('kbd', {}, 'S'));
  const undoButton = h('button', { type: 'button', id: 'undo', 'aria-keyshortcuts': 'U', onclick: () => undo() }, 'Undo ', h('kbd', {}, 'U'));

  const itemPanel = h('section', { class: 'card item-card', 'aria-labelledby': 'item-heading' },
    h('h2', { id: 'item-heading', class: 'visually-hidden' }, 'Item'),
    itemMeta, itemText, unsupportedBox, suggestionBox,
    h('div', { class: 'labels', role: 'group', 'aria-label': multi ? 'Labels (choose any)' : 'Labels (choose one)' }, labelButtons),
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

  const keys = h('dl', { class: 'keys' },
    h('dt', {}, h('kbd', {}, '1'), '–', h('kbd', {}, String(Math.min(9, labels.length)))),
    h('dd', {}, multi ? 'Toggle a label' : 'Choose a label'),
    h('dt', {}, h('kbd', {}, 'Enter')), h('dd', {}, 'Submit'),
    h('dt', {}, h('kbd', {}, 'S')), h('dd', {}, 'Skip'),
    h('dt', {}, h('kbd', {}, 'U')), h('dd', {}, 'Undo the last answer'));

  main.append(
    h('div', { class: 'page-head' },
      h('h1', {}, project.name, h('span', { class: 'muted mode' }, multi ? ' · multi-label' : ' · single-label')),
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
    submitButton.disabled = !answerable || busy || (!multi && selected.size === 0);
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
        if (supported(task)) {
          itemText.textContent = task.text; // untrusted: text only, never HTML
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

  function clearItem() {
    itemText.textContent = '';
    itemText.hidden = false;
    unsupportedBox.hidden = true;
    delete itemText.dataset.taskId;
    delete itemText.dataset.itemId;
    delete itemText.dataset.kind;
    itemMeta.textContent = '';
    suggestionBox.textContent = '';
    suggestionBox.hidden = true;
    labelButtons.forEach(b => b.classList.remove('suggested'));
    selected = new Set();
  }

  async function refreshInstructions() {
    try {
      project = await api('GET', `/api/projects/${projectId}`);
      const before = shownInstructions;
      showInstructions();
      if (before && shownInstructions > before) say(`The instructions changed (now version ${shownInstructions}).`);
    } catch { /* keep the old text; the next task tries again */ }
  }

  async function refreshProgress() {
    try {
      const p = await api('GET', `/api/projects/${projectId}/my-progress`);
      progress.textContent = describeProgress(p);
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
    if (!multi && selected.size === 0) { fail(`Choose a label first (keys 1–${Math.min(9, labels.length)}).`); return; }
    const chosen = labels.filter((_, i) => selected.has(i));
    // One id per answer: a retry of the same answer reuses it (and counts once); a changed answer gets a new one.
    const key = JSON.stringify(chosen);
    if (task.answerKey !== key) {
      task.answerKey = key;
      task.clientRequestId = uuid();
      task.seconds = Math.round(watch.seconds() * 1000) / 1000; // frozen with the id: a retry sends the same answer
    }
    const body = { labels: chosen, client_request_id: task.clientRequestId, seconds: task.seconds };
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
      task.preselect = previous.map(l => labels.indexOf(l)).filter(i => i >= 0);
      queue = [task, ...queue.filter(t => t.task_id !== task.task_id)];
      delete itemText.dataset.taskId;
      say('Undone: the last item is back. Answer it again.');
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
    } else {
      selected = new Set([index]);
    }
    fail('');
    render();
  }

  // ---- keys -----------------------------------------------------------------------------------------------------
  function onKey(event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey || isTyping(event)) return;
    const target = event.target instanceof Element ? event.target : null;
    const key = event.key;
    if (/^[1-9]$/.test(key)) {
      event.preventDefault();
      choose(Number(key) - 1);
    } else if (key === 'Enter') {
      // Enter on a link or another button keeps its usual meaning; anywhere else (label buttons too) it submits.
      if (target?.closest('a, button:not(.label), summary')) return;
      event.preventDefault();
      if (event.repeat) return;
      if (!multi && selected.size === 0 && target?.classList.contains('label')) choose(Number(target.dataset.index));
      submit();
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
  itemText.focus({ preventScroll: true });
}

/** The kind of a task's item (`text` when an older server does not say). */
function kindOf(task) {
  return typeof task.content_kind === 'string' ? task.content_kind : 'text';
}

/** Whether this page can show and answer the task's item. */
function supported(task) {
  return kindOf(task) === 'text';
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
  if (p.queue_depth !== undefined) parts.push(`${fmt(p.queue_depth)} in the queue`);
  if (p.items !== undefined) parts.push(`${fmt(p.items)} items in the project`);
  return parts.join(' · ');
}

function redirectIfLoggedOut(error) {
  if (!(error instanceof ApiError) || error.status !== 401) return false;
  session.token = null;
  location.assign(`/?next=${encodeURIComponent(location.pathname)}`);
  return true;
}

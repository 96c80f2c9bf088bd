// `/admin`: projects (create, settings, instructions, import, export, retrain, members) and users (create, rotate a
// token, disable). Admins only: anyone else sees a one-line refusal and the page makes no admin calls.
import { api, ApiError } from '../api.js';
import { h, replace, fmt, isoDate } from '../dom.js';
import { renderMarkdown } from '../markdown.js';
import { downloadExport } from '../download.js';
import { can, isMulti } from '../roles.js';

const ROLES = ['annotator', 'reviewer', 'auditor', 'admin'];
const SELECTED_KEY = 'sift.admin.project';

/** Known settings, in form order, with how they are edited. Unknown settings the API sends are kept as they are. */
const SETTINGS = [
  { key: 'labels', label: 'Labels', kind: 'lines', help: 'One per line, in button order (keys 1–9 go to the first nine).' },
  { key: 'strategy', label: 'Strategy', kind: 'text', help: 'Query strategy spec, e.g. margin-kmeans or entropy+explore(0.1).' },
  { key: 'features', label: 'Features', kind: 'text', help: 'tfidf+minilm (default: sentence vectors beside TF-IDF, embedded in the background; TF-IDF until they are ready), minilm, or tfidf.' },
  { key: 'stop_rule', label: 'Stopping rule', kind: 'text', help: 'Drives the stop recommendation on the dashboard.' },
  { key: 'overlap', label: 'Overlap (annotators per item)', kind: 'int', min: 1, max: 50 },
  { key: 'lease_seconds', label: 'Lease (seconds)', kind: 'number', min: 5, step: 1, help: 'How long a handed-out task stays reserved for its annotator.' },
  { key: 'retrain_every', label: 'Retrain every (labels)', kind: 'int', min: 1 },
  { key: 'exploration_share', label: 'Exploration share', kind: 'number', min: 0, max: 1, step: 0.01, help: 'Share of the queue drawn at random: the live control arm.' },
  { key: 'held_out_share', label: 'Held-out share', kind: 'number', min: 0, max: 0.99, step: 0.01, help: 'Applies to items imported from now on.' },
  { key: 'seed', label: 'Seed', kind: 'int', min: 0 },
];

export default async function admin(main, { me }) {
  main.append(h('h1', {}, 'Admin'));
  if (!can.administer(me)) {
    main.append(h('p', { class: 'notice', id: 'no-access', role: 'alert' },
      'You do not have access to this page. Ask an admin if you need to change projects or users.'));
    return;
  }
  // What the last create or save did: outside the sections, which are drawn again after a change, so it stays visible.
  const notice = h('p', { class: 'form-ok notice-ok', id: 'admin-status', role: 'status' });
  const projectsSection = h('section', { class: 'card', id: 'projects', 'aria-labelledby': 'projects-h' });
  const projectSection = h('section', { class: 'card', id: 'project', 'aria-labelledby': 'project-h' });
  const usersSection = h('section', { class: 'card', id: 'users', 'aria-labelledby': 'users-h' });
  main.append(notice, projectsSection, projectSection, usersSection);
  const confirm = text => { notice.textContent = text; };

  let projects = [];
  // The project being managed is kept in the address (?project=ID), so a reload or a shared link keeps it (an
  // import must never go to another project than the one on screen); without one, the last managed project.
  let selectedId = new URLSearchParams(location.search).get('project') ?? localStorage.getItem(SELECTED_KEY);
  function select(id) {
    selectedId = id === null || id === undefined ? null : String(id);
    const url = new URL(location.href);
    if (selectedId === null) url.searchParams.delete('project'); else url.searchParams.set('project', selectedId);
    history.replaceState(history.state, '', url);
    if (selectedId === null) localStorage.removeItem(SELECTED_KEY); else localStorage.setItem(SELECTED_KEY, selectedId);
  }
  let refreshMembers = null;

  async function loadProjects() {
    projects = await api('GET', '/api/projects');
    select(projects.some(p => String(p.id) === String(selectedId)) ? selectedId : projects[0]?.id ?? null);
    drawProjects();
    await drawProject();
  }

  // ---- projects -------------------------------------------------------------------------------------------------
  function drawProjects() {
    const form = createProjectForm(async created => {
      select(created.id);
      await loadProjects();
      confirm(`Created project ${created.name}: it is selected below.`);
    });
    replace(projectsSection,
      h('h2', { id: 'projects-h' }, 'Projects'),
      projects.length === 0 ? h('p', { class: 'muted' }, 'No projects yet.') :
        h('table', { class: 'data' },
          h('thead', {}, h('tr', {}, ['Name', 'Mode', 'Labels', ''].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, projects.map(p => h('tr', {},
            h('td', {}, p.name), h('td', {}, isMulti(p.mode) ? 'multi-label' : 'single-label'), h('td', {}, p.labels.join(', ')),
            h('td', { class: 'row-actions' },
              h('button', { type: 'button', class: 'link', onclick: () => { select(p.id); drawProject(); } }, 'Manage'),
              h('a', { href: `/annotate/${p.id}` }, 'Annotate'),
              h('a', { href: `/dashboard/${p.id}` }, 'Dashboard')))))),
      h('details', { class: 'create', open: projects.length === 0 ? true : null },
        h('summary', {}, 'Create a project'), form));
  }

  async function drawProject() {
    if (selectedId === null) { replace(projectSection, h('h2', { id: 'project-h' }, 'Project'), h('p', { class: 'muted' }, 'Create a project first.')); return; }
    let project;
    try {
      project = await api('GET', `/api/projects/${selectedId}`);
    } catch (error) {
      replace(projectSection, h('h2', { id: 'project-h' }, 'Project'), h('p', { class: 'form-error', role: 'alert' }, error.message));
      return;
    }
    const picker = h('select', { id: 'project-picker', 'aria-label': 'Project to manage' },
      projects.map(p => h('option', { value: p.id, selected: String(p.id) === String(project.id) }, p.name)));
    picker.addEventListener('change', () => { select(picker.value); notice.textContent = ''; drawProject(); });
    const members = membersPanel(project);
    refreshMembers = members.refresh;
    replace(projectSection,
      h('div', { class: 'section-head' }, h('h2', { id: 'project-h' }, 'Manage ', h('span', {}, project.name)), picker),
      h('div', { class: 'grid two' },
        settingsForm(project, async () => { await loadProjects(); confirm(`Settings of ${project.name} saved.`); }),
        instructionsForm(project, () => drawProject())),
      h('div', { class: 'grid two' }, importForm(project), exportAndTrain(project)),
      privacyCard(project, async () => { await loadProjects(); confirm(`Privacy settings of ${project.name} saved.`); }),
      members.element,
      modelsPanel(project));
  }

  // ---- users ----------------------------------------------------------------------------------------------------
  async function drawUsers(revealed) {
    let users;
    try {
      users = await api('GET', '/api/users');
    } catch (error) {
      replace(usersSection, h('h2', { id: 'users-h' }, 'Users'), h('p', { class: 'form-error', role: 'alert' }, error.message));
      return;
    }
    const message = h('p', { class: 'form-error', role: 'alert' });
    const rows = users.map(u => {
      const rotate = confirmingButton('Rotate token', 'Click again: the old token stops working', async () => {
        try {
          const answer = await api('POST', `/api/users/${u.id}/token`);
          await drawUsers({ name: u.name, token: answer.token, rotated: true });
        } catch (error) { message.textContent = error.message; }
      });
      const toggle = h('button', {
        type: 'button', class: 'link', onclick: async () => {
          try {
            await api('PUT', `/api/users/${u.id}/disabled`, { body: { disabled: !u.disabled } });
            await drawUsers();
          } catch (error) { message.textContent = error.message; }
        },
      }, u.disabled ? 'Enable' : 'Disable');
      return h('tr', { class: u.disabled ? 'disabled' : null },
        h('td', {}, fmt(u.id)), h('td', {}, u.name), h('td', {}, String(u.role).toLowerCase()),
        h('td', {}, isoDate(u.created_at)),
        h('td', {}, u.disabled ? h('span', { class: 'badge failed' }, 'disabled') : h('span', { class: 'badge done' }, 'active')),
        h('td', { class: 'row-actions' }, u.id === me.id ? h('span', { class: 'muted' }, 'you')
          : String(u.role).toLowerCase() === 'model' ? h('span', { class: 'muted' }, 'a model annotator: managed in its project') : [rotate, toggle]));
    });
    replace(usersSection,
      h('h2', { id: 'users-h' }, 'Users'),
      revealed ? tokenBox(revealed) : null,
      message,
      h('table', { class: 'data', id: 'user-table' },
        h('thead', {}, h('tr', {}, ['Id', 'Name', 'Role', 'Created', 'Status', ''].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', {}, rows)),
      createUserForm(async (name, token) => drawUsers({ name, token })));
    usersSection.querySelector('#new-token')?.focus();
    await refreshMembers?.();
  }

  await loadProjects();
  await drawUsers();
}

// ---- forms --------------------------------------------------------------------------------------------------------

function field(id, label, control, help) {
  const helpId = help ? `${id}-help` : null;
  if (helpId) control.setAttribute('aria-describedby', helpId);
  control.id = id;
  return h('div', { class: 'field' }, h('label', { for: id }, label), control, help ? h('p', { class: 'help', id: helpId }, help) : null);
}

/** A form whose submit runs `action`; a failure shows the ProblemDetails sentence under the form. */
function asyncForm(attrs, children, action) {
  const message = h('p', { class: 'form-error', role: 'alert' });
  const result = h('p', { class: 'form-ok', role: 'status' });
  const form = h('form', attrs, children, message, result);
  form.addEventListener('submit', async event => {
    event.preventDefault();
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    message.textContent = '';
    result.textContent = '';
    try {
      const ok = await action(form);
      if (ok) result.textContent = ok;
    } catch (error) {
      message.textContent = error instanceof ApiError || error instanceof Error ? error.message : String(error);
    } finally {
      button.disabled = false;
    }
  });
  return form;
}

const lines = text => text.split(/\r?\n|,/).map(l => l.trim()).filter(l => l.length > 0);

function createProjectForm(onCreated) {
  const name = h('input', { type: 'text', required: true, maxlength: 200, autocomplete: 'off' });
  const mode = h('select', {}, h('option', { value: 'single' }, 'Single-label (one class per item)'), h('option', { value: 'multi' }, 'Multi-label (any set of classes)'));
  const labels = h('textarea', { rows: 4 });
  const instructions = h('textarea', { rows: 5, placeholder: '# How to label\n\n- …' });
  // Checked here, with a sentence under the form, rather than by the browser's validation bubble (which some
  // browsers show only for a moment, and which an example in the box made easy to miss).
  return asyncForm({ class: 'form', id: 'create-project', novalidate: true }, [
    field('new-project-name', 'Name', name),
    field('new-project-mode', 'Mode', mode),
    field('new-project-labels', 'Labels', labels, 'One per line, in button order, e.g. spam and ham on two lines.'),
    field('new-project-instructions', 'Instructions (Markdown)', instructions),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Create project')),
  ], async () => {
    if (!name.value.trim()) { name.focus(); throw new Error('Name: give the project a name.'); }
    if (lines(labels.value).length === 0) { labels.focus(); throw new Error('Labels: enter at least one label, one per line (for example spam and ham).'); }
    const created = await api('POST', '/api/projects', {
      body: { name: name.value.trim(), settings: { mode: mode.value, labels: lines(labels.value) }, instructions: instructions.value },
    });
    await onCreated(created);
    return `Created ${created.name}.`;
  });
}

function settingsForm(project, onSaved) {
  const settings = project.settings;
  const controls = {};
  const fields = [];
  fields.push(h('p', { class: 'muted' }, `Mode: ${isMulti(settings.mode) ? 'multi-label' : 'single-label'}`));
  const numbers = h('div', { class: 'field-grid' });
  for (const spec of SETTINGS) {
    if (!(spec.key in settings)) continue;
    const value = settings[spec.key];
    let control;
    if (spec.kind === 'lines') control = h('textarea', { rows: 4 }, value.join('\n'));
    else if (spec.kind === 'int' || spec.kind === 'number') {
      control = h('input', { type: 'number', min: spec.min, max: spec.max, step: spec.kind === 'int' ? 1 : spec.step, required: true });
      control.value = String(value);
    } else {
      control = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false' });
      control.value = String(value ?? '');
    }
    controls[spec.key] = { spec, control, original: value };
    const wrapped = field(`setting-${spec.key}`, spec.label, control, spec.help);
    if (spec.kind === 'int' || spec.kind === 'number') numbers.append(wrapped); else fields.push(wrapped);
  }
  fields.push(numbers);
  // Models and money: pre-annotation, routing between model annotators and people, a person's cost.
  const routing = settings.routing ?? {};
  const rate = settings.person_rate ?? {};
  const preAnnotation = h('input', { type: 'checkbox', id: 'setting-pre_annotation', checked: settings.pre_annotation ? true : null });
  const number = (value, attrs) => { const input = h('input', { type: 'number', required: true, ...attrs }); input.value = String(value ?? 0); return input; };
  const target = number(routing.target_accuracy ?? 0.95, { min: 0.01, max: 0.99, step: 0.01 });
  const auditShare = number(routing.audit_share ?? 0.05, { min: 0, max: 1, step: 0.01 });
  const warmUp = number(routing.warm_up ?? 100, { min: 0, step: 1 });
  const choice = (value, options) => {
    const select = h('select', {}, options.map(([v, text]) => h('option', { value: v }, text)));
    select.value = value;
    return select;
  };
  const routingMode = choice(routing.mode ?? 'solve', [['solve', 'solve (one plan for the target)'], ['stop', 'stop (the earlier rule)']]);
  const routingAudits = choice(routing.audits ?? 'risk', [['risk', 'by risk'], ['uniform', 'uniform']]);
  const perLabel = number(rate.per_label ?? 0, { min: 0, step: 'any' });
  const perHour = number(rate.per_hour ?? 0, { min: 0, step: 'any' });
  fields.push(h('fieldset', { id: 'models-and-money' }, h('legend', {}, 'Models and money'),
    h('div', { class: 'field checkbox' }, preAnnotation,
      h('label', { for: 'setting-pre_annotation' }, 'Pre-annotation: show annotators a model\'s label on items the router sent to people (recorded with each answer)')),
    h('div', { class: 'field-grid' },
      field('setting-routing-target', 'Target accuracy of accepted model labels', target),
      field('setting-routing-audit', 'Audit share', auditShare, 'Accepted model labels that people check anyway.'),
      field('setting-routing-warmup', 'Warm-up (answers)', warmUp, 'A model\'s first answers all go to people.'),
      field('setting-routing-mode', 'Routing rule', routingMode, 'Solve: the engine\'s plan over all items; stop: the earlier threshold rule.'),
      field('setting-routing-audits', 'Audits drawn', routingAudits, 'By risk: more audits where the calibrated confidence is lower, the same share on average.'),
      field('setting-person-label', 'A person\'s cost per label', perLabel),
      field('setting-person-hour', 'A person\'s cost per hour', perHour, 'Times the time on task the annotate page measures.'))));
  return asyncForm({ class: 'form', id: 'settings-form', 'aria-labelledby': 'settings-h' }, [
    h('h3', { id: 'settings-h' }, 'Settings'),
    fields,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save settings')),
  ], async () => {
    const next = { ...settings };
    for (const [key, { spec, control, original }] of Object.entries(controls)) {
      if (spec.kind === 'lines') next[key] = lines(control.value);
      else if (spec.kind === 'int' || spec.kind === 'number') next[key] = Number(control.value);
      else next[key] = typeof original === 'number' ? Number(control.value) : control.value.trim();
    }
    next.pre_annotation = preAnnotation.checked;
    next.routing = {
      target_accuracy: Number(target.value), audit_share: Number(auditShare.value), warm_up: Number(warmUp.value),
      mode: routingMode.value, audits: routingAudits.value,
    };
    next.person_rate = { per_label: Number(perLabel.value), per_hour: Number(perHour.value) };
    await api('PUT', `/api/projects/${project.id}/settings`, { body: next });
    await onSaved();
    return 'Settings saved.';
  });
}

/** Names of the built-in kinds the detector finds, as the API names them, with what each covers. */
const PII_KINDS = [
  ['email', 'E-mail addresses'], ['phone', 'Phone numbers'], ['payment_card', 'Payment cards (Luhn-checked)'],
  ['iban', 'IBANs (checksum)'], ['ip_address', 'IP addresses'], ['url_credential', 'URLs with credentials or tokens'],
  ['secret', 'API keys and passwords'], ['date_of_birth', 'Dates of birth'], ['national_id', 'National IDs (SSN, NI number)'],
];

/**
 * The project's privacy treatment: redaction before the queue (kinds, the project's own patterns, the allow-list) and
 * what happens to originals. Saved through the settings endpoint (a settings change, recorded as evidence); a bad
 * pattern comes back as the API's one sentence naming it.
 */
function privacyCard(project, onSaved) {
  const privacy = project.settings.privacy ?? { redact: false, kinds: PII_KINDS.map(k => k[0]), custom_patterns: {}, allow_list: [], retention: 'keep' };
  const redact = h('input', { type: 'checkbox', id: 'privacy-redact', checked: privacy.redact ? true : null });
  const kinds = PII_KINDS.map(([key, label]) => {
    const box = h('input', { type: 'checkbox', id: `privacy-kind-${key}`, value: key, checked: privacy.kinds.includes(key) ? true : null });
    return h('div', { class: 'field checkbox' }, box, h('label', { for: `privacy-kind-${key}` }, label));
  });
  const patterns = h('textarea', { rows: 3, spellcheck: 'false' },
    Object.entries(privacy.custom_patterns ?? {}).map(([name, regex]) => `${name} = ${regex}`).join('\n'));
  const allow = h('textarea', { rows: 3, spellcheck: 'false' }, (privacy.allow_list ?? []).join('\n'));
  const retention = h('select', {},
    h('option', { value: 'keep', selected: privacy.retention === 'keep' ? true : null }, 'Keep originals (admins only)'),
    h('option', { value: 'drop', selected: privacy.retention === 'drop' ? true : null }, 'Drop originals at import (only their hash is kept)'),
    h('option', { value: 'purge-after-export', selected: privacy.retention === 'purge-after-export' ? true : null }, 'Purge originals after a complete admin export'));
  const status = h('p', { class: 'muted', id: 'privacy-status' }, 'Originals kept: …');
  api('GET', `/api/projects/${project.id}/privacy`).then(
    s => { status.textContent = `Originals kept: ${fmt(s.originals_kept)}. Redaction applies to items imported from now on.`; },
    () => { status.textContent = ''; });
  return asyncForm({ class: 'form card', id: 'privacy-form', 'aria-labelledby': 'privacy-h' }, [
    h('h3', { id: 'privacy-h' }, 'Privacy'),
    h('div', { class: 'field checkbox' }, redact,
      h('label', { for: 'privacy-redact' }, 'Redact personal data and secrets before annotators, the featurizer and model annotators see an item')),
    h('fieldset', { id: 'privacy-kinds' }, h('legend', {}, 'Look for'), h('div', { class: 'field-grid' }, kinds)),
    field('privacy-patterns', 'Project patterns', patterns, 'One per line: NAME = regular expression (.NET syntax; a match shows as [NAME]).'),
    field('privacy-allow', 'Never redact', allow, 'One per line, exact text (compared ignoring case), e.g. your support address.'),
    field('privacy-retention', 'Originals', retention),
    status,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save privacy settings')),
  ], async () => {
    const custom = {};
    for (const line of patterns.value.split(/\r?\n/)) {
      if (line.trim() === '') continue;
      const at = line.indexOf('=');
      if (at < 0) throw new Error(`Project patterns: "${line.trim().slice(0, 40)}" is not NAME = regular expression.`);
      custom[line.slice(0, at).trim()] = line.slice(at + 1).trim();
    }
    const next = { ...project.settings, privacy: {
      redact: redact.checked,
      kinds: kinds.map(k => k.querySelector('input')).filter(b => b.checked).map(b => b.value),
      custom_patterns: custom,
      allow_list: allow.value.split(/\r?\n/).map(l => l.trim()).filter(l => l.length > 0),
      retention: retention.value,
    } };
    await api('PUT', `/api/projects/${project.id}/settings`, { body: next });
    await onSaved();
    return 'Privacy settings saved.';
  });
}

function instructionsForm(project, onSaved) {
  const ins = project.instructions ?? {};
  const version = ins.version ?? project.instructions_version ?? 1;
  const editor = h('textarea', { rows: 12, spellcheck: 'true' }, ins.markdown ?? '');
  const preview = h('div', { class: 'markdown preview', id: 'instructions-preview', 'aria-live': 'off' });
  const update = () => replace(preview, renderMarkdown(editor.value));
  editor.addEventListener('input', update);
  update();
  return asyncForm({ class: 'form', id: 'instructions-form', 'aria-labelledby': 'ins-h' }, [
    h('h3', { id: 'ins-h' }, `Instructions (version ${version})`),
    field('instructions-editor', 'Markdown', editor, 'Headings, lists, **bold**, *italic*, `code` and links. Raw HTML shows as text.'),
    h('p', { class: 'help' }, 'Preview'),
    preview,
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Save as a new version')),
  ], async () => {
    const saved = await api('PUT', `/api/projects/${project.id}/instructions`, { body: { markdown: editor.value } });
    setTimeout(onSaved, 1200);
    return `Saved as version ${saved?.version ?? version + 1}. New answers record it.`;
  });
}

function importForm(project) {
  const file = h('input', { type: 'file', accept: '.jsonl,.ndjson,.json,.csv,text/csv,application/x-ndjson', required: true });
  const format = h('select', {}, h('option', { value: '' }, 'From the file name'), h('option', { value: 'jsonl' }, 'JSONL'), h('option', { value: 'csv' }, 'CSV'));
  const mapping = Object.fromEntries(['text', 'label', 'id', 'group', 'cost'].map(k =>
    [k, h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: k, size: 10 })]));
  return asyncForm({ class: 'form', id: 'import-form', 'aria-labelledby': 'import-h' }, [
    h('h3', { id: 'import-h' }, 'Import items into ', h('span', { class: 'import-target' }, project.name)),
    h('p', { class: 'help' }, 'JSONL or CSV, one item per line with its text and optionally an id, a gold label (multi-label: joined with ;), a group and a cost. All or nothing: one bad line and nothing is imported. Items whose id is already in the project are skipped.'),
    field('import-file', 'File', file),
    field('import-format', 'Format', format),
    h('fieldset', {}, h('legend', {}, 'Field names, when they differ from the defaults'),
      h('div', { class: 'mapping' }, Object.entries(mapping).map(([k, input]) => field(`import-${k}`, k, input)))),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Upload')),
  ], async () => {
    const chosen = file.files?.[0];
    if (!chosen) throw new Error('file: choose a file to import.');
    const fmtName = format.value || (/\.csv$/i.test(chosen.name) ? 'csv' : 'jsonl');
    const query = new URLSearchParams({ format: fmtName });
    for (const [k, input] of Object.entries(mapping)) if (input.value.trim()) query.set(k, input.value.trim());
    const result = await api('POST', `/api/projects/${project.id}/items?${query}`, {
      body: chosen, contentType: fmtName === 'csv' ? 'text/csv' : 'application/x-ndjson',
    });
    return `Imported ${fmt(result.imported)} items into ${project.name} (${fmt(result.held_out)} held out for evaluation); ${fmt(result.duplicates)} duplicates skipped.`;
  });
}

function exportAndTrain(project) {
  const message = h('p', { class: 'form-error', role: 'alert' });
  const status = h('p', { class: 'form-ok', role: 'status' });
  const download = format => async () => {
    message.textContent = '';
    try { await downloadExport(project, format); } catch (error) { message.textContent = error.message; }
  };
  return h('div', { class: 'form', id: 'export' },
    h('h3', {}, 'Export'),
    h('p', { class: 'help' }, 'Every item with its annotations and resolved label.'),
    h('div', { class: 'actions' },
      h('button', { type: 'button', id: 'export-jsonl', onclick: download('jsonl') }, 'Download JSONL'),
      h('button', { type: 'button', id: 'export-csv', onclick: download('csv') }, 'Download CSV')),
    h('h3', {}, 'Model'),
    h('p', { class: 'help' }, 'The trainer retrains on its own after enough new labels; this queues a run now.'),
    h('div', { class: 'actions' },
      h('button', {
        type: 'button', id: 'train-now', onclick: async () => {
          message.textContent = '';
          try { await api('POST', `/api/projects/${project.id}/train`); status.textContent = 'Retrain queued.'; } catch (error) { message.textContent = error.message; }
        },
      }, 'Retrain now'),
      h('a', { class: 'button', href: `/dashboard/${project.id}` }, 'Open the dashboard')),
    message, status);
}

/**
 * Who of the annotators and reviewers may reach the project: a table of members with Remove, and a picker of the
 * annotators and reviewers who are not members yet. Returns { element, refresh }.
 */
function membersPanel(project) {
  const element = h('div', { class: 'form', id: 'members', 'aria-labelledby': 'members-h' });
  const heading = () => h('h3', { id: 'members-h' }, 'Members');
  async function refresh(note) {
    let members, users;
    try {
      [members, users] = await Promise.all([api('GET', `/api/projects/${project.id}/members`), api('GET', '/api/users')]);
    } catch (error) {
      replace(element, heading(), h('p', { class: 'form-error', role: 'alert' }, error.message));
      return;
    }
    const message = h('p', { class: 'form-error', role: 'alert' });
    const status = h('p', { class: 'form-ok', role: 'status' }, note ?? '');
    const role = r => String(r).toLowerCase();
    const memberIds = new Set(members.map(m => m.user_id));
    const candidates = users.filter(u => ['annotator', 'reviewer'].includes(role(u.role)) && !memberIds.has(u.id));
    const rows = members.map(m => h('tr', { class: m.disabled ? 'disabled' : null },
      h('td', {}, m.name), h('td', {}, role(m.role)),
      h('td', {}, isoDate(m.added_at)),
      h('td', { class: 'row-actions' }, confirmingButton('Remove', 'Click again: their open tasks go back to the queue', async () => {
        try {
          await api('DELETE', `/api/projects/${project.id}/members/${m.user_id}`);
          await refresh(`Removed ${m.name}.`);
        } catch (error) { message.textContent = error.message; }
      }))));
    const picker = h('select', {}, candidates.map(u => h('option', { value: u.id }, `${u.name} (${role(u.role)})`)));
    const add = h('button', {
      type: 'button', class: 'primary', id: 'add-member', onclick: async () => {
        const chosen = candidates.find(u => String(u.id) === picker.value);
        if (!chosen) return;
        add.disabled = true;
        try {
          await api('PUT', `/api/projects/${project.id}/members/${chosen.id}`);
          await refresh(`Added ${chosen.name}.`);
        } catch (error) { message.textContent = error.message; add.disabled = false; }
      },
    }, 'Add member');
    replace(element,
      heading(),
      h('p', { class: 'help' }, 'Annotators and reviewers see only the projects they are members of; admins and auditors see every project. Removing a member gives their open tasks back to the queue; their answers stay.'),
      members.length === 0
        ? h('p', { class: 'muted', id: 'no-members' }, 'No members yet: no annotator or reviewer can see this project.')
        : h('table', { class: 'data', id: 'member-table' },
          h('thead', {}, h('tr', {}, ['Name', 'Role', 'Member since', ''].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows)),
      candidates.length === 0
        ? h('p', { class: 'muted' }, 'Every annotator and reviewer is a member.')
        : h('div', { class: 'row' }, field('member-picker', 'Add an annotator or reviewer', picker), h('div', { class: 'actions' }, add)),
      message, status);
  }
  refresh();
  return { element, refresh };
}

/**
 * The project's model annotators: a table (model, the key's environment variable and whether it is set on the server,
 * limits, prices, status and last error) with Enable/Disable, and a form to add one. The key itself is never asked
 * for or shown: only the name of the variable that holds it in the server's environment.
 */
function modelsPanel(project) {
  const element = h('div', { class: 'form', id: 'model-annotators', 'aria-labelledby': 'models-h' });
  const heading = () => h('h3', { id: 'models-h' }, 'Model annotators');
  async function refresh(note) {
    let models;
    try {
      models = await api('GET', `/api/projects/${project.id}/model-annotators`);
    } catch (error) {
      replace(element, heading(), h('p', { class: 'form-error', role: 'alert' }, error.message));
      return;
    }
    const message = h('p', { class: 'form-error', role: 'alert' });
    const status = h('p', { class: 'form-ok', role: 'status' }, note ?? '');
    const rows = models.map(m => h('tr', { class: m.enabled ? null : 'disabled' },
      h('td', { class: 'name' }, m.name), h('td', { class: 'model' }, m.model),
      h('td', {}, m.key_env ? [m.key_env, ' ', m.key_present ? h('span', { class: 'badge done' }, 'set') : h('span', { class: 'badge failed' }, 'not set')] : '—'),
      h('td', {}, `${fmt(m.concurrency)} at once · ${fmt(m.timeout_seconds, 1)} s · ${fmt(m.retries)} retries`),
      h('td', {}, `${fmt(m.price_in, 6)} / ${fmt(m.price_out, 6)}`),
      h('td', {}, m.enabled ? h('span', { class: 'badge done' }, 'enabled') : h('span', { class: 'badge' }, 'disabled'),
        m.last_error ? h('p', { class: 'form-error small' }, m.last_error) : null),
      h('td', { class: 'row-actions' }, h('button', {
        type: 'button', class: 'link', onclick: async () => {
          try {
            await api('PUT', `/api/projects/${project.id}/model-annotators/${m.id}/enabled`, { body: { enabled: !m.enabled } });
            await refresh(m.enabled ? `Disabled ${m.name}: its items in hand went back to people.` : `Enabled ${m.name}.`);
          } catch (error) { message.textContent = error.message; }
        },
      }, m.enabled ? 'Disable' : 'Enable'))));
    replace(element,
      heading(),
      h('p', { class: 'help' }, 'Language models that label items beside people. The router accepts a model\'s label when its calibrated confidence meets the project\'s target; everything else — the warm-up, audits, low confidence, failures — goes to people. Single-label projects only.'),
      models.length === 0 ? h('p', { class: 'muted', id: 'no-models' }, 'No model annotators: people label everything.')
        : h('table', { class: 'data', id: 'model-table' },
          h('thead', {}, h('tr', {}, ['Name', 'Model', 'Key variable', 'Limits', 'Price per 1k in / out', 'Status', ''].map(t => h('th', { scope: 'col' }, t)))),
          h('tbody', {}, rows)),
      addModelForm(project, name => refresh(`Added ${name}. It starts labeling now.`)),
      message, status);
  }
  refresh();
  return element;
}

function addModelForm(project, onAdded) {
  const model = h('input', { type: 'text', required: true, autocomplete: 'off', spellcheck: 'false', placeholder: 'openai:gpt-4o-mini@https://host/v1 or gguf:/models/model.gguf' });
  const name = h('input', { type: 'text', autocomplete: 'off', maxlength: 100, placeholder: 'the model\'s id' });
  const keyEnv = h('input', { type: 'text', autocomplete: 'off', spellcheck: 'false', placeholder: 'OPENAI_API_KEY' });
  const optional = attrs => h('input', { type: 'number', ...attrs });
  const concurrency = optional({ min: 1, max: 64, step: 1, placeholder: '4' });
  const timeout = optional({ min: 0.1, max: 3600, step: 'any', placeholder: '60' });
  const retries = optional({ min: 0, max: 10, step: 1, placeholder: '2' });
  const priceIn = optional({ min: 0, max: 1000, step: 'any', placeholder: '0' });
  const priceOut = optional({ min: 0, max: 1000, step: 'any', placeholder: '0' });
  return h('details', { class: 'create' }, h('summary', {}, 'Add a model annotator'), asyncForm({ class: 'form', id: 'add-model' }, [
    field('model-spec', 'Model', model, 'gguf:PATH (a file on the server, run in-process) or openai:MODEL@URL (an OpenAI-compatible endpoint).'),
    field('model-name', 'Name (optional)', name),
    field('model-key-env', 'Key variable (endpoints)', keyEnv, 'The name of the environment variable that holds the API key on the server — never the key itself.'),
    h('div', { class: 'field-grid' },
      field('model-concurrency', 'Concurrency', concurrency), field('model-timeout', 'Time-out (s)', timeout), field('model-retries', 'Retries', retries),
      field('model-price-in', 'Price per 1k prompt tokens', priceIn), field('model-price-out', 'Price per 1k completion tokens', priceOut)),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add model annotator')),
  ], async () => {
    const body = { model: model.value.trim() };
    if (name.value.trim()) body.name = name.value.trim();
    if (keyEnv.value.trim()) body.key_env = keyEnv.value.trim();
    const numbers = { concurrency, timeout_seconds: timeout, retries, price_in: priceIn, price_out: priceOut };
    for (const [key, input] of Object.entries(numbers)) if (input.value !== '') body[key] = Number(input.value);
    const added = await api('POST', `/api/projects/${project.id}/model-annotators`, { body });
    await onAdded(added.name);
    return null;
  }));
}

function createUserForm(onCreated) {
  const name = h('input', { type: 'text', required: true, maxlength: 100, autocomplete: 'off' });
  const role = h('select', {}, ROLES.map(r => h('option', { value: r }, r)));
  return asyncForm({ class: 'form inline', id: 'create-user', 'aria-labelledby': 'create-user-h' }, [
    h('h3', { id: 'create-user-h' }, 'Add a user'),
    h('div', { class: 'row' }, field('new-user-name', 'Name', name), field('new-user-role', 'Role', role),
      h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Add user'))),
  ], async () => {
    const answer = await api('POST', '/api/users', { body: { name: name.value.trim(), role: role.value } });
    await onCreated(answer.user?.name ?? name.value.trim(), answer.token);
    return null;
  });
}

function tokenBox({ name, token, rotated }) {
  const out = h('input', { type: 'text', id: 'new-token', readonly: true, spellcheck: 'false', 'aria-label': `Token for ${name}` });
  out.value = token;
  out.addEventListener('focus', () => out.select());
  const copied = h('span', { class: 'muted', role: 'status' });
  return h('div', { class: 'notice token' },
    h('p', {}, h('strong', {}, rotated ? `New token for ${name}. ` : `Token for ${name}. `),
      'It is shown only this once: copy it now and hand it over privately.'),
    h('div', { class: 'row' }, out,
      h('button', {
        type: 'button', onclick: async () => {
          out.select();
          try { await navigator.clipboard.writeText(token); copied.textContent = 'Copied.'; } catch { copied.textContent = 'Press Ctrl+C to copy.'; }
        },
      }, 'Copy'), copied));
}

/** A button that asks for a second click within a few seconds before it acts. */
function confirmingButton(text, confirmText, action) {
  let armed = null;
  const button = h('button', { type: 'button', class: 'link' }, text);
  button.addEventListener('click', async () => {
    if (!armed) {
      button.textContent = confirmText;
      button.classList.add('armed');
      armed = setTimeout(() => { armed = null; button.textContent = text; button.classList.remove('armed'); }, 4000);
      return;
    }
    clearTimeout(armed);
    armed = null;
    await action();
  });
  return button;
}

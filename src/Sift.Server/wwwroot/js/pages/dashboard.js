// `/dashboard/{id}`: how labeling and the live loop are doing. Refreshes every few seconds while visible.
import { api, ApiError, session } from '../api.js';
import { h, replace, fmt, pct, isoDateTime } from '../dom.js';
import { countOverTime, barsPerClass, interval, shareBars } from '../charts.js';
import { can } from '../roles.js';
import { downloadExport, downloadReport } from '../download.js';

const REFRESH_MS = 4000;

export default async function dashboard(main, { me, params, setTitle }) {
  const projectId = params[0];
  if (!can.viewDashboard(me)) {
    main.append(h('h1', {}, 'Dashboard'),
      h('p', { class: 'notice' }, `Your role (${me.role}) does not see dashboards. `,
        h('a', { href: `/annotate/${projectId}` }, 'Go on labeling.')));
    return;
  }
  const project = await api('GET', `/api/projects/${projectId}`);
  setTitle(`Dashboard · ${project.name}`);

  const updated = h('p', { class: 'muted', id: 'updated', 'aria-live': 'polite' });
  const problem = h('p', { class: 'form-error', role: 'alert' });
  const tiles = h('div', { class: 'tiles', id: 'tiles' });
  const overTime = h('div', { class: 'chart-box', id: 'labels-over-time' });
  const perClass = h('div', { class: 'chart-box', id: 'labels-per-class' });
  const curveImage = h('figure', {
    id: 'learning-curve', class: 'curve', role: 'img',
    'aria-label': 'Held-out accuracy against the number of labels, one point per model version.',
  });
  const curveTable = h('tbody');
  const liftBox = h('div', { id: 'lift' });
  const baselineBox = h('p', { class: 'muted small', id: 'baseline' });
  const stopBox = h('div', { id: 'stop' });
  const trainerBox = h('div', { id: 'trainer' });
  const embeddingBox = h('div', { id: 'embedding-body' });
  // Shown while the project's features need sentence vectors (features tfidf+minilm or minilm).
  const embeddingCard = h('section', { class: 'card', id: 'embedding', 'aria-labelledby': 'embedding-h', hidden: true },
    h('h2', { id: 'embedding-h' }, 'Sentence embeddings'), embeddingBox);
  const agreementBox = h('div', { id: 'agreement-body' });
  // Shown once the project has items with two or more answers (overlap k ≥ 2).
  const agreementCard = h('section', { class: 'card', id: 'agreement', 'aria-labelledby': 'agreement-h', hidden: true },
    h('h2', { id: 'agreement-h' }, 'Annotator agreement'), agreementBox);
  const statsBox = h('div', { id: 'annotator-stats-body' });
  // Admins only: throughput, time per item, agreement with the others' consensus, gold accuracy and drift per person.
  const statsCard = h('section', { class: 'card', id: 'annotator-stats', 'aria-labelledby': 'annotator-stats-h', hidden: true },
    h('h2', { id: 'annotator-stats-h' }, 'Annotators'), statsBox);
  const oraclesBox = h('div', { id: 'oracles-body' });
  const moneyCurve = h('figure', {
    id: 'money-curve', class: 'curve', role: 'img',
    'aria-label': 'Held-out accuracy against the money spent on people and models, one point per model version.',
  });
  // Shown once the project has a model annotator or its people's answers cost money.
  const oraclesCard = h('section', { class: 'card', id: 'oracles', 'aria-labelledby': 'oracles-h', hidden: true },
    h('h2', { id: 'oracles-h' }, 'People and models'), oraclesBox,
    h('h3', {}, 'Held-out accuracy vs money'), moneyCurve);
  const retrain = can.administer(me)
    ? h('button', { type: 'button', id: 'retrain', onclick: () => requestRetrain() }, 'Retrain now') : null;

  main.append(
    h('div', { class: 'page-head' },
      h('h1', {}, project.name, h('span', { class: 'muted mode' }, ' · dashboard')),
      h('div', { class: 'actions' },
        can.annotate(me) ? h('a', { class: 'button', href: `/annotate/${projectId}` }, 'Annotate') : null,
        h('a', { class: 'button', id: 'review-link', href: `/review/${projectId}` }, 'Review queue'),
        can.export(me) ? ['jsonl', 'csv'].map(format => h('button', {
          type: 'button', id: `export-${format}`, onclick: async () => {
            try { await downloadExport(project, format); } catch (error) { problem.textContent = `Could not export: ${error.message}`; }
          },
        }, `Export ${format.toUpperCase()}`)) : null,
        can.export(me) ? h('button', {
          type: 'button', id: 'report-download', title: 'The datasheet: provenance, acquisition, oracles, agreement, curves, lift, subgroups, stopping, privacy, verification, gaps', onclick: async () => {
            try { await downloadReport(project); } catch (error) { problem.textContent = `Could not make the datasheet: ${error.message}`; }
          },
        }, 'Datasheet') : null,
        retrain)),
    updated, problem, tiles,
    h('div', { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'lot-h' }, h('h2', { id: 'lot-h' }, 'Labels over time'), overTime),
      h('div', { class: 'stack' },
        h('section', { class: 'card', 'aria-labelledby': 'lpc-h' }, h('h2', { id: 'lpc-h' }, 'Labels per class'), perClass),
        h('section', { class: 'card', 'aria-labelledby': 'stop-h' }, h('h2', { id: 'stop-h' }, 'Stop recommendation'), stopBox))),
    h('div', { class: 'grid two' },
      h('section', { class: 'card', 'aria-labelledby': 'lc-h' },
        h('h2', { id: 'lc-h' }, 'Held-out accuracy vs labels'), curveImage, baselineBox,
        h('details', {}, h('summary', {}, 'The numbers'),
          h('table', { class: 'data' },
            h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Model'), h('th', { scope: 'col' }, 'Labels'),
              h('th', { scope: 'col' }, 'Accuracy'), h('th', { scope: 'col' }, 'Macro-F1'))),
            curveTable))),
      h('div', { class: 'stack' },
        h('section', { class: 'card', 'aria-labelledby': 'lift-h' }, h('h2', { id: 'lift-h' }, 'Active selection vs random'), liftBox),
        h('section', { class: 'card', 'aria-labelledby': 'trainer-h' }, h('h2', { id: 'trainer-h' }, 'Trainer'), trainerBox),
        embeddingCard)),
    oraclesCard,
    agreementCard,
    statsCard);

  let curveKey = null;
  let agreementKey = null;
  let oraclesKey = null;
  let refreshes = 0;
  let timer = null;

  async function refresh() {
    clearTimeout(timer);
    try {
      const view = await api('GET', `/api/projects/${projectId}/dashboard`);
      draw(view);
      problem.textContent = '';
      updated.textContent = `Updated ${isoDateTime(new Date())} · refreshes every ${REFRESH_MS / 1000} s`;
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) {
        session.token = null;
        location.assign(`/?next=${encodeURIComponent(location.pathname)}`);
        return;
      }
      problem.textContent = `Could not refresh: ${error.message}`;
    }
    timer = setTimeout(tick, REFRESH_MS);
  }
  const tick = () => { if (document.hidden) timer = setTimeout(tick, REFRESH_MS); else refresh(); };

  async function requestRetrain() {
    retrain.disabled = true;
    try {
      await api('POST', `/api/projects/${projectId}/train`);
      problem.textContent = '';
      await refresh();
    } catch (error) {
      problem.textContent = `Could not queue a retrain: ${error.message}`;
    } finally {
      retrain.disabled = false;
    }
  }

  function draw(view) {
    const c = view.counts;
    const trainer = view.trainer ?? {};
    const state = String(trainer.state ?? 'idle').toLowerCase();
    replace(tiles,
      tile('Annotations', fmt(c.annotations), `${fmt(c.completed_items)} of ${fmt(c.items)} items complete`),
      // queue_depth: positions of the stored ranking still open; unranked: items beyond it (handed out after it, in
      // random order, until the trainer ranks them). Together: what is left to hand out.
      tile('Queue', fmt(c.queue_depth + (c.unranked ?? 0)),
        `${fmt(c.queue_depth)} ranked · ${fmt(c.unranked ?? 0)} not yet ranked · ${fmt(c.live_leases)} tasks out now`, 'queue-depth'),
      tile('Model version', view.model_version ? `v${view.model_version}` : 'none yet',
        view.model_version ? `${fmt(lastCurve(view)?.labels)} labels` : 'cold start: random order', 'model-version'),
      tile('Trainer', h('span', { class: `badge ${state}` }, state), trainerLine(trainer), 'trainer-state'),
      tile('Held out', fmt(c.held_out), 'evaluation items, never routed'));

    const points = (view.labels_over_time ?? []).map(p => ({ time: new Date(p.time), total: p.total }));
    // Charts are drawn at the width they are shown at, so their text is never scaled below its size.
    replace(overTime, countOverTime(points, { width: chartWidth(overTime) }));
    const order = project.settings.labels;
    const perClassCounts = view.labels_per_class ?? {};
    const entries = order.map(l => [l, perClassCounts[l] ?? 0])
      .concat(Object.entries(perClassCounts).filter(([l]) => !order.includes(l)));
    replace(perClass, barsPerClass(entries, { width: chartWidth(perClass) }));

    const curve = view.learning_curve ?? [];
    replace(curveTable, curve.length === 0
      ? h('tr', {}, h('td', { colspan: 4, class: 'muted' }, 'No model yet.'))
      : curve.map(p => h('tr', {}, h('td', {}, `v${p.model_version}`), h('td', {}, fmt(p.labels)),
        h('td', {}, pct(p.accuracy)), h('td', {}, pct(p.macro_f1)))));
    drawBaseline(view.baseline, lastCurve(view));
    const key = `${view.model_version}:${curve.length}:${chartWidth(curveImage)}`;
    if (key !== curveKey) { curveKey = key; loadCurve(); }
    // The server caches the agreement until the answers change; ask again only when they did, or while the last
    // report was a large project's older one (up_to_date false: the server recomputes it shortly).
    if (c.annotations !== agreementKey) { agreementKey = c.annotations; loadAgreement(); if (can.administer(me)) loadStats(); }
    // Models answer without changing the annotation count (items they send to people): look every third refresh too.
    const oracles = `${c.annotations}:${Math.floor(refreshes++ / 3)}`;
    if (oracles !== oraclesKey) { oraclesKey = oracles; loadOracles(key); }

    drawLift(view.lift, view.lift_status);
    const stop = view.stop ?? {};
    replace(stopBox,
      h('p', { class: `verdict ${stop.stop ? 'stop' : 'go'}` }, stop.stop ? 'Stop labeling: the rule is met.' : 'Keep labeling.'),
      stop.reason ? h('p', {}, stop.reason) : null,
      stop.rule ? h('p', { class: 'muted small' }, 'Rule: ', h('code', {}, stop.rule)) : null);
    replace(trainerBox,
      h('dl', { class: 'facts' },
        h('dt', {}, 'Status'), h('dd', {}, h('span', { class: `badge ${state}` }, state)),
        h('dt', {}, 'Last run'), h('dd', {}, trainer.last_duration_seconds != null ? `${fmt(trainer.last_duration_seconds, 2)} s` : '—'),
        h('dt', {}, 'Finished'), h('dd', {}, isoDateTime(trainer.finished_at)),
        trainer.owner ? [h('dt', {}, 'Owner'), h('dd', {}, trainer.owner)] : null),
      trainer.error ? h('p', { class: 'form-error' }, trainer.error) : null);
    embeddingCard.hidden = !view.embedding;
    if (view.embedding) replace(embeddingBox, embeddingPanel(view.embedding, view.model_features, view.features_note));
  }

  function drawLift(lift, status) {
    if (!lift) {
      // The trainer's own reason, e.g. "waiting for 10 labels from random-control positions (0 so far)".
      replace(liftBox, h('p', { class: 'muted', id: 'lift-status' },
        `Not measurable yet: ${status || 'it needs a trained model and labels from both the random control and the strategy'}.`));
      return;
    }
    const sign = v => `${v > 0 ? '+' : ''}${(v * 100).toFixed(1)}`;
    const verdict = lift.low > 0 ? 'Active selection is ahead of random.'
      : lift.high < 0 ? 'Random is ahead of active selection.'
        : 'No clear difference yet: the interval includes zero.';
    replace(liftBox,
      h('p', { class: 'big' }, `${sign(lift.difference)} points`,
        h('span', { class: 'muted' }, ` (95% interval ${sign(lift.low)} to ${sign(lift.high)})`)),
      interval(lift.difference, lift.low, lift.high),
      h('p', {}, verdict),
      h('p', { class: 'muted small' },
        `At ${fmt(lift.labels)} labels each: active ${pct(lift.active_accuracy)}, random ${pct(lift.random_accuracy)} held-out accuracy.`));
  }

  /** The majority-class baseline beside the latest model's accuracy: a model must beat always answering the commonest label. */
  function drawBaseline(baseline, latest) {
    if (!baseline) {
      baselineBox.textContent = !latest ? '' : 'Majority-class baseline: not measurable yet (it needs labeled held-out items).';
      return;
    }
    const model = latest?.accuracy;
    const gap = model === null || model === undefined ? null : (model - baseline.accuracy) * 100;
    baselineBox.textContent = `Majority-class baseline: always answering “${baseline.label}” scores ${pct(baseline.accuracy)} on the ${fmt(baseline.held_out)} held-out items`
      + (gap === null ? '.' : `; the model (${pct(model)}) is ${Math.abs(gap).toFixed(1)} points ${gap >= 0 ? 'above' : 'below'} it.`);
  }

  async function loadStats() {
    try {
      const view = await api('GET', `/api/projects/${projectId}/annotator-stats`);
      statsCard.hidden = view.annotators.length === 0;
      if (!statsCard.hidden) replace(statsBox, statsPanel(view, projectId));
    } catch (error) {
      problem.textContent = `Could not load the annotator statistics: ${error.message}`;
    }
  }

  async function loadAgreement() {
    try {
      const view = await api('GET', `/api/projects/${projectId}/agreement`);
      if (view.up_to_date === false) agreementKey = null;
      agreementCard.hidden = !(view.counts.pairable_items > 0);
      if (!agreementCard.hidden) replace(agreementBox, agreementPanel(view));
    } catch (error) {
      agreementKey = null;
      problem.textContent = `Could not load the annotator agreement: ${error.message}`;
    }
  }

  let moneyKey = null;
  async function loadOracles(curve) {
    try {
      const view = await api('GET', `/api/projects/${projectId}/oracles`);
      oraclesCard.hidden = !(view.models.length > 0 || view.money > 0);
      if (oraclesCard.hidden) return;
      replace(oraclesBox, oraclesPanel(view));
      if (curve !== moneyKey) {
        moneyKey = curve;
        const text = await api('GET', `/api/projects/${projectId}/learning-curve.svg?x=money&${sizeQuery(moneyCurve)}`, { accept: 'image/svg+xml' });
        replace(moneyCurve, inertSvg(text) ?? h('p', { class: 'muted' }, 'The curve could not be read.'));
      }
    } catch (error) {
      oraclesKey = null;
      moneyKey = null;
      problem.textContent = `Could not load the people and models: ${error.message}`;
    }
  }

  async function loadCurve() {
    // The server draws this chart (the same LearningCurveSvg as `sift simulate`). An <img> cannot send the Bearer
    // token and the CSP (default-src 'self') blocks blob: and data: images, so the SVG is fetched with the token,
    // parsed as XML (never as HTML), reduced to drawing elements and inserted.
    try {
      const text = await api('GET', `/api/projects/${projectId}/learning-curve.svg?${sizeQuery(curveImage)}`, { accept: 'image/svg+xml' });
      const svg = inertSvg(text);
      replace(curveImage, svg ?? h('p', { class: 'muted' }, 'The learning curve could not be read.'));
    } catch (error) {
      curveKey = null;
      problem.textContent = `Could not load the learning curve: ${error.message}`;
    }
  }

  await refresh();
}

/** The width a chart is shown at, in CSS pixels (within what the server draws). */
function chartWidth(box) {
  return Math.max(280, Math.min(2000, Math.round(box.clientWidth || 560)));
}

/** The size to ask the server to draw a chart at: the box's width, a height that suits it. */
function sizeQuery(box) {
  const width = chartWidth(box);
  const height = Math.max(260, Math.min(520, Math.round(width * 0.62)));
  return `width=${width}&height=${height}`;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
const DRAWING = new Set(['svg', 'g', 'path', 'line', 'polyline', 'polygon', 'rect', 'circle', 'ellipse', 'text', 'tspan', 'title', 'desc']);

/**
 * An SVG document's drawing, safe to put in the page: only drawing elements survive, and no event handler, style,
 * link or url() reference (the CSP would stop scripts anyway; this keeps the markup itself inert). Null when the
 * text is not an SVG document.
 */
export function inertSvg(text) {
  const doc = new DOMParser().parseFromString(String(text), 'image/svg+xml');
  const root = doc.documentElement;
  if (root.namespaceURI !== SVG_NS || root.localName !== 'svg' || doc.getElementsByTagName('parsererror').length > 0) return null;
  for (const el of [root, ...root.querySelectorAll('*')]) {
    if (el.namespaceURI !== SVG_NS || !DRAWING.has(el.localName)) { el.remove(); continue; }
    for (const { name, value } of [...el.attributes]) {
      const lower = name.toLowerCase();
      if (lower.startsWith('on') || lower === 'style' || lower.includes('href') || /url\s*\(/i.test(value)) el.removeAttribute(name);
    }
  }
  return document.importNode(root, true);
}

/**
 * Krippendorff's reading of α (Content Analysis, 2004, §11.4): α ≥ .800 reliable; .667 ≤ α < .800 only for tentative
 * conclusions; below .667 unreliable.
 */
export function readAlpha(alpha) {
  if (alpha === null || alpha === undefined) {
    return { kind: 'unknown', text: 'Not defined yet: the items with two or more answers all got the same label, so chance agreement cannot be told apart.' };
  }
  if (alpha >= 0.8) return { kind: 'ok', text: 'Reliable: α is at least 0.8, so the annotators agree well beyond chance.' };
  if (alpha >= 0.667) return { kind: 'warn', text: 'Tentative: α is between 0.667 and 0.8, good enough for tentative conclusions only.' };
  return { kind: 'bad', text: 'Unreliable: α is below 0.667; the annotators disagree too often. Check the instructions and the labels.' };
}

/** Below this many items with 2+ answers, the panel says the Dawid–Skene estimates are rough (its smoothing dominates). */
const FEW_ITEMS = 50;

/** A measure such as α or κ with three decimals ('—' when undefined). */
const measure = v => (v === null || v === undefined ? '—' : v.toFixed(3));

/** The agreement card's content from GET …/agreement. Every name goes in as text. */
function agreementPanel(view) {
  const c = view.counts;
  const a = view.agreement;
  const gold = view.gold; // only for admins and auditors
  const goldByName = new Map((gold?.annotators ?? []).map(g => [g.name, g]));
  const reading = readAlpha(a.krippendorff_alpha);
  const cell = (id, title, value) => h('div', { class: 'measure', id }, h('p', { class: 'muted small' }, title), h('p', { class: 'value' }, value));
  return [
    h('div', { class: 'measures' },
      cell('agreement-alpha', 'Krippendorff\'s α (nominal)', measure(a.krippendorff_alpha)),
      cell('agreement-kappa', 'Fleiss\' κ', measure(a.fleiss_kappa)),
      cell('agreement-observed', 'Observed agreement', pct(a.percent_agreement))),
    h('p', { class: `reading ${reading.kind}`, id: 'agreement-reading' }, reading.text),
    h('p', { class: 'muted small' },
      `From ${fmt(c.pairable_items)} items with two or more answers (${fmt(c.annotations)} answers by ${fmt(c.annotators)} annotators).`),
    view.up_to_date === false && view.computed_at
      ? h('p', { class: 'muted small', id: 'agreement-as-of' },
        `As of ${isoDateTime(view.computed_at)}: newer answers are counted at the next recomputation (large projects are recomputed every few seconds).`)
      : null,
    view.multi_label_note ? h('p', { class: 'muted small', id: 'agreement-multi' }, view.multi_label_note) : null,
    h('h3', {}, 'Estimated accuracy per annotator'),
    h('p', { class: 'muted small' }, 'Dawid–Skene: estimated from the answers alone, weighing each annotator by how they agree with the others.',
      c.pairable_items < FEW_ITEMS ? ' With this few items the estimates are rough and pulled toward chance.' : ''),
    h('div', { class: 'chart-box', id: 'agreement-accuracy' }, shareBars(view.annotators.map(x => [x.name, x.estimated_accuracy]))),
    h('table', { class: 'data', id: 'agreement-annotators' },
      h('thead', {}, h('tr', {},
        h('th', { scope: 'col' }, 'Annotator'), h('th', { scope: 'col' }, 'Answers'),
        h('th', { scope: 'col' }, 'Agrees with the others\' majority'), h('th', { scope: 'col' }, 'Estimated accuracy'),
        gold ? h('th', { scope: 'col' }, 'Accuracy on gold') : null)),
      h('tbody', {}, view.annotators.map(x => {
        const g = goldByName.get(x.name);
        return h('tr', {},
          h('td', { class: 'name' }, x.name), h('td', {}, fmt(x.answers)),
          h('td', {}, x.agreement_with_majority === null ? '—' : `${pct(x.agreement_with_majority)} of ${fmt(x.compared_with_majority)}`),
          h('td', { class: 'estimated' }, pct(x.estimated_accuracy)),
          gold ? h('td', { class: 'gold' }, g && g.items > 0 ? `${pct(g.accuracy)} of ${fmt(g.items)}` : '—') : null);
      }))),
    gold && gold.rated_items > 0 ? h('p', { class: 'muted small', id: 'agreement-gold' },
      `On ${fmt(gold.rated_items)} answered gold items: majority vote ${pct(gold.majority.accuracy)} (of ${fmt(gold.majority.items)}`,
      gold.majority_ties > 0 ? `; ${fmt(gold.majority_ties)} ties left out` : '',
      `), Dawid–Skene ${pct(gold.dawid_skene.accuracy)}.`) : null,
    view.dawid_skene.differs_from_majority > 0 ? h('p', { class: 'muted small' },
      `Dawid–Skene's label differs from the majority's on ${fmt(view.dawid_skene.differs_from_majority)} of ${fmt(view.dawid_skene.items_with_majority)} items.`) : null,
    a.pairs.length > 0 ? h('details', {}, h('summary', {}, 'Cohen\'s κ by pair'),
      h('table', { class: 'data', id: 'agreement-pairs' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Annotators'), h('th', { scope: 'col' }, 'Shared items'),
          h('th', { scope: 'col' }, 'Agree'), h('th', { scope: 'col' }, 'κ'))),
        h('tbody', {}, a.pairs.map(p => h('tr', {},
          h('td', {}, `${p.first} · ${p.second}`), h('td', {}, fmt(p.shared_items)),
          h('td', {}, pct(p.percent_agreement)), h('td', {}, measure(p.cohen_kappa))))))) : null,
  ];
}

/** Seconds as "about 2 min 5 s" (rounded up to whole seconds; hours past an hour). */
export function duration(seconds) {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return null;
  let s = Math.max(0, Math.ceil(seconds));
  const hours = Math.floor(s / 3600); s -= hours * 3600;
  const minutes = Math.floor(s / 60); s -= minutes * 60;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${s} s`;
  return `${s} s`;
}

/**
 * The embedding card: state, a bar of items with their vector, rate and time left, the error when it failed, and which
 * features the model uses now. Every value goes in as text.
 */
export function embeddingPanel(e, modelFeatures, featuresNote) {
  const state = String(e.state ?? 'pending').toLowerCase();
  const share = e.total > 0 ? e.done / e.total : (state === 'done' ? 1 : 0);
  const bar = h('progress', { id: 'embedding-bar', class: `meter ${state}`, max: Math.max(1, e.total), 'aria-label': 'Items with their sentence vector' });
  bar.value = e.total > 0 ? Math.min(e.done, e.total) : (state === 'done' ? 1 : 0);
  const left = duration(e.eta_seconds);
  const pace = state === 'running'
    ? (e.rate ? `${fmt(e.rate, 1)} items/s${left ? ` · about ${left} left` : ''}` : 'Measuring the rate…')
    : state === 'pending' ? 'Waiting to start: the encoder loads or another project is being embedded first.'
      : state === 'done' ? 'Every item has its vector.' : null;
  const wanted = e.features || 'tfidf+minilm';
  const using = modelFeatures
    ? (modelFeatures === wanted
      ? `The model uses ${modelFeatures}.`
      : `The model uses ${modelFeatures} for now and switches to ${wanted} once every item has its vector.`)
    : `The first model will use ${state === 'done' ? wanted : `tfidf, or ${wanted} if every item has its vector by then`}.`;
  return [
    h('p', {}, h('span', { class: `badge ${state}`, id: 'embedding-state' }, state), ' ',
      h('span', { id: 'embedding-count' }, `${fmt(e.done)} of ${fmt(e.total)} items (${pct(share)})`)),
    bar,
    pace ? h('p', { class: 'muted small', id: 'embedding-pace' }, pace) : null,
    e.error ? h('p', { class: 'form-error', id: 'embedding-error' }, e.error) : null,
    h('p', { class: 'muted small', id: 'embedding-features' }, using, featuresNote && modelFeatures !== wanted ? ` (${featuresNote})` : ''),
    e.model ? h('p', { class: 'muted small' }, 'Encoder: ', h('code', {}, e.model)) : null,
  ];
}

/**
 * The "People and models" card from GET …/oracles: answers and money per oracle (people, each model), each model's
 * calibration and audits beside the target, and people's agreement with a model's label with and without its
 * suggestion shown. Every name goes in as text.
 */
function oraclesPanel(view) {
  const money = v => fmt(v, 4);
  const people = view.people;
  const audit = c => (c.audits > 0 ? `${pct(c.audit_accuracy)} of ${fmt(c.audits)} (95%: ${pct(c.audit_low)}–${pct(c.audit_high)})` : 'none yet');
  // The router's estimated label accuracy (from the audits, weighted by 1/their inclusion probability) beside the target.
  const achieved = c => (c.estimated_accuracy != null
    ? `router's labels ${pct(c.estimated_accuracy)} (95%: ${pct(c.estimate_low)}–${pct(c.estimate_high)}) vs target ${pct(view.target_accuracy)}`
    : 'router accuracy: nothing labeled yet');
  const agree = a => (a.answers > 0 ? `${pct(a.rate)} of ${fmt(a.answers)} answers` : 'no answers yet');
  return [
    h('p', { class: 'big', id: 'oracles-money' }, `Money spent: ${money(view.money)}`,
      h('span', { class: 'muted' }, ` · target accuracy of accepted model labels ${pct(view.target_accuracy)}`)),
    h('table', { class: 'data', id: 'oracle-table' },
      h('thead', {}, h('tr', {}, ['Oracle', 'Labels', 'Sent to people', 'Declined', 'Money', 'Tokens in / out', 'Calibration', 'Audits']
        .map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {},
        h('tr', { class: 'people' }, h('td', { class: 'name' }, 'People'), h('td', {}, fmt(people.labels)), h('td', {}, '—'), h('td', {}, '—'),
          h('td', {}, money(people.money)), h('td', {}, '—'),
          h('td', { class: 'muted small' }, `${fmt(people.per_label, 4)} per label + ${fmt(people.per_hour, 2)} per hour`), h('td', {}, '—')),
        view.models.map(m => h('tr', { class: m.enabled ? 'model' : 'model disabled' },
          h('td', { class: 'name' }, m.name, m.enabled ? '' : ' (disabled)',
            m.last_error ? h('p', { class: 'form-error small' }, m.last_error) : null),
          h('td', {}, fmt(m.accepted)), h('td', {}, fmt(m.to_people)), h('td', {}, fmt(m.declined)), h('td', {}, money(m.money)),
          h('td', {}, `${fmt(m.input_tokens)} / ${fmt(m.output_tokens)}`),
          h('td', { class: 'small' }, m.calibration.calibrator,
            m.calibration.ece != null ? ` · ECE ${fmt(m.calibration.ece, 3)}` : '',
            m.calibration.threshold != null ? ` · accepts from ${fmt(m.calibration.threshold, 3)}` : ' · accepts nothing yet'),
          h('td', { class: 'small' }, audit(m.calibration), ` · ${m.calibration.audit_draw} draw`,
            h('p', { class: 'small router-accuracy' }, achieved(m.calibration),
              ` · ${m.calibration.mode} rule, people at ${pct(m.calibration.person_accuracy)} (${m.calibration.person_accuracy_from})`)))))),
    h('p', { class: 'muted small', id: 'anchoring' },
      view.anchoring.pre_annotation ? 'Pre-annotation is on: annotators see a model\'s label on items it sent to people. ' : 'Pre-annotation is off. ',
      `People's agreement with the model's label: ${agree(view.anchoring.shown)} with its suggestion shown, ${agree(view.anchoring.not_shown)} without.`),
  ];
}

/** The admins' table of annotators: every value goes in as text. */
function statsPanel(view, projectId) {
  const share = (value, n) => (value === null || value === undefined ? '—' : `${pct(value)} of ${fmt(n)}`);
  const seconds = v => (v === null || v === undefined ? '—' : `${fmt(v, 1)} s`);
  const drift = periods => periods.map(p => (p.consensus_agreement === null ? '—' : pct(p.consensus_agreement, 0))).join(' → ');
  const driftTime = periods => periods.map(p => seconds(p.median_seconds)).join(' → ');
  const standing = s => (!s ? '—' : `${pct(s.accuracy, 0)} of ${fmt(s.answers)} (${pct(s.low, 0)}–${pct(s.high, 0)})`);
  const flagged = view.annotators.filter(a => a.gold_standing?.flagged);
  const rule = view.flag_rule;
  return [
    flagged.length > 0 ? h('p', { class: 'flag-notice', id: 'flagged-annotators', role: 'status' },
      h('strong', { class: 'flag' }, `${fmt(flagged.length)} flagged: `), flagged.map(a => a.name).join(', '),
      ` — their accuracy on gold items is below ${pct(rule.min_accuracy, 0)} with 95% confidence`,
      rule.weight < 1 ? `; their answers count ×${fmt(rule.weight, 2)} in the resolved labels.` : '; Dawid–Skene already weighs them by their estimated confusion.',
      ' ', h('a', { href: `/review/${projectId}` }, 'Review their answers')) : null,
    h('table', { class: 'data', id: 'annotator-stats-table' },
      h('thead', {}, h('tr', {}, ['Annotator', 'Answers', 'Per active hour', 'Time per item (median · mean)', 'Agrees with the others', 'Gold accuracy',
        'Gold items (honeypots)', 'Agreement by quarter', 'Time by quarter'].map(t => h('th', { scope: 'col' }, t)))),
      h('tbody', {}, view.annotators.map(a => h('tr', { class: a.gold_standing?.flagged ? 'flagged' : null },
        h('td', { class: 'name' }, a.name, a.gold_standing?.flagged ? h('strong', { class: 'flag' }, ' flagged') : null),
        h('td', {}, fmt(a.answers), a.changed > 0 ? h('span', { class: 'muted small' }, ` (${fmt(a.changed)} changed)`) : null),
        h('td', {}, a.per_active_hour === null ? '—' : fmt(a.per_active_hour, 1)),
        h('td', {}, `${seconds(a.median_seconds)} · ${seconds(a.mean_seconds)}`),
        h('td', { class: 'consensus' }, share(a.consensus_agreement, a.compared_with_consensus)),
        h('td', { class: 'gold' }, share(a.gold_accuracy, a.gold_items)),
        h('td', { class: 'honeypot' }, standing(a.gold_standing)),
        h('td', { class: 'drift small' }, drift(a.drift)),
        h('td', { class: 'drift small' }, driftTime(a.drift)))))),
    h('p', { class: 'muted small' },
      `Active time counts the gaps between one person's answers shorter than ${fmt(view.active_gap_minutes)} minutes. `,
      '"Agrees with the others": on items someone else answered too, the share where the answer equals the others\' majority (ties left out). ',
      'Gold accuracy: on items imported with a gold label. ',
      rule && view.gold_items > 0 ? `Gold items: the ${fmt(view.gold_items)} honeypots handed out blind, with the 95% interval; flagged after at least ${fmt(rule.min_answers)} of them with the interval wholly below ${pct(rule.min_accuracy, 0)}. ` : '',
      'Quarters: the person\'s answers in time order, split in four — a falling agreement or time per item is drift.'),
  ];
}

function tile(title, value, note, id) {
  return h('section', { class: 'tile', id },
    h('h2', {}, title), h('p', { class: 'value' }, value), note ? h('p', { class: 'muted small' }, note) : null);
}

function lastCurve(view) {
  const curve = view.learning_curve ?? [];
  return curve[curve.length - 1];
}

function trainerLine(trainer) {
  if (trainer.last_duration_seconds != null) return `last run ${fmt(trainer.last_duration_seconds, 2)} s`;
  return 'no run yet';
}

// A coverage-guided mutation fuzzer for the instructions renderer (src/Sift.Server/wwwroot/js/markdown.js), in plain
// Node: Jazzer.js does not run here (see docs/fuzzing.md). Coverage comes from V8's own block coverage (the
// inspector's precise coverage, reset after every input): an input that reaches a new block of markdown.js, or runs
// one a new order of magnitude more often, joins the corpus. Mutations are seeded, so a run with the same seed and
// the same number of executions is the same run.
//
//   node fuzz-markdown.mjs [--seconds 60] [--seed 1] [--corpus DIR] [--out DIR] [--max-length 200000] [--slow-ms 1000]
//   node fuzz-markdown.mjs --replay FILE_OR_DIR...
//   node fuzz-markdown.mjs --renderer PATH ...   (another copy of markdown.js)
//
// A finding is an input for which renderMarkdown throws, makes an element or attribute outside the renderer's
// allow-list, makes an href that is not http(s), mailto or same-site, or takes more than --slow-ms of CPU time (1000 by default)
// twice in a row (the page is frozen meanwhile). Findings go to OUT/crashes and OUT/hangs; OUT/fuzzer_stats has the same keys as afl-fuzz's.
import { Session } from 'node:inspector';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { describe, elements, fakeDocument } from './fake-dom.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// --renderer PATH (first argument) fuzzes or replays another copy, e.g. an older one, to show a finding before its fix.
const rendererPath = process.argv[2] === '--renderer' ? resolve(process.argv[3]) : resolve(here, '../../src/Sift.Server/wwwroot/js/markdown.js');
const { renderMarkdown } = await import(pathToFileURL(rendererPath).href);

const ALLOWED_ELEMENTS = new Set(['P', 'H3', 'H4', 'H5', 'H6', 'UL', 'OL', 'LI', 'BLOCKQUOTE', 'PRE', 'CODE', 'STRONG', 'EM', 'A', 'HR']);
const ALLOWED_ATTRIBUTES = { A: ['href', 'rel', 'target'], OL: ['start'] };
// Checked independently of the renderer's isSafeUrl: a scheme-less same-site path, a fragment, http(s) or mailto, and
// nothing a browser would strip or reinterpret (whitespace and control characters, backslashes).
const SAFE_HREF = /^(https?:\/\/|mailto:|\/(?!\/)|#)/i;
const STRIPPED = /[\u0000-\u0020\u007f-\u009f\\]/;

/** Renders one source and checks the properties; returns null, or what is wrong. */
export function check(source, slowMs = 1000) {
  // CPU time, not wall time: on a shared, busy machine wall time mostly measures the other processes.
  const cpu = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  const started = cpu();
  let fragment;
  try {
    fragment = renderMarkdown(source, { doc: fakeDocument });
  } catch (e) {
    return { kind: 'crash', problem: `throws ${e?.constructor?.name}: ${e?.message}` };
  }
  const elapsed = cpu() - started;
  for (const el of elements(fragment)) {
    if (!ALLOWED_ELEMENTS.has(el.tagName)) return { kind: 'crash', problem: `makes a <${el.tagName.toLowerCase()}> element` };
    for (const [name, value] of el.attributes) {
      if (!(ALLOWED_ATTRIBUTES[el.tagName] ?? []).includes(name)) return { kind: 'crash', problem: `sets ${name}="${value}" on <${el.tagName.toLowerCase()}>` };
      if (name === 'href' && (!SAFE_HREF.test(value) || STRIPPED.test(value))) return { kind: 'crash', problem: `sets the unsafe href "${value}"` };
    }
  }
  if (elapsed > slowMs) {
    // Once more before calling it a hang: a garbage collection can stall one run.
    const again = cpu();
    renderMarkdown(source, { doc: fakeDocument });
    const second = cpu() - again;
    if (second > slowMs) return { kind: 'hang', problem: `takes ${Math.min(elapsed, second).toFixed(0)} ms of CPU (limit ${slowMs} ms)` };
  }
  return null;
}

function parseArgs(argv) {
  const options = { seconds: 60, seed: 1, corpus: join(here, '../corpus/markdown'), out: join(here, '../.out/findings/markdown'), maxLength: 200_000, slowMs: 1000, replay: null };
  for (let i = 0; i < argv.length; i++) {
    const value = () => { if (i + 1 >= argv.length) throw new Error(`${argv[i]} needs a value`); return argv[++i]; };
    switch (argv[i]) {
      case '--seconds': options.seconds = Number(value()); break;
      case '--seed': options.seed = Number(value()); break;
      case '--corpus': options.corpus = value(); break;
      case '--out': options.out = value(); break;
      case '--max-length': options.maxLength = Number(value()); break; // the server's limit on instructions
      case '--slow-ms': options.slowMs = Number(value()); break;
      case '--replay': options.replay = argv.slice(i + 1); i = argv.length; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  return options;
}

function inputFiles(paths) {
  return paths.flatMap(p => (!existsSync(p) ? [] : statSync(p).isDirectory()
    ? readdirSync(p).filter(f => !f.startsWith('.') && !f.endsWith('.txt')).sort().map(f => join(p, f))
    : [p]));
}

function replay(paths, slowMs) {
  let bad = 0;
  const files = inputFiles(paths);
  for (const file of files) {
    const finding = check(readFileSync(file, 'utf8'), slowMs);
    if (finding) { bad++; console.log(`${finding.kind.toUpperCase()} ${file}: ${finding.problem}`); }
  }
  console.log(`markdown: ${files.length} inputs, ${bad} with findings`);
  return bad > 0 ? 1 : 0;
}

/** xorshift128+ seeded by splitmix64, so a run is repeatable from its seed. */
function makeRandom(seed) {
  let s = BigInt.asUintN(64, BigInt(seed));
  const split = () => {
    s = BigInt.asUintN(64, s + 0x9e3779b97f4a7c15n);
    let z = s;
    z = BigInt.asUintN(64, (z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n);
    z = BigInt.asUintN(64, (z ^ (z >> 27n)) * 0x94d049bb133111ebn);
    return Number((z ^ (z >> 31n)) & 0xffffffffn) >>> 0;
  };
  let a = split() | 1, b = split(), c = split(), d = split();
  return n => { // xoshiro128** in 32-bit lanes
    const r = Math.imul(Math.imul(b, 5) << 7 | Math.imul(b, 5) >>> 25, 9) >>> 0;
    const t = b << 9;
    c ^= a; d ^= b; b ^= c; a ^= d; c ^= t; d = d << 11 | d >>> 21;
    return n === undefined ? r : r % n;
  };
}

// Pieces of Markdown, HTML and link syntax the mutations insert: the renderer's grammar and what it must keep inert.
const TOKENS = ['\n', '\n\n', '\r\n', '\r', ' ', '  ', '\t', '#', '# ', '###### ', '####### ', '*', '**', '***', '_', '__', '`', '```', '~~~', '```\n',
  '- ', '* ', '+ ', '1. ', '0) ', '999999999. ', '1234567890. ', '> ', '>', '---', '***', '___', '- - -', '[', ']', '(', ')', '](', '[x](', '](/ok)',
  'http://', 'https://a.example/', 'mailto:', 'javascript:', 'JaVaScRiPt:', 'java\tscript:', 'data:text/html,', 'vbscript:', '//', '/\\', '\\', '#',
  '/ok', ' /ok', '\u0000', '\u0085', '\u00a0', '\u2028', '\u200b', '\ufeff', '\ud800', '\udc00', '😀', '<script>', '</script>', '<img src=x onerror=1>',
  '<a href="javascript:x">', '&lt;', '&#106;avascript:', 'onload=', '"', "'", '<', '>', '&', '=', '%0a', '%20', 'x', 'a b', '1'];

function mutate(input, corpus, random, maxLength) {
  let s = input;
  const count = 1 + random(8);
  for (let k = 0; k < count; k++) {
    const at = random(s.length + 1);
    switch (random(10)) {
      case 0: case 1: s = s.slice(0, at) + TOKENS[random(TOKENS.length)] + s.slice(at); break;
      case 2: { const end = Math.min(s.length, at + 1 + random(16)); s = s.slice(0, at) + s.slice(end); break; }
      case 3: s = s.slice(0, at) + String.fromCharCode(random(4) === 0 ? random(0x10000) : random(0x80)) + s.slice(at + 1); break;
      case 4: { // repeat a piece: deep nesting, long runs and many tokens come from here
        const end = Math.min(s.length, at + 1 + random(12));
        const piece = s.slice(at, end) || TOKENS[random(TOKENS.length)];
        const times = [2, 3, 10, 100, 1000, 10000][random(6)];
        s = s.slice(0, end) + piece.repeat(Math.max(0, Math.min(times, Math.floor((maxLength - s.length) / piece.length)))) + s.slice(end);
        break;
      }
      case 5: { const other = corpus[random(corpus.length)]; const from = random(other.length + 1); s = s.slice(0, at) + other.slice(from, from + 1 + random(64)) + s.slice(at); break; }
      case 6: { const other = corpus[random(corpus.length)]; s = s.slice(0, at) + other.slice(random(other.length + 1)); break; }
      case 7: { const end = Math.min(s.length, at + 1 + random(32)); s = s.slice(0, at) + s.slice(at, end).split('').reverse().join('') + s.slice(end); break; }
      case 8: s = s.slice(0, at) + ['\n', ' ', '*', '_', '`', '[', ']', '(', ')', '>', '#', '-'][random(12)].repeat(1 + random(64)) + s.slice(at); break;
      default: s = s.slice(0, at) + TOKENS[random(TOKENS.length)] + TOKENS[random(TOKENS.length)] + s.slice(at); break;
    }
  }
  return s.length > maxLength ? s.slice(0, maxLength) : s;
}

function fuzz(options) {
  const session = new Session();
  session.connect();
  const post = (method, params) => {
    let result, error;
    session.post(method, params, (e, r) => { error = e; result = r; }); // answered synchronously on this thread
    if (error) throw error;
    return result;
  };
  post('Profiler.enable');
  post('Profiler.startPreciseCoverage', { callCount: true, detailed: true });
  const rendererUrl = pathToFileURL(rendererPath).href;
  const features = new Set();
  const newFeatures = () => {
    let added = 0;
    const { result } = post('Profiler.takePreciseCoverage'); // counts since the last call
    for (const script of result) {
      if (script.url !== rendererUrl) continue;
      for (const fn of script.functions) {
        for (const range of fn.ranges) {
          if (range.count === 0) continue;
          const key = `${range.startOffset}:${range.endOffset}:${Math.min(6, Math.floor(Math.log10(range.count)))}`;
          if (!features.has(key)) { features.add(key); added++; }
        }
      }
    }
    return added;
  };

  const random = makeRandom(options.seed);
  const seeds = inputFiles([options.corpus]).map(f => readFileSync(f, 'utf8'));
  if (seeds.length === 0) throw new Error(`no seed inputs in ${options.corpus}`);
  mkdirSync(join(options.out, 'crashes'), { recursive: true });
  mkdirSync(join(options.out, 'hangs'), { recursive: true });
  mkdirSync(join(options.out, 'queue'), { recursive: true });
  const corpus = [];
  const seen = new Set();
  const stats = { execs: 0, crashes: 0, hangs: 0 };
  const save = (kind, input, problem) => {
    const id = createHash('sha256').update(input).digest('hex').slice(0, 16);
    if (seen.has(kind + id)) return;
    seen.add(kind + id);
    stats[kind === 'crash' ? 'crashes' : 'hangs']++;
    writeFileSync(join(options.out, kind === 'crash' ? 'crashes' : 'hangs', `${id}.md`), input);
    console.log(`${kind.toUpperCase()} ${id} (${input.length} chars): ${problem}`);
  };
  const run = input => {
    stats.execs++;
    const finding = check(input, options.slowMs);
    const added = newFeatures();
    if (finding) save(finding.kind, input, finding.problem);
    else if (added > 0) {
      corpus.push(input);
      writeFileSync(join(options.out, 'queue', `${String(corpus.length).padStart(6, '0')}.md`), input);
    }
  };

  const started = Date.now();
  for (const seed of seeds) run(seed);
  if (corpus.length === 0) corpus.push(...seeds);
  const deadline = started + options.seconds * 1000;
  let nextReport = started + 10_000;
  while (Date.now() < deadline) {
    for (let i = 0; i < 50; i++) run(mutate(corpus[random(corpus.length)], corpus, random, options.maxLength));
    if (Date.now() >= nextReport) {
      nextReport += 10_000;
      console.log(`${Math.round((Date.now() - started) / 1000)} s: ${stats.execs} execs, corpus ${corpus.length}, ${features.size} coverage features, ${stats.crashes} crashes, ${stats.hangs} hangs`);
    }
  }
  const runTime = (Date.now() - started) / 1000;
  const lines = {
    run_time: Math.round(runTime), execs_done: stats.execs, execs_per_sec: (stats.execs / runTime).toFixed(2), corpus_count: corpus.length,
    coverage_features: features.size, saved_crashes: stats.crashes, saved_hangs: stats.hangs, seed: options.seed,
  };
  writeFileSync(join(options.out, 'fuzzer_stats'), Object.entries(lines).map(([k, v]) => `${k.padEnd(18)}: ${v}`).join('\n') + '\n');
  console.log(Object.entries(lines).map(([k, v]) => `${k}=${v}`).join(' '));
  return stats.crashes + stats.hangs > 0 ? 1 : 0;
}

const options = parseArgs(process.argv.slice(process.argv[2] === '--renderer' ? 4 : 2));
process.exitCode = options.replay ? replay(options.replay, options.slowMs) : fuzz(options);

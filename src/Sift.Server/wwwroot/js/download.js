// Downloads an authenticated API answer as a file: fetched with the Bearer token (a plain link cannot send it),
// then saved through a temporary blob: link.
import { api } from './api.js';
import { h } from './dom.js';

/** Saves the project's export in `format` (jsonl or csv) under a name made from the project's name. */
export async function downloadExport(project, format) {
  const blob = await api('GET', `/api/projects/${project.id}/export?format=${format}`, { accept: '*/*', blob: true });
  const a = h('a', { href: URL.createObjectURL(blob), download: `${project.name.replace(/[^\w.-]+/g, '_')}.${format}` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** Saves the project's datasheet (GET …/report: one self-contained HTML page) as NAME-datasheet.html. */
export async function downloadReport(project) {
  const blob = await api('GET', `/api/projects/${project.id}/report`, { accept: 'text/html', blob: true });
  const a = h('a', { href: URL.createObjectURL(blob), download: `${project.name.replace(/[^\w.-]+/g, '_')}-datasheet.html` });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

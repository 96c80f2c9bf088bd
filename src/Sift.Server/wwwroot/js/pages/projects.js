// `/projects`: the projects the caller can work on, with the links their role allows.
import { api } from '../api.js';
import { h } from '../dom.js';
import { can, isMulti } from '../roles.js';

export default async function projects(main, { me }) {
  main.append(h('h1', {}, 'Projects'));
  const list = await api('GET', '/api/projects');
  if (list.length === 0) {
    main.append(h('p', { class: 'muted' }, can.administer(me)
      ? ['No projects yet. ', h('a', { href: '/admin' }, 'Create one in Admin'), '.']
      : can.seeEveryProject(me) ? 'No projects yet. An admin has to create one.'
        : 'You are not a member of any project yet. An admin has to add you to one.'));
    return;
  }
  const rows = list.map(p => h('li', { class: 'card project' },
    h('div', {},
      h('h2', {}, p.name),
      h('p', { class: 'muted' }, `${isMulti(p.mode) ? 'Multi-label' : 'Single-label'} · ${p.labels.join(', ')}`)),
    h('div', { class: 'actions' },
      can.annotate(me) ? h('a', { class: 'button primary', href: `/annotate/${p.id}` }, 'Annotate') : null,
      can.viewDashboard(me) ? h('a', { class: 'button', href: `/dashboard/${p.id}` }, 'Dashboard') : null)));
  main.append(h('ul', { class: 'projects' }, rows));
  main.querySelector('.project a')?.focus();
}

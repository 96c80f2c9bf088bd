// Entry point: routes on location.pathname (the server answers index.html for every non-API path), checks the
// token with GET /api/me, draws the top bar and hands the page to its module.
import { api, session, ApiError } from './api.js';
import { h, replace } from './dom.js';
import { can } from './roles.js';

const ROUTES = [
  { re: /^\/$/, page: 'login', title: 'Log in', anonymous: true },
  { re: /^\/projects\/?$/, page: 'projects', title: 'Projects' },
  { re: /^\/annotate\/(\d+)\/?$/, page: 'annotate', title: 'Annotate' },
  { re: /^\/history\/(\d+)\/?$/, page: 'history', title: 'Your answers' },
  { re: /^\/dashboard\/(\d+)\/?$/, page: 'dashboard', title: 'Dashboard' },
  { re: /^\/review\/(\d+)\/?$/, page: 'review', title: 'Review' },
  { re: /^\/admin\/?$/, page: 'admin', title: 'Admin' },
];

function setTitle(text) { document.title = text ? `${text} · Sift` : 'Sift'; }

// Light or dark: the system's choice (auto) unless the switch in the top bar chose one; kept in this browser.
const THEME_KEY = 'sift.theme';
const THEMES = ['auto', 'light', 'dark'];
function applyTheme(theme) {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}
applyTheme(localStorage.getItem(THEME_KEY));

function themeToggle() {
  const current = () => THEMES.includes(localStorage.getItem(THEME_KEY)) ? localStorage.getItem(THEME_KEY) : 'auto';
  const button = h('button', { type: 'button', class: 'theme-toggle', id: 'theme-toggle' });
  const show = () => {
    button.textContent = `Theme: ${current()}`;
    button.setAttribute('aria-label', `Colour theme: ${current()} (click to change)`);
  };
  button.addEventListener('click', () => {
    const next = THEMES[(THEMES.indexOf(current()) + 1) % THEMES.length];
    if (next === 'auto') localStorage.removeItem(THEME_KEY); else localStorage.setItem(THEME_KEY, next);
    applyTheme(next);
    show();
  });
  show();
  return button;
}

function topbar(me) {
  const bar = document.getElementById('topbar');
  const here = location.pathname;
  const link = (href, text) => h('a', { href, 'aria-current': here === href ? 'page' : null }, text);
  replace(bar,
    h('a', { class: 'brand', href: me ? '/projects' : '/' }, 'Sift'),
    me ? h('nav', { 'aria-label': 'Main' },
      link('/projects', 'Projects'),
      can.administer(me) ? link('/admin', 'Admin') : null) : null,
    me ? h('div', { class: 'who' },
      themeToggle(),
      h('span', { class: 'user' }, me.name, ' ', h('span', { class: 'role' }, me.role)),
      h('button', {
        type: 'button', class: 'link', onclick: () => { session.token = null; location.assign('/'); },
      }, 'Log out')) : h('div', { class: 'who' }, themeToggle()));
}

async function currentUser() {
  if (!session.token) return null;
  try {
    const me = await api('GET', '/api/me');
    return { ...me, role: String(me.role).toLowerCase() };
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) { session.token = null; return null; }
    throw error;
  }
}

async function start() {
  const main = document.getElementById('main');
  const path = location.pathname;
  const route = ROUTES.find(r => r.re.test(path));
  try {
    const me = await currentUser();
    topbar(me);
    if (!route) {
      setTitle('Not found');
      replace(main, h('h1', {}, 'Page not found'), h('p', {}, h('a', { href: '/projects' }, 'Go to the projects')));
      return;
    }
    if (!me && !route.anonymous) {
      location.replace(`/?next=${encodeURIComponent(path + location.search)}`);
      return;
    }
    setTitle(route.title);
    const params = route.re.exec(path).slice(1);
    const module = await import(`./pages/${route.page}.js`);
    main.replaceChildren();
    await module.default(main, { me, params, setTitle });
  } catch (error) {
    replace(main, h('div', { class: 'notice error', role: 'alert' },
      h('strong', {}, 'Something went wrong. '), error instanceof Error ? error.message : String(error)));
  }
}

start();

// `/`: paste a token, check it with GET /api/me, keep it in localStorage, go on to the projects
// (or to the page that sent the user here).
import { api, session, ApiError, takeRejection } from '../api.js';
import { h } from '../dom.js';

// Where to go after logging in: `?next=` when it is a path on this site, else the projects.
function nextPath() {
  return sameSitePath(new URLSearchParams(location.search).get('next')) ?? '/projects';
}

// A browser strips tabs and line breaks from a URL and reads `\` as `/`, so `/<tab>/evil.example` is
// `//evil.example`, another site. Refuse control characters and backslashes outright, then let the browser's own URL
// parser decide: the address must resolve to this origin. Returns the resolved path, query and fragment, or null.
function sameSitePath(next) {
  if (!next || !next.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(next)) return null;
  let url;
  try {
    url = new URL(next, location.origin);
  } catch {
    return null;
  }
  return url.origin === location.origin ? url.pathname + url.search + url.hash : null;
}

export default async function login(main, { me }) {
  if (me) { location.replace(nextPath()); return; }

  const message = h('p', { class: 'form-error', role: 'alert', id: 'login-error' });
  const rejected = takeRejection();
  const why = rejected ? h('div', { class: 'notice', id: 'token-rejected', role: 'alert' },
    h('p', {}, h('strong', {}, 'Your saved token stopped working. '), rejected),
    h('p', { class: 'small' }, 'Tokens are stored only as hashes, so a new token replaces the old one for good. If the server was restarted with ',
      h('code', {}, 'sift serve --demo'), ', it printed new tokens in its terminal at start; otherwise ask an admin for a new token.')) : null;
  const input = h('input', {
    id: 'token', name: 'token', type: 'password', autocomplete: 'off', spellcheck: 'false', required: true,
    placeholder: 'sift_…', 'aria-describedby': 'token-help login-error',
  });
  const button = h('button', { type: 'submit', class: 'primary' }, 'Log in');
  const form = h('form', { class: 'card narrow', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Log in to Sift'),
    why,
    h('label', { for: 'token' }, 'Access token'),
    input,
    h('p', { class: 'help', id: 'token-help' }, 'Paste the token an admin gave you. It is kept in this browser only.'),
    message,
    h('div', { class: 'actions' }, button));

  form.addEventListener('submit', async event => {
    event.preventDefault();
    const token = input.value.trim();
    if (!token) { message.textContent = 'Paste your token first.'; input.focus(); return; }
    button.disabled = true;
    message.textContent = '';
    session.token = token;
    try {
      await api('GET', '/api/me');
      location.assign(nextPath());
    } catch (error) {
      session.token = null;
      message.textContent = error instanceof ApiError && error.status === 401
        ? 'That token was not accepted. Check it and try again.'
        : error.message;
      button.disabled = false;
      input.select();
    }
  });

  main.append(form);
  input.focus();
}

// The REST client. Every page talks to the server only through this module: JSON in and out, the Bearer token
// from localStorage, and ProblemDetails turned into an ApiError with one readable sentence.

const TOKEN_KEY = 'sift.token';
const REJECTED_KEY = 'sift.token-rejected';

/** Why the saved token stopped working (the server's sentence), once: reading it forgets it. Null when it did not. */
export function takeRejection() {
  const reason = sessionStorage.getItem(REJECTED_KEY);
  sessionStorage.removeItem(REJECTED_KEY);
  return reason;
}

export const session = {
  get token() { return localStorage.getItem(TOKEN_KEY); },
  set token(value) {
    if (value) localStorage.setItem(TOKEN_KEY, value);
    else localStorage.removeItem(TOKEN_KEY);
  },
};

/** A failed request: HTTP status (0 = the server could not be reached) and the ProblemDetails body, if any. */
export class ApiError extends Error {
  constructor(status, problem, fallback) {
    super(describe(problem, fallback));
    this.name = 'ApiError';
    this.status = status;
    this.problem = problem ?? null;
  }

  /** Worth retrying with the same request (and the same client request id): network failure, overload, 5xx. */
  get transient() { return this.status === 0 || this.status === 429 || this.status >= 500; }
}

function describe(problem, fallback) {
  if (!problem || typeof problem !== 'object') return fallback;
  let text = problem.detail || problem.title || fallback;
  if (problem.errors && typeof problem.errors === 'object') {
    const parts = Object.entries(problem.errors).map(([field, msgs]) => `${field}: ${[].concat(msgs).join(' ')}`);
    if (parts.length > 0 && !problem.detail) text = parts.join(' ');
  }
  const where = [];
  if (problem.line !== undefined && problem.line !== null && !/\bline\b/i.test(text)) where.push(`line ${problem.line}`);
  if (problem.field && !text.toLowerCase().includes(String(problem.field).toLowerCase())) where.push(`field ${problem.field}`);
  return where.length > 0 ? `${text} (${where.join(', ')})` : text;
}

const STATUS_TEXT = {
  400: 'The server rejected the request.',
  401: 'Your token was not accepted. Log in again.',
  403: 'You do not have access to this.',
  404: 'Not found.',
  409: 'That conflicts with the current state.',
};

/**
 * Calls the API. `body`: an object (sent as JSON), or a Blob/File/string sent as is with `contentType`.
 * Returns parsed JSON, the text for non-JSON answers, or null for 204. Throws ApiError.
 */
export async function api(method, path, { body, contentType, accept = 'application/json', blob = false, signal } = {}) {
  const headers = { Accept: accept };
  const token = session.token;
  if (token) headers.Authorization = `Bearer ${token}`;
  let payload;
  if (body instanceof Blob || typeof body === 'string') {
    payload = body;
    if (contentType) headers['Content-Type'] = contentType;
  } else if (body !== undefined) {
    payload = JSON.stringify(body);
    headers['Content-Type'] = 'application/json';
  }
  let response;
  try {
    response = await fetch(path, { method, headers, body: payload, signal, cache: 'no-store' });
  } catch (error) {
    if (error?.name === 'AbortError') throw error;
    throw new ApiError(0, null, 'Cannot reach the server. Check your connection and try again.');
  }
  if (!response.ok) {
    let problem = null;
    try { problem = await response.json(); } catch { /* not JSON */ }
    // A saved token the server no longer accepts: remembered for this tab, so the login page can say why.
    if (response.status === 401 && token) sessionStorage.setItem(REJECTED_KEY, problem?.detail || STATUS_TEXT[401]);
    throw new ApiError(response.status, problem, STATUS_TEXT[response.status] ?? `The server answered ${response.status}.`);
  }
  if (response.status === 204) return null;
  if (blob) return response.blob();
  const type = response.headers.get('Content-Type') ?? '';
  if (type.includes('json')) return response.json();
  return response.text();
}

/** Retries a transient failure a few times; the request itself (and any client request id in it) stays the same. */
export async function withRetry(call, { attempts = 3, delays = [300, 1000, 2500] } = {}) {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof ApiError) || !error.transient || attempt >= attempts) throw error;
      await new Promise(resolve => setTimeout(resolve, delays[Math.min(attempt - 1, delays.length - 1)]));
    }
  }
}

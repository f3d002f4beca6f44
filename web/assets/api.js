// HTTP access to the chatd API: token storage and the {code, message, data} envelope.

const TOKEN_KEY = 'chatd.token';

export class ApiError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code; // HTTP status, or 0 for a network failure
  }
}

let unauthorizedHandler = () => {};

/** Called when an authenticated request answers 401 with the current token. */
export function onUnauthorized(fn) {
  unauthorizedHandler = fn;
}

export function getToken() {
  try {
    return localStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

export function setToken(token) {
  try {
    localStorage.setItem(TOKEN_KEY, token);
  } catch {
    /* storage unavailable: the session lasts until reload */
  }
}

export function clearToken() {
  try {
    localStorage.removeItem(TOKEN_KEY);
  } catch {
    /* ignore */
  }
}

/** Percent-encodes one path segment (ids come from the server, but never trust them). */
export const seg = (s) => encodeURIComponent(String(s));

/**
 * Sends a request and returns the whole envelope `{code, message, data}`.
 * Throws ApiError carrying the server's `message` on any failure.
 */
export async function request(method, path, body) {
  const headers = { Accept: 'application/json' };
  const authed = path.startsWith('/api/auth/');
  const token = getToken();
  if (authed) {
    if (!token) {
      unauthorizedHandler();
      throw new ApiError(401, '未授权');
    }
    headers.Authorization = `Bearer ${token}`;
  }
  const init = { method, headers, cache: 'no-store', credentials: 'same-origin' };
  if (body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(body);
  }

  let res;
  try {
    res = await fetch(path, init);
  } catch {
    throw new ApiError(0, '网络连接失败，请稍后重试');
  }

  let env = null;
  try {
    env = await res.json();
  } catch {
    env = null;
  }
  const message =
    env && typeof env.message === 'string' && env.message ? env.message : `请求失败（HTTP ${res.status}）`;

  if (res.status === 401 && authed) {
    // A request made with an older token (e.g. just before a password change) must not log out.
    if (getToken() === token) unauthorizedHandler();
    throw new ApiError(401, message);
  }
  if (!res.ok || !env || typeof env !== 'object') {
    throw new ApiError(res.status, message);
  }
  return { code: env.code, message, data: env.data ?? null };
}

/** Like request(), but returns only `data`. */
export async function api(method, path, body) {
  return (await request(method, path, body)).data;
}

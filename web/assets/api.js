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

/**
 * Uploads a file (`POST /api/auth/files`, multipart, part `file`) with XMLHttpRequest, for
 * its upload progress: `onProgress(fraction)` as bytes leave. Returns `{ done, abort }`:
 * `done` resolves to the answer's `data` or rejects with an ApiError (code 0 for the
 * network, `-1` when aborted).
 */
export function upload(file, name, onProgress = () => {}) {
  const xhr = new XMLHttpRequest();
  const done = new Promise((resolve, reject) => {
    const token = getToken();
    if (!token) {
      unauthorizedHandler();
      reject(new ApiError(401, '未授权'));
      return;
    }
    const form = new FormData();
    form.append('file', file, name);
    xhr.open('POST', '/api/auth/files');
    xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.responseType = 'json';
    xhr.upload.onprogress = (e) => {
      if (e.lengthComputable && e.total > 0) onProgress(e.loaded / e.total);
    };
    xhr.onerror = () => reject(new ApiError(0, '网络连接失败，上传未完成'));
    xhr.ontimeout = xhr.onerror;
    xhr.onabort = () => reject(new ApiError(-1, '已取消'));
    xhr.onload = () => {
      const env = xhr.response && typeof xhr.response === 'object' ? xhr.response : null;
      const message = env && typeof env.message === 'string' && env.message ? env.message : `上传失败（HTTP ${xhr.status}）`;
      if (xhr.status === 401) {
        if (getToken() === token) unauthorizedHandler();
        reject(new ApiError(401, message));
      } else if (xhr.status < 200 || xhr.status >= 300 || !env || !env.data) {
        reject(new ApiError(xhr.status, message));
      } else {
        onProgress(1);
        resolve(env.data);
      }
    };
    xhr.send(form);
  });
  return { done, abort: () => xhr.abort() };
}

// The API client: the access token lives in memory only; the refresh token is an
// HttpOnly cookie the browser sends to /api/auth/refresh, so a reload signs in again.
let accessToken = null;

export class ApiError extends Error {
  constructor(status, code, message) { super(message || `HTTP ${status}`); this.status = status; this.code = code; }
  /** The field an `invalid_<field>` error is about, when it names one. */
  get field() { return this.code && this.code.startsWith('invalid_') ? this.code.slice(8) : null; }
}

export function signedIn() { return accessToken !== null; }
export function setToken(token) { accessToken = token; }

export async function refresh() {
  const r = await fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
  if (r.status !== 200) { accessToken = null; return false; }  // 204: no session to resume
  accessToken = (await r.json()).access_token;
  return true;
}

export async function api(method, path, body, retried = false) {
  const headers = { 'Content-Type': 'application/json' };
  if (accessToken) headers.Authorization = `Bearer ${accessToken}`;
  const r = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  if (r.status === 401 && !retried && !path.startsWith('/api/auth/') && await refresh()) return api(method, path, body, true);
  const text = await r.text();
  let data = null;
  try { data = text ? JSON.parse(text) : null; } catch { data = text; }
  if (!r.ok) throw new ApiError(r.status, data && data.error && data.error.code, data && data.error && data.error.message);
  return data;
}

/** Downloads an export (it needs the bearer token, so not a plain link). */
export async function download(path, filename) {
  const r = await fetch(path, { headers: { Authorization: `Bearer ${accessToken}` } });
  if (!r.ok) throw new ApiError(r.status, null, `export failed (${r.status})`);
  const url = URL.createObjectURL(await r.blob());
  const a = document.createElement('a');
  a.href = url; a.download = filename; document.body.append(a); a.click(); a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Follows a job's Server-Sent Events (fetch, so the bearer token can be sent); on a
 *  dropped connection it resumes with Last-Event-ID, so no event is missed or repeated. */
export async function follow(jobId, onEvent, signal) {
  const terminal = new Set(['complete', 'cancelled', 'error']);
  let last = 0;
  for (let attempt = 0; attempt < 30 && !signal.aborted; attempt++) {
    try {
      const headers = { Authorization: `Bearer ${accessToken}` };
      if (last) headers['Last-Event-ID'] = String(last);
      const r = await fetch(`/api/jobs/${encodeURIComponent(jobId)}/events`, { headers, signal });
      if (r.status === 401 && await refresh()) continue;
      if (!r.ok) throw new ApiError(r.status, null, `cannot follow the job (${r.status})`);
      const reader = r.body.getReader();
      const decoder = new TextDecoder();
      let buffer = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffer += decoder.decode(value, { stream: true });
        let end;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const frame = buffer.slice(0, end); buffer = buffer.slice(end + 2);
          let id = 0, name = 'message', data = '';
          for (const line of frame.split('\n')) {
            if (line.startsWith('id: ')) id = Number(line.slice(4));
            else if (line.startsWith('event: ')) name = line.slice(7);
            else if (line.startsWith('data: ')) data += line.slice(6);
          }
          if (!data) continue;  // comments (heartbeats), retry hints
          if (id) last = id;
          onEvent(name, JSON.parse(data));
          if (terminal.has(name)) return;
        }
      }
    } catch (e) {
      if (signal.aborted) return;
      if (e instanceof ApiError && e.status !== 503) throw e;
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

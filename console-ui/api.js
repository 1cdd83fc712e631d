// Calls to the same API every client uses, with the session cookie (same origin). Mutations carry
// the session's CSRF value; Quilt routes also X-Tenant-Id.
export const session = { tenant: null, csrf: null, tokenId: null, expiresAt: null };

export class ApiFailure extends Error {
  constructor(status, body) {
    super(body?.message || body?.error || `HTTP ${status}`);
    this.status = status;
    this.body = body;
  }
}

export async function api(path, { method = "GET", body, headers = {} } = {}) {
  const h = { Accept: "application/json", ...headers };
  if (method !== "GET" && session.csrf) h["X-CSRF-Token"] = session.csrf;
  if (path.startsWith("/api/elasticity") && session.tenant) h["X-Tenant-Id"] = session.tenant;
  if (body !== undefined) h["Content-Type"] = "application/json";
  const res = await fetch(path, { method, headers: h, body: body === undefined ? undefined : JSON.stringify(body), credentials: "same-origin" });
  const text = await res.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { message: text };
  }
  if (!res.ok) throw new ApiFailure(res.status, data);
  return data;
}

/** The session the page was served with (GET /console embeds it when the cookie is live). */
export function pageSession() {
  const meta = document.querySelector('meta[name="scalegate-session"]');
  if (!meta) return false;
  try {
    const s = JSON.parse(meta.content);
    Object.assign(session, { tenant: s.tenant, csrf: s.csrf, tokenId: s.tokenId, expiresAt: s.expiresAt });
    meta.remove(); // read once: a later sign-in or sign-out must not be overridden by it
    return true;
  } catch {
    return false;
  }
}

/** Asks the server (after the feed dropped): 401 means the session ended. */
export async function loadSession() {
  try {
    const s = await api("/console/session");
    Object.assign(session, { tenant: s.tenant_id, csrf: s.csrf_token, tokenId: s.token_id, expiresAt: s.expires_at });
    return true;
  } catch (e) {
    if (e.status === 401) return false;
    throw e;
  }
}

export async function signIn(token) {
  const s = await api("/console/session", { method: "POST", body: { token } });
  Object.assign(session, { tenant: s.tenant_id, csrf: s.csrf_token, tokenId: s.token_id, expiresAt: s.expires_at });
}

export async function signOut() {
  await api("/console/session", { method: "DELETE" });
  Object.assign(session, { tenant: null, csrf: null, tokenId: null, expiresAt: null });
}

/** A random id for Idempotency-Key and X-Orch-Action-Id. */
export const randomId = (prefix) => `${prefix}-${crypto.getRandomValues(new Uint32Array(2)).join("")}`;

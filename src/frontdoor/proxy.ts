// The streaming proxy of the front door (issue 11): the request goes to a member's address as it
// came — method, path, query, headers, body as a stream (never buffered, no API body limit) —
// minus the hop-by-hop headers, plus X-Forwarded-For/-Proto/-Host; the answer comes back the same
// way. WebSocket upgrades pass through (the upstream's 101 and its socket are handed back). An
// upstream that refuses is reported as `refused`, one that sends no answer head within the
// timeout as `timeout`: the caller answers 502 / 504 (./errors.ts), never 500.

/** RFC 9110 §7.6.1 hop-by-hop headers, plus the non-standard ones proxies know. */
const HOP_BY_HOP = ["connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade"];

export const isWebSocket = (request: Request) => (request.headers.get("upgrade") ?? "").toLowerCase() === "websocket";

/** Headers named by `Connection` are hop-by-hop too. */
function dropHopByHop(headers: Headers, keepUpgrade: boolean): void {
  const listed = (headers.get("connection") ?? "")
    .split(",")
    .map((h) => h.trim().toLowerCase())
    .filter(Boolean);
  for (const h of [...HOP_BY_HOP, ...listed]) {
    if (keepUpgrade && (h === "upgrade" || h === "connection")) continue;
    headers.delete(h);
  }
}

/** The headers the upstream receives. `cf-connecting-ip` is the client's address at the edge. */
export function upstreamHeaders(request: Request, scheme: "http" | "https"): Headers {
  const headers = new Headers(request.headers);
  const ws = isWebSocket(request);
  dropHopByHop(headers, ws);
  if (ws) {
    headers.set("upgrade", "websocket");
    headers.set("connection", "Upgrade");
  }
  const host = request.headers.get("host") ?? new URL(request.url).host;
  headers.delete("host");
  const client = request.headers.get("cf-connecting-ip");
  const prior = request.headers.get("x-forwarded-for");
  if (client) headers.set("x-forwarded-for", prior ? `${prior}, ${client}` : client);
  headers.set("x-forwarded-proto", scheme);
  headers.set("x-forwarded-host", host);
  return headers;
}

export type Forwarded =
  | { ok: true; response: Response }
  | { ok: false; kind: "refused" | "timeout"; message: string };

export interface Target {
  address: string;
  port: number;
}

/** Answers up to this size (with a Content-Length) are not watched to their end for in-flight counting. */
const SMALL_BODY_BYTES = 64 * 1024;

const hostPart = (address: string) => (address.includes(":") ? `[${address}]` : address);

/**
 * Whether the request's time in flight lasts until the answer's body has been passed on, rather
 * than ending with its head. Watching a body means piping it through a stream of ours, which on
 * a short answer costs more than the rest of the proxying (docs/benchmarks.md, run H: 0.47 of
 * `/healthz` watched, 0.65 passed on natively). So only what can last is watched: an answer
 * larger than SMALL_BODY_BYTES, a server-sent event stream, and — when the group limits requests
 * per member (`max_concurrency`, where the count decides who gets the next request) — every
 * answer of unknown length. An answer of unknown length otherwise counts as ended with its head,
 * like a small one; docs/decisions.md.
 */
export function watchesBody(res: Response, limitsConcurrency: boolean): boolean {
  const length = Number(res.headers.get("content-length") ?? NaN);
  if (Number.isSafeInteger(length) && length >= 0) return length > SMALL_BODY_BYTES;
  if (limitsConcurrency) return true;
  return (res.headers.get("content-type") ?? "").toLowerCase().startsWith("text/event-stream");
}

/**
 * Sends the request to the member and waits for the answer's head (at most `timeoutMs`); the
 * body then streams without a deadline. `onDone` runs once the answer's body has been passed on
 * completely (or failed, or was cancelled by the client) when it is watched (`watchesBody`), and
 * with the head otherwise: in-flight counting ends there.
 */
export async function forward(
  request: Request,
  target: Target,
  scheme: "http" | "https",
  timeoutMs: number,
  onDone: () => void,
  waitUntil: (p: Promise<unknown>) => void,
  limitsConcurrency: boolean,
): Promise<Forwarded> {
  const url = new URL(request.url);
  const upstream = `http://${hostPart(target.address)}:${target.port}${url.pathname}${url.search}`;
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  let res: Response;
  try {
    res = await fetch(upstream, {
      method: request.method,
      headers: upstreamHeaders(request, scheme),
      body: request.method === "GET" || request.method === "HEAD" ? null : request.body,
      redirect: "manual",
      signal: abort.signal,
    });
  } catch (err) {
    onDone();
    if (abort.signal.aborted) return { ok: false, kind: "timeout", message: `no answer within ${timeoutMs} ms` };
    return { ok: false, kind: "refused", message: String(err instanceof Error ? err.message : err).slice(0, 200) };
  } finally {
    clearTimeout(timer);
  }
  if (res.status === 101 || res.webSocket) {
    // The socket lives on; its requests are not counted in flight (a long-lived connection).
    onDone();
    return { ok: true, response: res };
  }
  const headers = new Headers(res.headers);
  dropHopByHop(headers, false);
  if (!res.body) {
    onDone();
    return { ok: true, response: new Response(null, { status: res.status, statusText: res.statusText, headers }) };
  }
  if (!watchesBody(res, limitsConcurrency)) {
    // Passed on as it is (natively, as it comes): its time in flight ends with its head.
    onDone();
    return { ok: true, response: new Response(res.body, { status: res.status, statusText: res.statusText, headers }) };
  }
  // A native pass-through we watch: the body streams as it comes; its end (or the client going
  // away) ends the request's time in flight.
  const length = Number(res.headers.get("content-length") ?? NaN);
  const pass = Number.isSafeInteger(length) && length >= 0 ? new FixedLengthStream(length) : new IdentityTransformStream();
  waitUntil(res.body.pipeTo(pass.writable).catch(() => undefined).finally(onDone));
  return { ok: true, response: new Response(pass.readable, { status: res.status, statusText: res.statusText, headers }) };
}

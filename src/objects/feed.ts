// The console's live feed: one Durable Object per tenant (binding FEEDS, `<tenant>`), not one per
// group, because the console's groups table spans every object of the tenant and one socket per
// tab is what a browser should hold (docs/decisions.md, "Console"). Target objects call
// `publish` after each commit (src/console/publish.ts, fire-and-forget); the feed forwards the
// event to every open console socket and keeps a short history of each group's counts for the
// group chart. Sockets use the Hibernation API (ctx.acceptWebSocket): an idle console holds no
// isolate in memory, and the ping/pong keep-alive is answered by the runtime without waking it.
import { DurableObject } from "cloudflare:workers";
import type { Env } from "../env";
import type { GroupCounts, SamplePoint } from "../domain/console";

/** What an object publishes after a commit. */
export interface FeedEvent {
  target: { kind: string; id: string };
  /** When the change committed (ms). */
  at: number;
  /** Ledger record types the commit wrote (empty for a change without a record: a machine step). */
  types: string[];
  /** A group's counts after the change (groups only). */
  counts?: GroupCounts | null;
  /** The group's last metric sample, when it has autoscale. */
  cpu?: number | null;
  /** The group was deleted by this commit. */
  deleted?: boolean;
}

/** Headers the Worker sets on the upgrade it forwards (never the browser's own). */
export const FEED_TOKEN_HEADER = "X-Scalegate-Feed-Token";
export const FEED_EXPIRES_HEADER = "X-Scalegate-Feed-Expires";
/** Close code of a socket whose session ended (expired or revoked): the page signs in again. */
export const SESSION_ENDED = 4001;

interface SocketOwner {
  /** The token the socket was opened with (a session's, or a bearer client's). */
  tokenId: string | null;
  /** When the session expires (ms); null: no session. */
  expiresAt: number | null;
}

/** History kept per group for the chart. */
export const SAMPLE_RETENTION_MS = 24 * 3_600_000;
/** At most this many points per group are answered (the newest). */
export const SERIES_LIMIT = 2_000;

export class ConsoleFeed extends DurableObject<Env> {
  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    ctx.blockConcurrencyWhile(async () => {
      ctx.storage.sql.exec(
        `CREATE TABLE IF NOT EXISTS samples (grp TEXT NOT NULL, at INTEGER NOT NULL, desired INTEGER NOT NULL, running INTEGER NOT NULL, starting INTEGER NOT NULL, draining INTEGER NOT NULL, cpu REAL)`,
      );
      ctx.storage.sql.exec(`CREATE INDEX IF NOT EXISTS samples_grp_at ON samples (grp, at)`);
    });
    // Keep-alive without waking the object (browsers' sockets die on idle proxies otherwise).
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  /** A console socket (the Worker checked the session and the Upgrade header: src/console/api.ts). */
  override async fetch(request: Request): Promise<Response> {
    if (request.headers.get("Upgrade")?.toLowerCase() !== "websocket") return new Response("expected a WebSocket upgrade", { status: 426 });
    const pair = new WebSocketPair();
    const [client, server] = Object.values(pair);
    this.ctx.acceptWebSocket(server);
    // Whose socket it is (set by the Worker, src/console/api.ts): an expired session's socket is
    // closed at the next event, a revoked token's at once (endSessions).
    const expiresAt = Number(request.headers.get(FEED_EXPIRES_HEADER)) || null;
    server.serializeAttachment({ tokenId: request.headers.get(FEED_TOKEN_HEADER) || null, expiresAt } satisfies SocketOwner);
    server.send(JSON.stringify({ type: "hello", at: Date.now() }));
    return new Response(null, { status: 101, webSocket: client });
  }

  /** Forwards a change to every open console of the tenant; stores a group's counts. Never throws. */
  async publish(event: FeedEvent): Promise<{ ok: true; delivered: number }> {
    try {
      if (event.target.kind === "group" && event.counts) this.#store(event.target.id, event.at, event.counts, event.cpu ?? null);
    } catch (err) {
      console.warn("console feed: sample not stored", String(err));
    }
    const text = JSON.stringify({ type: "change", ...event });
    let delivered = 0;
    const now = Date.now();
    for (const ws of this.ctx.getWebSockets()) {
      try {
        const owner = ws.deserializeAttachment() as SocketOwner | null;
        if (owner?.expiresAt && owner.expiresAt <= now) {
          ws.close(SESSION_ENDED, "session expired: sign in again");
          continue;
        }
        ws.send(text);
        delivered++;
      } catch {
        /* a socket closing meanwhile: its close handler cleans up */
      }
    }
    return { ok: true, delivered };
  }

  /** A group's stored points since `since` (ms), oldest first, at most SERIES_LIMIT (the newest). */
  async series(group: string, since: number): Promise<{ ok: true; points: SamplePoint[] }> {
    const rows = this.ctx.storage.sql
      .exec<{ at: number; desired: number; running: number; starting: number; draining: number; cpu: number | null }>(
        `SELECT at, desired, running, starting, draining, cpu FROM samples WHERE grp = ? AND at >= ? ORDER BY at DESC LIMIT ?`,
        group,
        since,
        SERIES_LIMIT,
      )
      .toArray();
    return { ok: true, points: rows.reverse().map((r) => ({ ...r })) };
  }

  /** Closes the sockets of a revoked token's sessions (src/surfaces/admin.ts, on revocation). */
  async endSessions(tokenId: string): Promise<{ ok: true; closed: number }> {
    let closed = 0;
    for (const ws of this.ctx.getWebSockets()) {
      if ((ws.deserializeAttachment() as SocketOwner | null)?.tokenId !== tokenId) continue;
      try {
        ws.close(SESSION_ENDED, "the session's token was revoked: sign in again");
        closed++;
      } catch {
        /* already closing */
      }
    }
    return { ok: true, closed };
  }

  /** How many console sockets are open (tests, and a cheap health view). */
  async sockets(): Promise<{ ok: true; open: number }> {
    return { ok: true, open: this.ctx.getWebSockets().length };
  }

  /** A point only when something changed since the group's last one (timers fire often). */
  #store(group: string, at: number, c: GroupCounts, cpu: number | null): void {
    const last = this.ctx.storage.sql
      .exec<{ desired: number; running: number; starting: number; draining: number; cpu: number | null }>(`SELECT desired, running, starting, draining, cpu FROM samples WHERE grp = ? ORDER BY at DESC LIMIT 1`, group)
      .toArray()[0];
    if (last && last.desired === c.desired && last.running === c.running && last.starting === c.starting && last.draining === c.draining && last.cpu === cpu) return;
    this.ctx.storage.sql.exec(`INSERT INTO samples (grp, at, desired, running, starting, draining, cpu) VALUES (?, ?, ?, ?, ?, ?, ?)`, group, at, c.desired, c.running, c.starting, c.draining, cpu);
    this.ctx.storage.sql.exec(`DELETE FROM samples WHERE grp = ? AND at < ?`, group, at - SAMPLE_RETENTION_MS);
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    // The console sends nothing but the auto-answered ping; anything else is answered, not acted on.
    if (message !== "ping") ws.send(JSON.stringify({ type: "error", message: "this feed only sends; send 'ping' to keep it open" }));
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "closed");
    } catch {
      /* already closed */
    }
  }

  override async webSocketError(): Promise<void> {
    /* the runtime closes the socket; nothing is kept per socket */
  }
}

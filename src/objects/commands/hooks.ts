// Inbound scale triggers (docs/webhooks.md). The hook's own object (`<tenant>:hook:<id>`) keeps
// its definition, its secrets (current and, during a rotation's grace period, previous), the
// signatures it has seen, its dedup records and the time of its last action — in DO storage, not
// in the D1 ledger. A delivery is authenticated and deduplicated here, then acts on the group
// through the group's `applyTrigger` command, which records the scale operation naming the hook
// and the alert.
import type { Env } from "../../env";
import type { HookRow } from "../../db/registry";
import { DEDUP_RETENTION_MS, SECRET_GRACE_MS, alertDedupKey, lastActionAfterActing, planDelivery, type DeliveryResult, type HookDefinition, type HookEvent, type HookView } from "../../domain/hooks";
import { fail, objectName, type CommandContext, type CommandResult, type Result } from "../../domain/operations";
import { parseSignature, verify } from "../../domain/signature";
import { SIGNATURE_TOLERANCE_SEC } from "../../domain/hooks";
import { timingSafeEqualStrings } from "../../auth/tokens";
import { IdempotencyStore, type Claim } from "../idempotency";
import type { ObjectKernel } from "../kernel";
import type { Trigger } from "./trigger";

export { applyTrigger, type Trigger } from "./trigger";

export type { HookDefinition, HookView } from "../../domain/hooks";

interface HookDoc extends HookDefinition {
  createdAt: number;
  updatedAt: number;
  secret: string;
  previous: { secret: string; expiresAt: number } | null;
  lastActionAt: number | null;
}

const DOC = "hook";
const DDL = [
  `CREATE TABLE IF NOT EXISTS hook_seen (sig TEXT PRIMARY KEY, expires_at INTEGER NOT NULL)`,
  `CREATE TABLE IF NOT EXISTS hook_dedup (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires_at INTEGER NOT NULL)`,
];

function view(d: HookDoc, now: number): HookView {
  const { secret: _s, previous, ...rest } = d;
  return { ...rest, previousSecretExpiresAt: previous && previous.expiresAt > now ? previous.expiresAt : null };
}

/** The hook's D1 registry row (written through the outbox: ../records.ts). */
const registryRow = (d: HookDoc, deletedAt: number | null): Omit<HookRow, "version" | "updatedAt"> => ({
  id: d.id, tenantId: d.tenantId, groupName: d.group, name: d.name, format: d.format, action: JSON.stringify(d.action),
  resolved: d.resolved ? JSON.stringify(d.resolved) : null, minIntervalSeconds: d.minIntervalSeconds, createdAt: d.createdAt, deletedAt,
});

function newSecret(): string {
  let s = "";
  for (const b of crypto.getRandomValues(new Uint8Array(32))) s += String.fromCharCode(b);
  return `whsec_${btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "")}`;
}

export interface DeliveryInput {
  /** The body's bytes exactly as received: what the signature covers. */
  raw: Uint8Array;
  signature: string | null;
  authorization: string | null;
  deliveryId: string | null;
  requestId: string;
  /** The body as the route parsed it (its verdict is given only after authentication). */
  parsed: { ok: true; events: HookEvent[] } | { ok: false; field: string; message: string };
}

export type DeliveryAnswer =
  | { ok: true; status: 200 | 202; body: DeliveryBody; replayed: boolean }
  | { ok: false; status: 400 | 401 | 404 | 409; code: "INVALID_ARGUMENT" | "UNAUTHORIZED" | "NOT_FOUND" | "CONFLICT"; message: string; detail?: string; field?: string };

export type { DeliveryResult } from "../../domain/hooks";
export interface DeliveryBody {
  hook_id: string;
  delivery_id: string;
  operation_id: string | null;
  results: DeliveryResult[];
}

const deny = (message: string): DeliveryAnswer => ({ ok: false, status: 401, code: "UNAUTHORIZED", message: "delivery not authenticated", detail: message });

export class HookDesk {
  constructor(
    private readonly storage: DurableObjectStorage,
    private readonly k: ObjectKernel,
    private readonly env: Env,
  ) {}

  #doc = () => this.k.store.getDoc<HookDoc>(DOC);
  #ddl = () => DDL.forEach((d) => this.storage.sql.exec(d));
  #ctx = (d: HookDefinition, requestId: string, deliveryId: string | null = null): CommandContext => ({
    tenantId: d.tenantId, group: d.id, targetKind: "hook", dialect: "hooks", requestId, idempotencyKey: deliveryId,
  });

  get(): Result<{ hook: HookView }> {
    const d = this.#doc();
    return d ? { ok: true, hook: view(d, Date.now()) } : fail("HOOK_NOT_FOUND", "hook not found");
  }

  async create(ctx: CommandContext, def: HookDefinition): Promise<CommandResult<{ hook: HookView; secret: string }>> {
    const secret = newSecret();
    const r = await this.k.command(ctx, "hook.create", def, (tx) => {
      if (this.#doc()) return fail("ALREADY_EXISTS", `hook ${def.id} exists`);
      const doc: HookDoc = { ...def, createdAt: tx.now, updatedAt: tx.now, secret, previous: null, lastActionAt: null };
      tx.store.putDoc(DOC, doc);
      tx.hookRegistry(registryRow(doc, null));
      tx.op("hook.create", { request: def, result: { id: def.id } });
      return { ok: true, hook: view(doc, tx.now), secret };
    }, { creates: true });
    if (!r.ok) return r;
    // The registry row is what lets a delivery to /hooks/{id} find this hook: the create stands only
    // once D1 has it. If the push failed, the create is undone here (its pending row becomes a
    // deletion, pushed later like any record) and the caller retries.
    if (this.k.outbox.has("hook", def.id)) {
      this.k.commit(() => {
        const tx = this.k.tx(Date.now(), ctx);
        const doc = this.#doc();
        if (!doc) return;
        tx.store.dropDoc(DOC);
        tx.hookRegistry(registryRow(doc, tx.now));
        tx.op("hook.delete", { result: { id: def.id }, cause: "the hook registry was unreachable: the create is undone" });
      });
      return fail("UNAVAILABLE", "the hook registry is unavailable");
    }
    return r;
  }

  async rotate(ctx: CommandContext): Promise<CommandResult<{ hook: HookView; secret: string }>> {
    const secret = newSecret();
    return this.k.command(ctx, "hook.rotate_secret", {}, (tx) => {
      const d = this.#doc();
      if (!d) return fail("HOOK_NOT_FOUND", "hook not found");
      const expiresAt = tx.now + SECRET_GRACE_MS;
      const doc: HookDoc = { ...d, secret, previous: { secret: d.secret, expiresAt }, updatedAt: tx.now };
      tx.store.putDoc(DOC, doc);
      tx.op("hook.rotate_secret", { result: { previous_secret_expires_at: new Date(expiresAt).toISOString() } });
      return { ok: true, hook: view(doc, tx.now), secret };
    }, { creates: true });
  }

  async delete(ctx: CommandContext): Promise<CommandResult<{ id: string }>> {
    this.#ddl();
    const r = await this.k.command(ctx, "hook.delete", {}, (tx) => {
      const doc = this.#doc();
      if (!doc) return fail("HOOK_NOT_FOUND", "hook not found");
      tx.store.dropDoc(DOC);
      tx.hookRegistry(registryRow(doc, tx.now));
      this.storage.sql.exec(`DELETE FROM hook_seen`);
      this.storage.sql.exec(`DELETE FROM hook_dedup`);
      tx.op("hook.delete", { result: { id: ctx.group } });
      return { ok: true, id: ctx.group };
    }, { creates: true });
    return r;
  }

  #dedup(key: string): unknown {
    const row = this.storage.sql.exec<{ value: string }>(`SELECT value FROM hook_dedup WHERE key = ?`, key).toArray()[0];
    return row ? JSON.parse(row.value) : null;
  }
  #remember(key: string, value: unknown, now: number): void {
    this.storage.sql.exec(`INSERT OR REPLACE INTO hook_dedup (key, value, expires_at) VALUES (?, ?, ?)`, key, JSON.stringify(value), now + DEDUP_RETENTION_MS);
  }
  #forget = (key: string) => this.storage.sql.exec(`DELETE FROM hook_dedup WHERE key = ?`, key);

  /** Authenticates: a signature (checked alone when present) or the bearer secret. */
  async #authenticate(d: HookDoc, input: DeliveryInput, now: number): Promise<{ ok: true; via: "signature" | "bearer"; sig: string | null; t: number } | DeliveryAnswer> {
    const secrets = [d.secret, ...(d.previous && d.previous.expiresAt > now ? [d.previous.secret] : [])];
    if (input.signature !== null) {
      const p = parseSignature(input.signature);
      if (!p) return deny("malformed Scalegate-Signature header: expected t=<unix seconds>,v1=<hex HMAC-SHA256>");
      if (Math.abs(now / 1000 - p.t) > SIGNATURE_TOLERANCE_SEC) return deny(`stale signature: t is more than ${SIGNATURE_TOLERANCE_SEC} s from now`);
      for (const v of p.v1) {
        // One v1 at a time, so the replay record names the entry that matched (an extra bogus entry cannot make a replay look new).
        if ((await verify(secrets, `t=${p.t},v1=${v}`, input.raw, now, SIGNATURE_TOLERANCE_SEC)).ok) return { ok: true, via: "signature", sig: `${p.t}.${v.toLowerCase()}`, t: p.t };
      }
      return deny("signature does not match this hook's secret");
    }
    const m = input.authorization ? /^Bearer\s+(\S+)\s*$/i.exec(input.authorization) : null;
    if (!m) return deny("unsigned delivery: send Scalegate-Signature or Authorization: Bearer <hook secret>");
    let match = false;
    for (const s of secrets) if (await timingSafeEqualStrings(m[1], s)) match = true;
    return match ? { ok: true, via: "bearer", sig: null, t: 0 } : deny("bearer secret does not match this hook's secret");
  }

  async deliver(input: DeliveryInput): Promise<DeliveryAnswer> {
    this.#ddl();
    const now = Date.now();
    const first = this.#doc();
    if (!first) return { ok: false, status: 404, code: "NOT_FOUND", message: "hook not found" };
    const auth = await this.#authenticate(first, input, now);
    if (!("via" in auth)) return auth;
    // From here to the group calls nothing awaits: checks and claims are atomic in this object.
    const d = this.#doc();
    if (!d) return { ok: false, status: 404, code: "NOT_FOUND", message: "hook not found" };
    this.storage.sql.exec(`DELETE FROM hook_seen WHERE expires_at <= ?`, now);
    this.storage.sql.exec(`DELETE FROM hook_dedup WHERE expires_at <= ?`, now);
    if (auth.sig && this.storage.sql.exec(`SELECT 1 FROM hook_seen WHERE sig = ?`, auth.sig).toArray().length) return deny("replayed signature: this t and v1 were already delivered");
    // A refused payload changes nothing, its signature not remembered either (found by test/fuzz-hooks.test.ts).
    if (!input.parsed.ok) return { ok: false, status: 400, code: "INVALID_ARGUMENT", message: input.parsed.message, field: input.parsed.field };
    if (auth.sig) this.storage.sql.exec(`INSERT INTO hook_seen (sig, expires_at) VALUES (?, ?)`, auth.sig, (auth.t + SIGNATURE_TOLERANCE_SEC + 1) * 1000);
    // A delivery id is an idempotency key (the kernel's one mechanism): in flight is known in memory
    // only — an eviction during the group call leaves nothing behind, the next attempt runs — and a
    // completed delivery is stored with its answer, in the same transaction as its record.
    const begun = input.deliveryId ? this.k.idempotency.begin(IdempotencyStore.scope("hook.delivery", d.id, input.deliveryId), null, now) : null;
    if (begun?.state === "in-flight") return { ok: false, status: 409, code: "CONFLICT", message: `delivery '${input.deliveryId}' is still being processed`, detail: "retry shortly" };
    if (begun?.state === "replay") return { ok: true, status: 200, body: (begun.response as { body: DeliveryBody }).body, replayed: true };
    const claim = begun?.state === "new" ? begun.claim : null;
    try {
      return await this.#act(d, input, input.parsed.events, auth.via, claim, now);
    } finally {
      this.k.idempotency.abandon(claim); // a no-op once completed
    }
  }

  /** Plans every event (dedup, interval: src/domain/hooks.ts planDelivery) synchronously, then acts on the group and records the delivery. */
  async #act(d: HookDoc, input: DeliveryInput, events: HookEvent[], via: "signature" | "bearer", claim: Claim | null, now: number): Promise<DeliveryAnswer> {
    const priors = new Map<string, DeliveryResult>();
    for (const ev of events) {
      const key = ev.alert ? alertDedupKey(ev.alert) : null;
      const prior = key ? (this.#dedup(key) as DeliveryResult | null) : null;
      if (key && prior) priors.set(key, prior);
    }
    const planned = planDelivery({ events, priors, lastActionAt: d.lastActionAt, minIntervalSeconds: d.minIntervalSeconds, now, newOperationId: () => this.k.store.newOperationId() });
    const results = planned.results;
    for (const { key, result } of planned.remember) this.#remember(key, result, now);
    if (planned.lastActionAt !== d.lastActionAt) this.k.store.putDoc(DOC, { ...d, lastActionAt: planned.lastActionAt });

    const group = this.env.GROUPS.get(this.env.GROUPS.idFromName(objectName(d.tenantId, "group", d.group)));
    let acted = 0;
    for (const { event: ev, result: r, key: aKey } of planned.acts) {
      const gctx: CommandContext = { tenantId: d.tenantId, group: d.group, dialect: "hooks", requestId: input.requestId };
      const t: Trigger = { operationId: r.operation_id!, hook: { id: d.id, name: d.name }, alert: ev.alert, deliveryId: input.deliveryId, action: ev.action!, source: ev.source, cpu: ev.cpu };
      const out = await group.applyTrigger(gctx, t).catch((err: unknown) => fail("UNAVAILABLE", String(err)));
      if (out.ok) {
        acted++;
        r.desired_size = out.desiredSize;
        if (aKey) this.#remember(aKey, r, now);
      } else {
        Object.assign(r, { outcome: "failed", operation_id: null, reason: `group '${d.group}': ${out.message}` });
        if (aKey) this.#forget(aKey); // not acted: a retry of this alert may act
      }
    }
    const cur = this.#doc();
    if (cur) {
      const last = lastActionAfterActing(d.lastActionAt, cur.lastActionAt, planned.acts.length, acted, now);
      if (last !== cur.lastActionAt) this.k.store.putDoc(DOC, { ...cur, lastActionAt: last });
    }

    const allFailed = results.length > 0 && results.every((r) => r.outcome === "failed");
    let deliveryId = "";
    let body: DeliveryBody | null = null;
    this.k.commit(() => {
      const tx = this.k.tx(now, this.#ctx(d, input.requestId, input.deliveryId));
      deliveryId = tx.op("hook.delivery", {
        request: { format: d.format, auth: via, delivery_id: input.deliveryId, alerts: events.map((e) => e.alert).filter(Boolean) },
        result: { results },
        status: allFailed ? "failed" : "succeeded",
        ...(allFailed ? { reasonCode: "TRIGGER_FAILED", reasonMessage: results[0].reason } : {}),
      }).id;
      body = { hook_id: d.id, delivery_id: deliveryId, operation_id: results.find((r) => r.outcome === "acted")?.operation_id ?? null, results };
      // A delivery whose every trigger failed is not remembered: a retry of it may act.
      if (claim && !allFailed) this.k.complete(claim, { body }, now);
    });
    await this.k.flush();
    if (allFailed) return { ok: false, status: 409, code: "CONFLICT", message: results[0].reason ?? "the trigger failed", detail: `delivery ${deliveryId}` };
    const duplicate = results.every((r) => r.duplicate);
    return { ok: true, status: duplicate ? 200 : 202, body: body!, replayed: duplicate };
  }
}

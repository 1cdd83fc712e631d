// Support for the inbound scale-trigger suites (test/hooks-*.test.ts): a tenant with a pool and a
// hook, deliveries signed or with the bearer secret, the pool's desired size and ledger, and the
// hook object's own records.
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { sign } from "../src/domain/signature";
import { call, client, objectStub, settle, tenantToken, type Call } from "./helpers";

let counter = 0;
export const uniq = (prefix: string) => `${prefix}-${++counter}`;

/** Machines that never move on their own during a test. */
export const SLOW = { provider: { type: "simulated", requestDelayMs: 600_000, bootDelayMs: 600_000, terminateDelayMs: 600_000 }, updatePeriodSeconds: 3600 };

export interface HookFixture {
  tenant: string;
  token: string;
  api: ReturnType<typeof client>;
  pool: string;
  id: string;
  secret: string;
  created: Call;
}

/** A tenant, a pool at `size`, and a hook on it (`hook` is merged into the creation body). */
export async function hookFixture(prefix: string, hook: Record<string, unknown> = {}, size = 2): Promise<HookFixture> {
  const tenant = uniq(`${prefix}-t`);
  const pool = uniq(`${prefix}-pool`);
  const { token } = await tenantToken(tenant);
  const api = client(token);
  expect((await api.post(`/cloudpools/${pool}/config`, SLOW)).status).toBe(200);
  expect((await api.post(`/cloudpools/${pool}/pool/size`, { desiredSize: size })).status).toBe(200);
  const created = await api.post("/hooks", { name: `${prefix} hook`, group: pool, format: "generic", action: { type: "change", value: 1 }, ...hook });
  expect(created.status, created.text).toBe(201);
  return { tenant, token, api, pool, id: created.body.id, secret: created.body.secret, created };
}

/** Sends `body` (an object or the exact text) to the hook, signed at `t` (default now) with `secret`. */
export async function deliverSigned(id: string, secret: string, body: unknown, opts: { t?: number; headers?: Record<string, string> } = {}): Promise<Call & { signature: string; raw: string }> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  const signature = await sign(secret, raw, opts.t ?? Math.floor(Date.now() / 1000));
  const r = await call("POST", `/hooks/${id}`, { raw, headers: { "Content-Type": "application/json", "Scalegate-Signature": signature, ...opts.headers } });
  return { ...r, signature, raw };
}

/** Sends `body` with `Authorization: Bearer <secret>` (what Alertmanager and Grafana send). */
export async function deliverBearer(id: string, secret: string, body: unknown, headers: Record<string, string> = {}): Promise<Call> {
  const raw = typeof body === "string" ? body : JSON.stringify(body);
  return call("POST", `/hooks/${id}`, { raw, headers: { "Content-Type": "application/json", Authorization: `Bearer ${secret}`, ...headers } });
}

export async function desired(f: { api: HookFixture["api"]; pool: string }): Promise<number> {
  const r = await f.api.get(`/cloudpools/${f.pool}/pool/size`);
  expect(r.status).toBe(200);
  return r.body.desiredSize;
}

export interface Row {
  id: string;
  type: string;
  status: string;
  dialect: string;
  target_kind: string;
  target_id: string;
  request: string | null;
  result: string | null;
  cause: string | null;
}

/** Every ledger row of a target (group or hook), in order. */
export async function rows(tenant: string, kind: "group" | "hook", id: string): Promise<Row[]> {
  await settle(objectStub(tenant, kind, id));
  const r = await env.DB.prepare(`SELECT id, type, status, dialect, target_kind, target_id, request, result, cause FROM operations WHERE tenant_id = ? AND target_kind = ? AND target_id = ? ORDER BY seq`)
    .bind(tenant, kind, id)
    .all<Row>();
  return r.results;
}

/** The ledger rows of type `hook.trigger` on the pool. */
export const triggers = async (f: { tenant: string; pool: string }) => (await rows(f.tenant, "group", f.pool)).filter((r) => r.type === "hook.trigger");

/** An Alertmanager webhook v4 payload. */
export function amPayload(alerts: { status: "firing" | "resolved"; fingerprint?: string; startsAt?: string; name?: string; labels?: Record<string, string>; annotations?: Record<string, string> }[]) {
  const status = alerts.some((a) => a.status === "firing") ? "firing" : "resolved";
  return {
    version: "4",
    groupKey: '{}:{alertname="HighCPU"}',
    truncatedAlerts: 0,
    status,
    receiver: "scalegate",
    groupLabels: { alertname: "HighCPU" },
    commonLabels: {},
    commonAnnotations: {},
    externalURL: "http://alertmanager:9093",
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: a.name ?? "HighCPU", instance: "web-1", ...a.labels },
      annotations: { summary: "cpu high", ...a.annotations },
      startsAt: a.startsAt ?? "2026-11-22T09:00:00Z",
      endsAt: a.status === "resolved" ? "2026-11-22T09:30:00Z" : "0001-01-01T00:00:00Z",
      generatorURL: "http://prometheus:9090/graph",
      fingerprint: a.fingerprint ?? "c0ffee0000000001",
    })),
  };
}

/** A Grafana alerting (unified) webhook payload. */
export function grafanaPayload(alerts: { status: "firing" | "resolved"; fingerprint?: string; startsAt?: string; values?: Record<string, number>; annotations?: Record<string, string> }[]) {
  return {
    receiver: "scalegate",
    status: alerts.some((a) => a.status === "firing") ? "firing" : "resolved",
    orgId: 1,
    alerts: alerts.map((a) => ({
      status: a.status,
      labels: { alertname: "GrafanaHighCPU", grafana_folder: "infra" },
      annotations: { ...a.annotations },
      startsAt: a.startsAt ?? "2026-11-22T09:00:00Z",
      endsAt: "0001-01-01T00:00:00Z",
      generatorURL: "http://grafana/alerting/grafana/abc/view",
      fingerprint: a.fingerprint ?? "57c6d9296de2ad39",
      silenceURL: "http://grafana/alerting/silence/new",
      dashboardURL: "",
      panelURL: "",
      values: a.values ?? { A: 91.5, B: 1 },
      valueString: "[ var='A' labels={} value=91.5 ]",
    })),
    groupLabels: { alertname: "GrafanaHighCPU" },
    commonLabels: { alertname: "GrafanaHighCPU" },
    commonAnnotations: {},
    externalURL: "http://grafana/",
    version: "1",
    groupKey: '{}:{alertname="GrafanaHighCPU"}',
    truncatedAlerts: 0,
    title: "[FIRING:1] GrafanaHighCPU",
    state: "alerting",
    message: "**Firing**",
  };
}

// Support for the webhook provider suites: the real receiver started by
// test/webhook-receiver.global.mjs (one key per test), tenants with webhook pools, polling.
import { inject } from "vitest";
import { client, tenantToken } from "./helpers";

declare module "vitest" {
  export interface ProvidedContext {
    receiverUrl: string;
  }
}

export const SECRET = "whsec_test_0123456789abcdef";

export interface Delivery {
  eventId: string | null;
  type: string | null;
  attempt: number;
  contentType: string | null;
  signature: string | null;
  verified: boolean;
  reason: string | null;
  raw: string;
  body: any;
  answered: number | "hang";
  at: number;
}

export interface PlannedAnswer {
  status?: number;
  hangMs?: number;
}

/** One test's mailbox on the receiver. */
export function receiver(key: string) {
  const base = inject("receiverUrl");
  return {
    url: `${base}/hook/${key}`,
    async configure(cfg: { secret?: string; toleranceSec?: number; plan?: PlannedAnswer[] } = {}) {
      const r = await fetch(`${base}/_control/${key}`, { method: "PUT", body: JSON.stringify({ secret: SECRET, ...cfg }) });
      if (!r.ok) throw new Error(`receiver control: ${r.status}`);
    },
    async deliveries(): Promise<Delivery[]> {
      const r = await fetch(`${base}/_control/${key}`);
      return ((await r.json()) as { deliveries: Delivery[] }).deliveries;
    },
  };
}

export async function waitFor<T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 8000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

let n = 0;
/** A fresh tenant with its receiver key and a client. */
export async function webhookTenant(prefix: string) {
  const tenant = `${prefix}-${Date.now().toString(36)}-${n++}`;
  const { token } = await tenantToken(tenant);
  const rx = receiver(tenant);
  await rx.configure();
  return { tenant, token, http: client(token), rx };
}

export const webhookProvider = (url: string, extra: Record<string, unknown> = {}) => ({ type: "webhook", url, secret: SECRET, timeoutMs: 2000, ...extra });

/** Reports machine states through the callback route. */
export const report = (http: ReturnType<typeof client>, group: string, body: unknown) => http.post(`/providers/webhook/${group}/machines`, body);

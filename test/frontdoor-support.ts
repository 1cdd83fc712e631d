// Support for the front door's Workers-runtime suites (issue 11): requests addressed to a service
// domain (SELF.fetch with that Host; the API's contract check does not apply to them), service
// groups with a domain on the simulated provider (short real delays, alarms in real time) or the
// webhook provider (the test reports the machine's address), and polling.
import { SELF, env } from "cloudflare:test";
import { expect } from "vitest";
import { call, readAnswer, tenantToken, type Call } from "./helpers";
import { waitFor } from "./webhook-support";

let n = 0;
export const uniq = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++n}`;

/** A request to the front door: `host` is the service domain (any API path may follow). */
export async function door(host: string, path = "/", init: RequestInit = {}): Promise<Call> {
  return readAnswer(await SELF.fetch(`http://${host}${path}`, init));
}

/** Polls `probe` until it gives something (the webhook suites' `waitFor`, with a longer default). */
export const until = <T>(what: string, probe: () => Promise<T | null | undefined | false>, timeoutMs = 10_000): Promise<T> => waitFor(what, probe, timeoutMs);

export interface Service {
  tenant: string;
  token: string;
  name: string;
  uuid: string;
  domain: string;
}

/** A tenant and a service group with one domain; `provider` as the create route takes it. */
export async function serviceWithDomain(prefix: string, body: Record<string, unknown> = {}): Promise<Service> {
  const tenant = uniq(prefix);
  const { token } = await tenantToken(tenant);
  const name = uniq(prefix);
  const domain = `${name}.example.test`;
  const r = await call("POST", "/v1/services", { token, body: { name, services: [{ port: 443, destination_port: 8080 }], domains: [{ name: domain }], ...body } });
  expect(r.body?.data?.service_groups?.[0]?.status, r.text).toBe("success");
  return { tenant, token, name, uuid: r.body.data.service_groups[0].uuid, domain };
}

/** Fast simulated machines (real time: the group's alarms run them). */
export const FAST = { type: "simulated", requestDelayMs: 5, bootDelayMs: 20, terminateDelayMs: 5 };

export async function instance(s: Service, name: string, extra: Record<string, unknown> = {}): Promise<any> {
  const r = await call("POST", "/v1/instances", { token: s.token, body: { name, image: "user/app:latest", service_group: { name: s.name }, ...extra } });
  expect(r.body?.data?.instances?.[0]?.status, r.text).toBe("success");
  return r.body.data.instances[0];
}

export async function machines(s: Service): Promise<any[]> {
  return (await call("GET", `/cloudpools/${s.name}/pool`, { token: s.token })).body.machines;
}

export const running = async (s: Service) => (await machines(s)).filter((m) => m.machineState === "RUNNING");

export async function autoscale(s: Service, body: Record<string, unknown>): Promise<Call> {
  return call("POST", `/v1/services/${s.uuid}/autoscale`, { token: s.token, body });
}

/** The group's ledger records of a type (D1, and what its object has not pushed yet). */
export async function records(s: Service, type: string): Promise<any[]> {
  const r = await call("GET", `/cloudpools/${s.name}/activities?limit=500`, { token: s.token });
  return r.body.activities.filter((a: any) => a.type === type);
}

export { env };

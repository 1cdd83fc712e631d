import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { advance, client, groupStub, tenantToken } from "./helpers";

describe("elastisys flow", () => {
  it("scales out and in", async () => {
    const { token } = await tenantToken("flow-a");
    const api = client(token);
    let r = await api.post("/cloudpools/web/config", {});
    expect(r.status, r.text).toBe(200);
    r = await api.post("/cloudpools/web/pool/size", { desiredSize: 3 });
    expect(r.status, r.text).toBe(200);
    r = await api.get("/cloudpools/web/pool");
    expect(r.body.machines).toHaveLength(3);
    expect(r.body.machines[0].machineState).toBe("REQUESTED");
    await advance(groupStub("flow-a", "web"), 2000);
    r = await api.get("/cloudpools/web/pool");
    expect(r.body.machines.map((m: any) => m.machineState)).toEqual(["RUNNING", "RUNNING", "RUNNING"]);
    r = await api.get("/cloudpools/web/pool/size");
    expect(r.body).toEqual({ timestamp: expect.stringMatching(/Z$/), desiredSize: 3, allocated: 3, outOfService: 0, active: 3 });
    r = await api.get("/cloudpools/web/activities");
    expect(r.status, r.text).toBe(200);
    const rows = await env.DB.prepare("SELECT type FROM operations ORDER BY seq").all();
    expect(rows.results.map((x: any) => x.type)).toEqual(["pool.configure", "pool.set_desired_size", "machine.launched"]);
    r = await api.get("/cloudpools");
    expect(r.body.pools.map((p: any) => p.name)).toEqual(["web"]);
    r = await api.postRaw("/cloudpools/web/pool/size", "{bad");
    expect(r.status).toBe(400);
    expect(r.body.message).toContain("malformed");
    r = await api.put("/cloudpools/web/pool/size", {});
    expect(r.status).toBe(405);
    expect(r.headers.get("Allow")).toBe("GET, POST");
  });
});

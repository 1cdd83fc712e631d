// A client that behaves as Quilt's SDK does on the wire (its SDK is not on the npm registry):
// - URLs are built with `new URL(path, base)`; path parameters are `encodeURIComponent`-ed;
// - every request sends `X-Api-Key`, `X-Tenant-Id`, `Accept: application/json` and
//   `Content-Type: application/json`; control writes add `Idempotency-Key` and
//   `X-Orch-Action-Id`;
// - a success is parsed as JSON only when its Content-Type says JSON (else the text is returned);
// - an error is a structured `QuiltApiError` only when `error`, `error_code` and `request_id` are
//   strings in a JSON body; anything else is a plain `QuiltHttpError` with the status and text.
// Nothing here knows Scalegate: the control routes come from the contract document.

export class QuiltHttpError extends Error {
  constructor(status, text, url) {
    super(`HTTP ${status} from ${url}: ${text.slice(0, 300)}`);
    this.name = "QuiltHttpError";
    this.status = status;
    this.text = text;
    this.url = url;
  }
}

export class QuiltApiError extends QuiltHttpError {
  constructor(status, body, url, text) {
    super(status, text, url);
    this.name = "QuiltApiError";
    this.message = `${body.error_code}: ${body.error} (request ${body.request_id}, HTTP ${status})`;
    this.error = body.error;
    this.errorCode = body.error_code;
    this.requestId = body.request_id;
    this.retryable = body.retryable === true;
    this.details = body.details;
    this.body = body;
  }
}

const isStructuredError = (b) => b !== null && typeof b === "object" && typeof b.error === "string" && typeof b.error_code === "string" && typeof b.request_id === "string";

/** `fill("/containers/{container_id}/resize", {container_id: "a b"})` → `/containers/a%20b/resize` */
export const fillPath = (template, params) =>
  template.replace(/\{(\w+)\}/g, (_m, name) => {
    if (params[name] === undefined) throw new TypeError(`missing path parameter ${name} for ${template}`);
    return encodeURIComponent(String(params[name]));
  });

export class QuiltClient {
  /** @param {{baseUrl: string, apiKey: string, tenantId: string, fetch?: typeof fetch}} opts */
  constructor({ baseUrl, apiKey, tenantId, fetch: fetchImpl = globalThis.fetch }) {
    this.baseUrl = baseUrl;
    this.apiKey = apiKey;
    this.tenantId = tenantId;
    this.fetch = fetchImpl;
    /** The last exchanges, for failure reports: {method, url, headers, body, status, contentType, text}. */
    this.log = [];
    this.contract = null;
  }

  /** One request to `new URL(path, base)`. `write` = {idempotencyKey, actionId} on control writes. */
  async request(method, path, { base = this.baseUrl, body, write } = {}) {
    const url = new URL(path, base);
    const headers = {
      Accept: "application/json",
      "Content-Type": "application/json",
      "X-Api-Key": this.apiKey,
      "X-Tenant-Id": this.tenantId,
    };
    if (write) {
      headers["Idempotency-Key"] = write.idempotencyKey;
      headers["X-Orch-Action-Id"] = write.actionId;
    }
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const entry = { method, url: url.href, headers, body: payload ?? null };
    this.log.push(entry);
    if (this.log.length > 20) this.log.shift();
    const res = await this.fetch(url, { method, headers, body: payload });
    const text = await res.text();
    const contentType = res.headers.get("content-type") ?? "";
    Object.assign(entry, { status: res.status, contentType, text, replayed: res.headers.get("idempotent-replayed") });
    const isJson = /^application\/([\w.+-]+\+)?json\b/i.test(contentType);
    let parsed = text;
    if (isJson && text.length > 0) {
      try {
        parsed = JSON.parse(text);
      } catch {
        if (res.ok) throw new QuiltHttpError(res.status, text, url.href);
        parsed = text;
      }
    }
    if (!res.ok) {
      if (isJson && isStructuredError(parsed)) throw new QuiltApiError(res.status, parsed, url.href, text);
      throw new QuiltHttpError(res.status, text, url.href);
    }
    return { data: parsed, status: res.status, replayed: entry.replayed === "true", contentType };
  }

  // ---------------------------------------------------------------------- public and reads

  health() {
    return this.request("GET", "/api/elasticity/health");
  }

  /** The control contract; remembered, its `control_base_url` and `paths` drive the writes. */
  async getContract() {
    const { data } = await this.request("GET", "/api/elasticity/control/contract");
    this.contract = data;
    return data;
  }

  getOperation(operationId) {
    return this.request("GET", fillPath("/api/elasticity/control/operations/{operation_id}", { operation_id: operationId }));
  }

  listActionOperations(actionId) {
    return this.request("GET", fillPath("/api/elasticity/control/actions/{action_id}/operations", { action_id: actionId }));
  }

  // --------------------------------------------------------- control writes, via the contract

  /** `new URL(paths[key] filled, control_base_url)`; the contract must have been read. */
  controlUrl(key, params) {
    if (!this.contract) throw new Error("read the contract first (getContract)");
    const template = this.contract.paths?.[key];
    if (typeof template !== "string") throw new Error(`the contract has no path '${key}'`);
    return { path: fillPath(template, params), base: this.contract.control_base_url };
  }

  #write(method, key, params, body, write) {
    const { path, base } = this.controlUrl(key, params);
    return this.request(method, path, { base, body, write });
  }

  resizeContainer(containerId, body, write) {
    return this.#write("POST", "resize_container", { container_id: containerId }, body, write);
  }

  setFunctionPoolTarget(functionId, body, write) {
    return this.#write("POST", "set_function_pool_target", { function_id: functionId }, body, write);
  }

  setWorkloadFunctionBinding(workloadId, body, write) {
    return this.#write("PUT", "workload_function_binding", { workload_id: workloadId }, body, write);
  }

  rotateWorkloadFunctionBinding(workloadId, body, write) {
    return this.#write("POST", "rotate_workload_function_binding", { workload_id: workloadId }, body, write);
  }

  scaleNodeGroup(group, body, write) {
    return this.#write("POST", "node_group_scale", { group }, body, write);
  }

  rollbackAction(actionId, body, write) {
    return this.#write("POST", "rollback_action", { action_id: actionId }, body, write);
  }
}

// What elastisys' Java clients (the autoscaler's cloud pool client and the splitter, both on
// Apache HttpClient 4.5 through scale.commons' AuthenticatedHttpClient) put on the wire, byte for
// byte where it matters, sent with node:http so that nothing is added:
// - request headers in HttpClient's order: Content-Length, Content-Type (only with an entity:
//   `application/json; charset=UTF-8`, ContentType.APPLICATION_JSON), Host,
//   Connection: Keep-Alive, User-Agent: Apache-HttpClient/4.5.x (Java/1.8...),
//   Accept-Encoding: gzip,deflate. HttpClient sends no Accept header of its own.
// - a POST without an entity (`attach`) has `Content-Length: 0` and no Content-Type;
// - credentials are HTTP Basic through a CredentialsProvider, which HttpClient uses
//   challenge-response: the request goes out without them; on a 401 whose WWW-Authenticate offers
//   Basic, it is sent again with `Authorization: Basic base64(user:password)`. A 401 without a
//   Basic challenge is handed to the caller (the Java client then fails with
//   HttpResponseException), so it fails here too.
// - bodies are the strings the Java code formats by hand (`{ "desiredSize": 3 }`) or Gson/Jackson
//   pretty-print; callers pass the exact text.
import http from "node:http";
import zlib from "node:zlib";

export const USER_AGENT = "Apache-HttpClient/4.5.13 (Java/1.8.0_292)";

/** One exchange on the wire: the raw request head and body, and the answer. */
function send(url, method, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method, headers, setHost: false, agent: false }, (res) => {
      const chunks = [];
      res.on("data", (c) => chunks.push(c));
      res.on("end", () => {
        let raw = Buffer.concat(chunks);
        // HttpClient's ResponseContentEncoding decompresses what it asked for.
        const enc = (res.headers["content-encoding"] ?? "").toLowerCase();
        if (enc === "gzip") raw = zlib.gunzipSync(raw);
        else if (enc === "deflate") raw = zlib.inflateSync(raw);
        resolve({ status: res.statusCode, headers: res.headers, text: raw.toString("utf8") });
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(body);
  });
}

export class HttpResponseException extends Error {
  constructor(exchange, message) {
    super(message);
    this.name = "HttpResponseException";
    this.status = exchange.status;
    this.exchange = exchange;
  }
}

/**
 * `new ApacheHttpClient({ username, password })`: a client with Basic credentials for any scope.
 * `execute(method, url, body?)` answers `{status, headers, text, json, challenged, wire}` for a
 * 2xx and throws `HttpResponseException` otherwise, like the elastisys request classes do.
 */
export class ApacheHttpClient {
  constructor({ username = "autoscaler", password, userAgent = USER_AGENT } = {}) {
    this.username = username;
    this.password = password;
    this.userAgent = userAgent;
    /** Every request as sent (head lines and body), for assertions and failure reports. */
    this.wire = [];
  }

  #headers(url, body, authorization) {
    const u = new URL(url);
    const h = [];
    if (body !== undefined) {
      h.push("Content-Length", String(Buffer.byteLength(body, "utf8")), "Content-Type", "application/json; charset=UTF-8");
    } else {
      h.push("Content-Length", "0");
    }
    h.push("Host", u.host, "Connection", "Keep-Alive", "User-Agent", this.userAgent, "Accept-Encoding", "gzip,deflate");
    if (authorization) h.push("Authorization", authorization);
    return h;
  }

  /** A GET has no entity: no Content-Length either. */
  #getHeaders(url, authorization) {
    const u = new URL(url);
    const h = ["Host", u.host, "Connection", "Keep-Alive", "User-Agent", this.userAgent, "Accept-Encoding", "gzip,deflate"];
    if (authorization) h.push("Authorization", authorization);
    return h;
  }

  async execute(method, url, body) {
    const build = (auth) => (method === "GET" || method === "DELETE" ? this.#getHeaders(url, auth) : this.#headers(url, body, auth));
    const record = (headers, exchange) => {
      const u = new URL(url);
      const head = [`${method} ${u.pathname}${u.search} HTTP/1.1`];
      for (let i = 0; i < headers.length; i += 2) head.push(`${headers[i]}: ${headers[i + 1]}`);
      const entry = { head, body: body ?? null, status: exchange.status, answer: exchange.text, wwwAuthenticate: exchange.headers["www-authenticate"] ?? null };
      this.wire.push(entry);
      if (this.wire.length > 30) this.wire.shift();
      return entry;
    };

    let headers = build(null);
    let res = await send(url, method, headers, body);
    const first = record(headers, res);
    let challenged = false;
    if (res.status === 401) {
      const challenge = [res.headers["www-authenticate"] ?? []].flat().join(", ");
      const basic = /(^|,\s*)Basic(\s|,|$)/i.test(challenge);
      if (basic && this.password !== undefined) {
        challenged = true;
        const auth = `Basic ${Buffer.from(`${this.username}:${this.password}`, "utf8").toString("base64")}`;
        headers = build(auth);
        res = await send(url, method, headers, body);
        record(headers, res);
      } else {
        throw new HttpResponseException(res, `${method} ${url}: 401 without a Basic challenge (WWW-Authenticate: ${challenge || "absent"}); HttpClient never sends its credentials. Body: ${res.text.slice(0, 300)}`);
      }
    }
    if (res.status < 200 || res.status >= 300) {
      throw new HttpResponseException(res, `${method} ${url}${body !== undefined ? ` ${JSON.stringify(body)}` : ""} → ${res.status}: ${res.text.slice(0, 600)}`);
    }
    let json = null;
    if (res.text.length > 0) {
      try {
        json = JSON.parse(res.text);
      } catch {
        /* not JSON: the caller decides */
      }
    }
    return { status: res.status, headers: res.headers, text: res.text, json, challenged, firstAttempt: first };
  }
}

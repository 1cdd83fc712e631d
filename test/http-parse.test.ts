// The pure pieces of the one body reader and the one query rule (src/http/body.ts,
// src/http/query.ts), without HTTP: what counts as no body, the JSON checks, query values.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH, duplicateKey, isBlank, nestingDepth, parseJson } from "../src/http/body";
import { queryValues } from "../src/http/query";

const bytes = (s: string) => new TextEncoder().encode(s);

describe("isBlank / parseJson: no body", () => {
  it("0 bytes and JSON whitespace are blank; every other Unicode space is not", () => {
    for (const s of ["", " ", "\t\r\n ", "\n\n"]) expect(isBlank(bytes(s)), JSON.stringify(s)).toBe(true);
    for (const s of ["\u00a0", "\u2028", "\u2029", "\u3000", "\u200b", "\ufeff", "\u0085", "\u000b", "\u000c", "\u1680", "\u2000", "\u205f", " x"]) {
      expect(isBlank(bytes(s)), JSON.stringify(s)).toBe(false);
      const r = parseJson(bytes(s), { optional: true });
      expect(r.ok, JSON.stringify(s)).toBe(false);
    }
  });

  it("optional: blank is {empty: true}; required: 'request body is empty'", () => {
    expect(parseJson(bytes(" \n"), { optional: true })).toEqual({ ok: true, empty: true, value: undefined });
    expect(parseJson(bytes(" \n"))).toMatchObject({ ok: false, message: "request body is empty", field: "body" });
  });
});

describe("parseJson: bytes and JSON", () => {
  it("invalid UTF-8 (overlong, lone continuation, surrogate, truncated) → not valid UTF-8", () => {
    for (const b of [[0xc0, 0xaf], [0x80], [0xed, 0xa0, 0x80], [0xe2, 0x82], [0x7b, 0x7d, 0xff]]) {
      expect(parseJson(new Uint8Array(b))).toMatchObject({ ok: false, message: "request body is not valid UTF-8" });
    }
  });

  it("one BOM skipped, a BOM alone refused even when optional", () => {
    expect(parseJson(bytes('\ufeff{"a":1}'))).toEqual({ ok: true, empty: false, value: { a: 1 } });
    expect(parseJson(bytes("\ufeff"), { optional: true })).toMatchObject({ ok: false, message: "request body holds only a byte order mark" });
    expect(parseJson(bytes("\ufeff \n"), { optional: true })).toMatchObject({ ok: false });
  });

  it("__proto__ and duplicate keys are refused, naming the path", () => {
    expect(parseJson(bytes('{"__proto__":{}}'))).toMatchObject({ ok: false, field: "__proto__" });
    expect(parseJson(bytes('{"a":{"b":1,"b":2}}'))).toMatchObject({ ok: false, field: "a.b", message: "duplicate field 'a.b'" });
    expect(parseJson(bytes('[{"x":1},{"y":1,"y":1}]'))).toMatchObject({ ok: false, field: "1.y" });
    expect(parseJson(bytes('{"a":1,"b":{"a":1},"c":[{"a":1},{"a":1}]}'))).toMatchObject({ ok: true });
  });

  it("nesting: 64 is read, 65 refused; brackets in strings do not count", () => {
    expect(parseJson(bytes("[".repeat(MAX_JSON_DEPTH) + "]".repeat(MAX_JSON_DEPTH)))).toMatchObject({ ok: true });
    expect(parseJson(bytes("[".repeat(MAX_JSON_DEPTH + 1) + "]".repeat(MAX_JSON_DEPTH + 1)))).toMatchObject({ ok: false, message: `request body nested deeper than ${MAX_JSON_DEPTH} levels` });
    expect(nestingDepth(JSON.stringify({ a: "[[[[{{{{", b: ['"]]]'] }))).toBe(2);
    expect(nestingDepth('"unterminated [[[')).toBe(0);
  });

  it("generated JSON (fast-check): no false duplicate, parsed whenever within the depth and without __proto__", () => {
    fc.assert(
      fc.property(fc.json({ depthSize: "small" }), (text) => {
        // JSON.stringify never writes a key twice: no duplicate in any generated text.
        expect(duplicateKey(text)).toBeNull();
        const r = parseJson(bytes(text));
        if (nestingDepth(text) <= MAX_JSON_DEPTH && !text.includes('"__proto__"')) expect(r.ok).toBe(true);
      }),
      { seed: 9, numRuns: 300 },
    );
  });
});

describe("queryValues", () => {
  it("decoded values; a repeated key is an array; __proto__ is a plain key", () => {
    expect({ ...queryValues("http://x/p?a=1&b=%20x&a=2&c") }).toEqual({ a: ["1", "2"], b: " x", c: "" });
    const v = queryValues("http://x/p?__proto__=1");
    expect(Object.keys(v)).toEqual(["__proto__"]);
    expect(Object.getPrototypeOf(v)).toBeNull();
    expect(Object.keys(queryValues("http://x/p?"))).toEqual([]);
  });
});

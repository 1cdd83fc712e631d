// The SDK's own response models, as the SDK ships them (`models.gen.d.ts` of @unikraft/cloud's
// platform API), turned into a checker: `checkModel(value, "GetInstancesResponse")` lists every
// field the model requires that is missing (or null), and every field whose JSON type or enum
// value is not the model's. The SDK has no run-time validation of its own; code written against
// its types reads these fields without checking, so a missing one is a broken client.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);

function modelsFile() {
  // The package's `exports` hide its files; resolve its package.json, then the file beside it.
  const pkg = require.resolve("@unikraft/cloud/package.json");
  return path.join(path.dirname(pkg), "dist", "esm", "api", "platform", "models.gen.d.ts");
}

/** `{interfaces: {Name: {prop: {type, optional}}}, aliases: {Name: "type expression"}}` */
export function parseModels(source = readFileSync(modelsFile(), "utf8")) {
  const interfaces = {};
  const aliases = {};
  let current = null;
  for (const raw of source.split("\n")) {
    const line = raw.trimEnd();
    let m;
    if ((m = /^export interface (\w+) \{$/.exec(line))) {
      current = interfaces[m[1]] = {};
    } else if ((m = /^export type (\w+) = (.+);$/.exec(line))) {
      aliases[m[1]] = m[2];
    } else if (line === "}") {
      current = null;
    } else if (current && (m = /^ {4}"?([A-Za-z0-9_]+)"?(\?)?: (.+);$/.exec(line))) {
      current[m[1]] = { type: m[3], optional: m[2] === "?" };
    }
  }
  if (Object.keys(interfaces).length < 50) throw new Error(`could not read the SDK's models from ${modelsFile()}`);
  return { interfaces, aliases };
}

/** Splits a type expression on its top-level `|`. */
function unionParts(expr) {
  const parts = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i];
    if (c === "<" || c === "(" || c === "{") depth++;
    else if (c === ">" || c === ")" || c === "}") depth--;
    else if (c === "|" && depth === 0) {
      parts.push(expr.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expr.slice(start).trim());
  return parts;
}

/**
 * Values the platform documents where the SDK's generated type is narrower. Each is listed in
 * docs/clients.md. An autoscale configuration item of a group without autoscale has status
 * `unconfigured` (the platform's OpenAPI file documents it on the item; the SDK puts it on the
 * envelope's status type only, `GetAutoscaleConfigurationsResponseStatus`).
 */
const DOCUMENTED_WIDER = { "GetAutoscaleConfigurationsResponseServiceGroup.status": ["unconfigured"] };

const jsonType = (v) => (v === null ? "null" : Array.isArray(v) ? "array" : typeof v);

export function makeChecker(models = parseModels()) {
  const { interfaces, aliases } = models;

  /** Problems of `value` against the type expression `expr`, at `where`. */
  function check(value, expr, where, out) {
    expr = expr.trim();
    const parts = unionParts(expr);
    if (parts.length > 1) {
      const attempts = parts.map((p) => check(value, p, where, []));
      if (attempts.some((a) => a.length === 0)) return out;
      // A union of string literals (an enum): one clear message instead of one per member.
      if (parts.every((p) => /^"/.test(p))) {
        out.push(`${where}: ${JSON.stringify(value)} is not one of ${parts.join(" | ")}`);
        return out;
      }
      out.push(...attempts.reduce((best, a) => (a.length < best.length ? a : best)));
      return out;
    }
    if (/^".*"$/.test(expr)) {
      if (value !== JSON.parse(expr)) out.push(`${where}: ${JSON.stringify(value)} is not ${expr}`);
      return out;
    }
    if (expr === "unknown" || expr === "any") return out;
    if (expr === "string" || expr === "number" || expr === "boolean") {
      if (typeof value !== expr) out.push(`${where}: ${jsonType(value)} ${JSON.stringify(value)}, the model says ${expr}`);
      return out;
    }
    if (expr.endsWith("[]")) {
      if (!Array.isArray(value)) {
        out.push(`${where}: ${jsonType(value)}, the model says ${expr}`);
        return out;
      }
      value.forEach((item, i) => check(item, expr.slice(0, -2), `${where}[${i}]`, out));
      return out;
    }
    let m;
    if ((m = /^Record<string, (.+)>$/.exec(expr))) {
      if (jsonType(value) !== "object") out.push(`${where}: ${jsonType(value)}, the model says ${expr}`);
      else for (const [k, v] of Object.entries(value)) check(v, m[1], `${where}.${k}`, out);
      return out;
    }
    if (aliases[expr] !== undefined) return check(value, aliases[expr], where, out);
    const iface = interfaces[expr];
    if (!iface) {
      out.push(`${where}: the model names an unknown type ${expr}`);
      return out;
    }
    if (jsonType(value) !== "object") {
      out.push(`${where}: ${jsonType(value)}, the model says object ${expr}`);
      return out;
    }
    // A per-item failure (`status: "error"` with a numeric `error`) carries only the error fields:
    // the SDK reads the code and message and nothing else of such an entry.
    const failedEntry = value.status === "error" && iface.error !== undefined && iface.status !== undefined;
    for (const [prop, { type, optional }] of Object.entries(iface)) {
      const v = value[prop];
      if (v === undefined || v === null) {
        if (!optional && !failedEntry) out.push(`${where}.${prop}: missing, required by ${expr} (${type})`);
        else if (v === null && !failedEntry) out.push(`${where}.${prop}: null, the model says ${type} (optional: leave it out)`);
        continue;
      }
      if (DOCUMENTED_WIDER[`${expr}.${prop}`]?.includes(v)) continue;
      check(v, type, `${where}.${prop}`, out);
    }
    return out;
  }

  return {
    models,
    /** Every problem of `value` against the model `name` (an interface or alias name). */
    problems: (value, name, where = name) => check(value, name, where, []),
  };
}

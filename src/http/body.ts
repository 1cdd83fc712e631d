// JSON body validation, the one place where request bodies are parsed. Strict about what the
// dialect docs leave sloppy: empty body, malformed JSON, unknown fields and wrong types are 400s
// naming the field, before anything reaches a Durable Object.
import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { badRequest } from "./errors";
import type { AppEnv } from "./types";

/** Names the first offending field of a zod error, e.g. `provider.bootDelayMs`. */
export function describeIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0];
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0];
    const field = path ? `${path}.${key}` : key;
    return { field, message: `unknown field '${field}'` };
  }
  const field = path || "body";
  return { field, message: `invalid field '${field}': ${issue.message}` };
}

export interface BodyOptions {
  /** An empty body stands for `{}` (routes whose body is optional, such as attach). */
  emptyAs?: unknown;
}

export function jsonBody<S extends z.ZodType>(
  schema: S,
  options: BodyOptions = {},
): MiddlewareHandler<AppEnv, string, { in: { json: z.input<S> }; out: { json: z.output<S> } }> {
  return async (c, next) => {
    const text = await c.req.text();
    let value: unknown;
    if (text.trim() === "") {
      if (options.emptyAs === undefined) throw badRequest("request body is empty", "a JSON object is required", "body");
      value = options.emptyAs;
    } else {
      // zod's strict objects do not see a `__proto__` key, so it is refused here as the unknown field it is.
      let protoKey = false;
      try {
        value = JSON.parse(text, (key, v) => {
          if (key === "__proto__") protoKey = true;
          return v;
        });
      } catch (err) {
        throw badRequest("malformed JSON in request body", err instanceof Error ? err.message : String(err), "body");
      }
      if (protoKey) throw badRequest("unknown field '__proto__'", "Unrecognized key: \"__proto__\"", "__proto__");
    }
    const parsed = schema.safeParse(value);
    if (!parsed.success) {
      const { field, message } = describeIssue(parsed.error);
      throw badRequest(message, parsed.error.issues[0].message, field);
    }
    c.req.addValidatedData("json", parsed.data as object);
    await next();
  };
}

// The front door's own answers (issue 11): a small JSON body naming the service group, in one
// shape for every status it gives — 404 (the domain's group is gone), 502 (the upstream refused),
// 503 (too many held, the wake failed, no member to wake; with Retry-After when trying again
// helps), 504 (held too long, or the upstream sent no answer in time). Never a 500 for anything a
// request or an upstream does. Not a dialect: no API error shape applies on a service domain.

export type FrontDoorCode =
  | "service_gone"
  | "upstream_unreachable"
  | "upstream_timeout"
  | "too_many_pending"
  | "wake_failed"
  | "no_member"
  | "hold_timeout"
  | "unavailable";

export function frontDoorError(status: 404 | 502 | 503 | 504, code: FrontDoorCode, message: string, group: string, extra: { retryAfterS?: number; coldStartMs?: number } = {}): Response {
  const headers: Record<string, string> = { "Content-Type": "application/json", "Cache-Control": "no-store" };
  if (extra.retryAfterS !== undefined) headers["Retry-After"] = String(extra.retryAfterS);
  if (extra.coldStartMs !== undefined) headers["Scalegate-Cold-Start"] = String(extra.coldStartMs);
  return new Response(JSON.stringify({ status, error: code, message, service_group: group }), { status, headers });
}

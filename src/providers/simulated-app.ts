// The simulated provider's embedded app (issue 11): a simulated machine has no network address, so
// the front door answers for it with this small JSON app — naming the instance that served, the
// request's method, path and query, and how many body bytes it read — which is enough to see
// routing, balancing, holding and waking with no cloud (`npm start`, a service with a domain,
// `curl http://web.localhost:8787/`). The body is read as a stream and counted, never kept.
import type { FrontDoorMember } from "../domain/front-door";

export async function simulatedApp(request: Request, member: FrontDoorMember, group: string): Promise<Response> {
  let bytes = 0;
  if (request.body) {
    const reader = request.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
    }
  }
  const url = new URL(request.url);
  return Response.json({
    app: "scalegate simulated instance",
    service_group: group,
    instance: { uuid: member.uuid, name: member.name },
    method: request.method,
    path: url.pathname,
    query: url.search,
    body_bytes: bytes,
  });
}

// A scripted fetch for the DAV unit tests: answers by method and path, records every request.
export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

export type Route = (
  req: RecordedRequest,
) => { status: number; body?: string; headers?: Record<string, string> } | undefined;

export function fakeFetch(route: Route): { fetch: typeof fetch; requests: RecordedRequest[] } {
  const requests: RecordedRequest[] = [];
  const impl = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    init?.signal?.throwIfAborted();
    const url = new URL(input instanceof Request ? input.url : input);
    const headers = Object.fromEntries(Object.entries((init?.headers ?? {}) as Record<string, string>));
    const req: RecordedRequest = {
      method: init?.method ?? 'GET',
      path: url.pathname,
      headers,
      body: typeof init?.body === 'string' ? init.body : undefined,
    };
    requests.push(req);
    const answer = route(req) ?? { status: 404 };
    return new Response(answer.body ?? null, { status: answer.status, headers: answer.headers });
  };
  return { fetch: impl as typeof fetch, requests };
}

export function multistatus(...responses: string[]): string {
  return `<d:multistatus xmlns:d="DAV:" xmlns:cal="urn:ietf:params:xml:ns:caldav" xmlns:card="urn:ietf:params:xml:ns:carddav">${responses.join('')}</d:multistatus>`;
}

export function ok(href: string, props: string): string {
  return `<d:response><d:href>${href}</d:href><d:propstat><d:prop>${props}</d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat></d:response>`;
}

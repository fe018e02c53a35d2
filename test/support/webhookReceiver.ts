/**
 * A real loopback HTTP receiver standing in for a Teams, Slack or plain JSON incoming webhook: it keeps
 * every request (path, headers, parsed JSON body) and answers with the status the test sets.
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

export interface WebhookReceiver {
  /** Base URL, e.g. http://127.0.0.1:43127 */
  url: string;
  requests: ReceivedRequest[];
  /** Requests whose path starts with the prefix, in order. */
  requestsTo(pathPrefix: string): ReceivedRequest[];
  /** The status (and text) the next requests get; default 200 "1" as Teams answers. */
  respondWith(status: number, text?: string): void;
  close(): Promise<void>;
}

export async function startWebhookReceiver(): Promise<WebhookReceiver> {
  const requests: ReceivedRequest[] = [];
  let reply = { status: 200, text: '1' };
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      let body: unknown = raw;
      try {
        body = JSON.parse(raw);
      } catch {
        // keep the raw text: the test asserts on it
      }
      requests.push({
        method: request.method ?? '',
        path: request.url ?? '',
        headers: request.headers,
        body,
      });
      response.writeHead(reply.status, { 'content-type': 'text/plain' }).end(reply.text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    requestsTo: (prefix) => requests.filter((request) => request.path.startsWith(prefix)),
    respondWith(status, text = status < 300 ? '1' : 'error') {
      reply = { status, text };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

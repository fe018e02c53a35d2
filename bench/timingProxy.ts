/**
 * A loopback HTTP relay that times another server's answers. The Partner Center emulator signs every
 * webhook delivery with a key it does not expose, so the benchmark cannot sign fresh bodies itself.
 * Instead the webhook is registered at this relay: each signed delivery is forwarded byte for byte
 * (same headers, same body) to the connector, and the relay records how long the connector took to
 * answer, from the first byte sent to the last byte of its response. The emulator then gets that answer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Agent, request } from 'undici';

export interface TimedRequest {
  /** The webhook's EventName, when the body is a Partner Center event. */
  eventName: string | null;
  statusCode: number;
  durationMs: number;
}

/** Request headers that belong to one hop, not to the message. */
const HOP_HEADERS = new Set(['host', 'connection', 'keep-alive', 'transfer-encoding', 'content-length']);

async function readBody(message: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of message) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

function eventNameOf(body: Buffer): string | null {
  try {
    const parsed = JSON.parse(body.toString('utf8')) as { EventName?: unknown };
    return typeof parsed.EventName === 'string' ? parsed.EventName : null;
  } catch {
    return null;
  }
}

export class TimingProxy {
  readonly timings: TimedRequest[] = [];
  private readonly agent = new Agent({ connections: 64, keepAliveTimeout: 30_000 });

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens on 127.0.0.1 (any free port) and forwards every request to `targetUrl` (path kept). */
  static async start(targetUrl: string): Promise<TimingProxy> {
    let proxy: TimingProxy | null = null;
    const server = createServer((incoming, outgoing) => {
      proxy?.forward(targetUrl, incoming, outgoing).catch((error: unknown) => {
        outgoing.statusCode = 502;
        outgoing.end(`The timing relay could not reach the connector: ${String(error)}`);
      });
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = server.address() as AddressInfo;
    proxy = new TimingProxy(server, `http://127.0.0.1:${port}`);
    return proxy;
  }

  private async forward(
    targetUrl: string,
    incoming: IncomingMessage,
    outgoing: ServerResponse,
  ): Promise<void> {
    const body = await readBody(incoming);
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(incoming.headers)) {
      if (value === undefined || HOP_HEADERS.has(name)) continue;
      headers[name] = Array.isArray(value) ? value.join(', ') : value;
    }
    const startedAt = performance.now();
    const response = await request(new URL(incoming.url ?? '/', targetUrl), {
      method: (incoming.method ?? 'POST') as 'POST',
      headers,
      body,
      dispatcher: this.agent,
    });
    const answer = Buffer.from(await response.body.arrayBuffer());
    const durationMs = performance.now() - startedAt;
    this.timings.push({ eventName: eventNameOf(body), statusCode: response.statusCode, durationMs });
    const contentType = response.headers['content-type'];
    if (typeof contentType === 'string') outgoing.setHeader('content-type', contentType);
    outgoing.statusCode = response.statusCode;
    outgoing.end(answer);
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.agent.close();
  }
}

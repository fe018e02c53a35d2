/**
 * The loopback end of a browser sign-in (RFC 8252): a one-shot HTTP listener on 127.0.0.1 that receives
 * the identity provider's redirect, checks `state`, shows the person a short page and hands back the
 * authorization code. Entra ID accepts any port on `http://localhost` for a native (public client) app.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface LoopbackRedirect {
  /** What to send as redirect_uri: `http://localhost:<port>/`. */
  redirectUri: string;
  /** Resolves with the code once the browser arrives with the expected state; rejects on error/timeout. */
  code: Promise<string>;
  close(): Promise<void>;
}

export class RedirectError extends Error {
  constructor(
    message: string,
    readonly error: string,
  ) {
    super(message);
    this.name = 'RedirectError';
  }
}

function page(title: string, text: string): string {
  const safe = (value: string) => value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
  return `<!doctype html><html><head><meta charset="utf-8"><title>${safe(title)}</title></head><body style="font-family:sans-serif;margin:3em"><h1>${safe(title)}</h1><p>${safe(text)}</p></body></html>`;
}

/** Starts listening; port 0 picks a free one. */
export async function listenForRedirect(options: {
  port: number;
  state: string;
  timeoutMs: number;
  /** What the person is signing in to, for the page the browser shows. */
  what: string;
}): Promise<LoopbackRedirect> {
  let settle: { resolve: (code: string) => void; reject: (error: Error) => void } | null = null;
  const code = new Promise<string>((resolve, reject) => {
    settle = { resolve, reject };
  });
  // Nobody may be waiting yet when it fails; the caller awaits `code` later.
  code.catch(() => undefined);
  const finish = (outcome: { code: string } | { error: Error }) => {
    const current = settle;
    settle = null;
    if (!current) return;
    if ('code' in outcome) current.resolve(outcome.code);
    else current.reject(outcome.error);
  };
  const server: Server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const error = url.searchParams.get('error');
    const received = url.searchParams.get('code');
    if (!error && !received) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not the sign-in answer.');
      return;
    }
    const send = (status: number, title: string, text: string) =>
      response
        .writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' })
        .end(page(title, text));
    if (url.searchParams.get('state') !== options.state) {
      send(
        400,
        'Sign-in not accepted',
        'This answer does not belong to the sign-in that is waiting. Start it again.',
      );
      finish({
        error: new RedirectError(
          'The sign-in answer did not carry the state this sign-in sent (an old browser tab, or a forged request). Start the sign-in again.',
          'state_mismatch',
        ),
      });
      return;
    }
    if (error) {
      const description = url.searchParams.get('error_description') ?? '';
      send(400, 'Sign-in failed', `${error}: ${description}`);
      finish({ error: new RedirectError(`${error}${description ? `: ${description}` : ''}`, error) });
      return;
    }
    send(
      200,
      'Signed in',
      `You are signed in to ${options.what}. You can close this tab and go back to the terminal.`,
    );
    finish({ code: String(received) });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const timer = setTimeout(() => {
    finish({
      error: new RedirectError(
        `No browser came back within ${Math.round(options.timeoutMs / 1000)} s.`,
        'timeout',
      ),
    });
  }, options.timeoutMs);
  timer.unref();
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://localhost:${port}/`,
    code,
    close: async () => {
      clearTimeout(timer);
      finish({ error: new RedirectError('The sign-in was stopped.', 'closed') });
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

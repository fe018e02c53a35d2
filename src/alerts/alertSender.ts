/**
 * Posts alert payloads to incoming webhooks. The URLs are secrets (Slack, Teams and Workflows URLs embed the
 * token that lets anyone post), so nothing this file returns or logs contains one: destinations are named by
 * their config name, and failures are described by HTTP status or network error code only.
 * Failures are classified here, once, like every other client edge.
 */
import type { Dispatcher } from 'undici';
import { fetch } from 'undici';
import { fail, ok, type Result } from '../shared/result.ts';
import type { ErrorKind } from '../shared/upstreamError.ts';

export interface AlertDestination {
  /** The name used in logs, the API and the store (never the URL). */
  name: string;
  url: string;
}

export interface AlertSendError {
  kind: ErrorKind;
  message: string;
}

export interface AlertSenderOptions {
  timeoutMs?: number;
  dispatcher?: Dispatcher;
  /** Every configured webhook URL: a receiver's answer is cleaned of all of them, not only its own. */
  secretUrls?: readonly string[];
}

const DEFAULT_TIMEOUT_MS = 10_000;
/** The longest receiver answer kept for an error message. */
const BODY_EXCERPT_CHARS = 200;

export class AlertSender {
  constructor(private readonly options: AlertSenderOptions = {}) {}

  async send(destination: AlertDestination, payload: unknown): Promise<Result<void, AlertSendError>> {
    const where = `alert destination "${destination.name}"`;
    let response: Awaited<ReturnType<typeof fetch>>;
    try {
      response = await fetch(destination.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(payload),
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
        ...(this.options.dispatcher ? { dispatcher: this.options.dispatcher } : {}),
      });
    } catch (error) {
      return fail({
        kind: 'transient',
        message: `${where} could not be reached (${networkReason(error)}): it is tried again at the next evaluation. Check that the receiver is up and reachable from this host.`,
      });
    }
    // Teams and Slack answer with a short text ("1", "ok", or an error code); read it so the socket is released.
    // Cleaned before it is cut short, so a token cut in half cannot slip through.
    const raw = await response.text().catch(() => '');
    const answer = [destination.url, ...(this.options.secretUrls ?? [])]
      .reduce(scrub, raw)
      .slice(0, BODY_EXCERPT_CHARS);
    if (response.ok) return ok(undefined);
    const detail = `HTTP ${response.status}${answer ? `: ${answer.trim()}` : ''}`;
    const kind = kindForStatus(response.status);
    const next =
      kind === 'permanent'
        ? 'check the webhook URL in alerts.notify (the receiver may have been deleted or may refuse the format) and restart'
        : 'it is tried again at the next evaluation';
    return fail({ kind, message: `${where} refused the message (${detail}): ${next}.` });
  }
}

function kindForStatus(status: number): ErrorKind {
  if (status === 429) return 'rate_limited';
  if (status === 401 || status === 403) return 'auth';
  if (status >= 500 || status === 408) return 'transient';
  return 'permanent';
}

const NETWORK_REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host not found',
  EAI_AGAIN: 'host name lookup failed',
  UND_ERR_SOCKET: 'the connection closed',
  UND_ERR_CONNECT_TIMEOUT: 'connecting timed out',
};

/** "connection refused (ECONNREFUSED)", "no answer in time" … — never the error's own message, which may repeat the URL. */
function networkReason(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError'))
    return 'no answer in time';
  const code = (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  if (typeof code !== 'string') return 'network error';
  return `${NETWORK_REASONS[code] ?? 'network error'} (${code})`;
}

/** Removes the URL and its path (which holds the token) if a receiver echoes them back. */
function scrub(text: string, url: string): string {
  let scrubbed = text.replaceAll(url, '[webhook URL]');
  try {
    const { pathname, search } = new URL(url);
    if (pathname.length > 1) scrubbed = scrubbed.replaceAll(pathname, '[webhook path]');
    if (search.length > 1) scrubbed = scrubbed.replaceAll(search.slice(1), '[webhook query]');
  } catch {
    // Not parseable: the whole-URL replacement above is all we can do.
  }
  return scrubbed;
}

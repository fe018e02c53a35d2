/**
 * jsforce turns an error answer into an error built from its body and drops the headers, so Salesforce's
 * Retry-After on a 429 or 503 would be lost. Each SalesforceClient call runs with its own slot
 * (AsyncLocalStorage); the connection's transport, watched once, writes the Retry-After of such an answer into
 * the slot of the call that made the request, and the client classifies the failure with it.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { Connection } from 'jsforce';
import { parseRetryAfterSeconds } from '../shared/parseRetryAfterSeconds.ts';

export interface RetryAfterSlot {
  retryAfterSeconds: number | null;
}

interface TransportResponse {
  statusCode?: number;
  headers?: Record<string, string | undefined>;
}

interface Transport {
  httpRequest(...args: unknown[]): PromiseLike<TransportResponse>;
}

const slots = new AsyncLocalStorage<RetryAfterSlot>();
const watched = new WeakSet<object>();

/** Statuses whose Retry-After the connector honours. */
const RETRY_AFTER_STATUSES = new Set([429, 503]);

/** Makes the connection's transport report Retry-After to the calling slot (once per transport). */
export function watchRetryAfter(conn: Connection): void {
  const transport = (conn as unknown as { _transport?: Transport })._transport;
  if (!transport || typeof transport.httpRequest !== 'function' || watched.has(transport)) return;
  watched.add(transport);
  const send = transport.httpRequest.bind(transport);
  transport.httpRequest = (...args: unknown[]) => {
    const slot = slots.getStore();
    const answer = send(...args);
    if (slot)
      answer.then(
        (response) => {
          if (RETRY_AFTER_STATUSES.has(response.statusCode ?? 0))
            slot.retryAfterSeconds = parseRetryAfterSeconds(response.headers?.['retry-after'], Date.now());
        },
        () => undefined,
      );
    return answer;
  };
}

/** Runs one client call with a fresh slot; the slot holds the Retry-After of its last 429/503 answer, if any. */
export function withRetryAfterSlot<T>(slot: RetryAfterSlot, call: () => PromiseLike<T>): Promise<T> {
  // Awaited inside the slot: jsforce queries start their request when first awaited.
  return slots.run(slot, async () => await call());
}

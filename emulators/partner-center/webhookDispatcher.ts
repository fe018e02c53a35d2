import { createPrivateKey, type KeyObject, sign } from 'node:crypto';
import { fetch } from 'undici';
import { z } from 'zod';
import type { Logger } from '../../src/shared/logger.ts';
import type { EmulatorClock } from './emulatorClock.ts';
import type { DeliveryRecord, EmulatorStateData } from './emulatorState.ts';
import type { IdGenerator } from './idGenerator.ts';
import { pcOffsetTimestamp, pcTimestamp } from './pcTimestamp.ts';

/** The classic host Partner Center puts in ResourceUri (spec §5.2), whatever URL the emulator listens on. */
export const CLASSIC_HOST = 'https://api.partnercenter.microsoft.com';
export const MAX_DELIVERY_ATTEMPTS = 10;
/** The delivery log keeps this many entries; older finished ones are forgotten. */
export const MAX_DELIVERY_LOG = 1000;

export const deliveryFaultSchema = z.object({
  /** The next N events are lost: recorded as `dropped`, never sent. */
  drop: z.number().int().min(0).optional(),
  /** The next N events are delivered twice (the copy is a separate delivery with `duplicateOf`). */
  duplicate: z.number().int().min(0).optional(),
  /** Hold the next N events (true = 2) and send them in reverse order once N have been collected. */
  reorder: z.union([z.boolean(), z.number().int().min(0)]).optional(),
  /** The next `count` (default 1) delivery attempts are not sent and count as failed with this status. */
  status: z.number().int().min(100).max(599).optional(),
  count: z.number().int().min(1).optional(),
  /** From now on, lose this share of events (0–1; 0 turns it off). */
  dropRatio: z.number().min(0).max(1).optional(),
  /** From now on, deliver this share of events twice. */
  duplicateRatio: z.number().min(0).max(1).optional(),
  /** From now on, hold this share of events back and send each after the next event (out of order). */
  reorderRatio: z.number().min(0).max(1).optional(),
});
export type DeliveryFaultInput = z.infer<typeof deliveryFaultSchema>;

export interface WebhookDispatcherOptions {
  signingKeyPem: string;
  certificateUrl: string;
  /** First retry delay; later retries double it. */
  retryBaseMs: number;
  maxRetryDelayMs: number;
  /** How long a receiver may take to answer before the attempt counts as failed. */
  timeoutMs: number;
}

interface PendingFaults {
  drop: number;
  duplicate: number;
  reorderSize: number;
  held: DeliveryRecord[];
  failStatus: number | null;
  failRemaining: number;
  dropRatio: number;
  duplicateRatio: number;
  reorderRatio: number;
  /** Events held by reorderRatio, sent after the next event that is not held. */
  overtaken: DeliveryRecord[];
}

/** How many events each delivery fault has struck since the emulator started (reset clears them). */
export interface DeliveryFaultTotals {
  dropped: number;
  duplicated: number;
  reordered: number;
}

function noFaults(): PendingFaults {
  return {
    drop: 0,
    duplicate: 0,
    reorderSize: 0,
    held: [],
    failStatus: null,
    failRemaining: 0,
    dropRatio: 0,
    duplicateRatio: 0,
    reorderRatio: 0,
    overtaken: [],
  };
}

const noTotals = (): DeliveryFaultTotals => ({ dropped: 0, duplicated: 0, reordered: 0 });

export function referralResourceUri(referralId: string): string {
  return `${CLASSIC_HOST}/engagements/v1/referrals/${referralId}`;
}

export function validationResourceUri(correlationId: string): string {
  return `${CLASSIC_HOST}/webhooks/v1/registration/validationEvents/${correlationId}`;
}

/**
 * Sends webhook events to the registered URL the way Partner Center does: PascalCase body, RSA-SHA256
 * signature over the exact bytes, certificate URL header, up to 10 attempts with exponential backoff.
 */
export class WebhookDispatcher {
  private readonly signingKey: KeyObject;
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly inFlight = new Set<Promise<void>>();
  private faults = noFaults();
  private totals = noTotals();
  private closed = false;

  constructor(
    private readonly state: EmulatorStateData,
    private readonly clock: EmulatorClock,
    private readonly ids: IdGenerator,
    private readonly options: WebhookDispatcherOptions,
    private readonly logger: Logger,
    private readonly onChange: () => void,
  ) {
    this.signingKey = createPrivateKey(options.signingKeyPem);
  }

  setFaults(input: DeliveryFaultInput): PendingFaults {
    if (input.drop !== undefined) this.faults.drop = input.drop;
    if (input.duplicate !== undefined) this.faults.duplicate = input.duplicate;
    if (input.reorder !== undefined)
      this.faults.reorderSize = input.reorder === true ? 2 : input.reorder === false ? 0 : input.reorder;
    if (input.status !== undefined) {
      this.faults.failStatus = input.status;
      this.faults.failRemaining = input.count ?? 1;
    }
    if (input.dropRatio !== undefined) this.faults.dropRatio = input.dropRatio;
    if (input.duplicateRatio !== undefined) this.faults.duplicateRatio = input.duplicateRatio;
    if (input.reorderRatio !== undefined) this.faults.reorderRatio = input.reorderRatio;
    return this.describeFaults();
  }

  describeFaults(): PendingFaults & { totals: DeliveryFaultTotals } {
    return {
      ...this.faults,
      held: [...this.faults.held],
      overtaken: [...this.faults.overtaken],
      totals: { ...this.totals },
    };
  }

  /** Clears pending faults; events held for reordering are sent now, in order. */
  clearFaults(): void {
    const held = [...this.faults.held, ...this.faults.overtaken];
    this.faults = noFaults();
    for (const delivery of held) this.attempt(delivery);
  }

  private strikes(count: number, ratio: number): boolean {
    return count > 0 || (ratio > 0 && Math.random() < ratio);
  }

  /** Queues an event for the registered webhook, if it subscribes to it. Returns the delivery, or null. */
  enqueue(
    eventName: string,
    resourceUri: string,
    correlationId: string | null = null,
  ): DeliveryRecord | null {
    const registration = this.state.registration;
    if (!registration || this.closed) return null;
    const subscribed = registration.webhookEvents.some(
      (event) => event.toLowerCase() === eventName.toLowerCase(),
    );
    if (!subscribed) return null;
    const body = JSON.stringify({
      EventName: eventName,
      ResourceUri: resourceUri,
      ResourceName: eventName === 'test-created' ? 'test' : 'referral',
      AuditUri: null,
      ResourceChangeUtcDate: pcOffsetTimestamp(this.clock.now()),
    });
    const delivery = this.record(eventName, resourceUri, registration.webhookUrl, body, correlationId, null);
    if (this.strikes(this.faults.drop, this.faults.dropRatio)) {
      this.faults.drop = Math.max(0, this.faults.drop - 1);
      this.totals.dropped += 1;
      delivery.status = 'dropped';
      this.onChange();
      return delivery;
    }
    const copies = [delivery];
    if (this.strikes(this.faults.duplicate, this.faults.duplicateRatio)) {
      this.faults.duplicate = Math.max(0, this.faults.duplicate - 1);
      this.totals.duplicated += 1;
      copies.push(
        this.record(eventName, resourceUri, registration.webhookUrl, body, correlationId, delivery.id),
      );
    }
    if (this.faults.reorderSize > 0) {
      for (const copy of copies) copy.status = 'held';
      this.faults.held.push(...copies);
      if (this.faults.held.length >= this.faults.reorderSize) {
        const held = this.faults.held.reverse();
        this.faults.held = [];
        this.faults.reorderSize = 0;
        for (const copy of held) this.attempt(copy);
      }
      this.onChange();
      return delivery;
    }
    if (this.faults.reorderRatio > 0 && Math.random() < this.faults.reorderRatio) {
      this.totals.reordered += 1;
      for (const copy of copies) copy.status = 'held';
      this.faults.overtaken.push(...copies);
      this.onChange();
      return delivery;
    }
    for (const copy of copies) this.attempt(copy);
    // Events held back by reorderRatio go out after this later one.
    const overtaken = this.faults.overtaken;
    this.faults.overtaken = [];
    for (const copy of overtaken) this.attempt(copy);
    return delivery;
  }

  /** After loading saved state: sends again what was still pending or held when the emulator stopped. */
  resumePending(): number {
    const unfinished = this.state.deliveries.filter(
      (delivery) => delivery.status === 'pending' || delivery.status === 'held',
    );
    for (const delivery of unfinished) this.attempt(delivery);
    return unfinished.length;
  }

  private record(
    eventName: string,
    resourceUri: string,
    url: string,
    body: string,
    correlationId: string | null,
    duplicateOf: string | null,
  ): DeliveryRecord {
    const delivery: DeliveryRecord = {
      id: this.ids.next(),
      eventName,
      resourceUri,
      url,
      body,
      createdAt: pcTimestamp(this.clock.now()),
      status: 'pending',
      statusCode: null,
      attempts: [],
      duplicateOf,
      correlationId,
    };
    this.state.deliveries.push(delivery);
    if (this.state.deliveries.length > MAX_DELIVERY_LOG) {
      const oldestFinished = this.state.deliveries.findIndex(
        (entry) => entry.status !== 'pending' && entry.status !== 'held',
      );
      if (oldestFinished >= 0) this.state.deliveries.splice(oldestFinished, 1);
    }
    this.onChange();
    return delivery;
  }

  private headers(body: string): Record<string, string> {
    const signature = sign('sha256', Buffer.from(body, 'utf8'), this.signingKey).toString('base64');
    const useMsHeader = this.state.registration?.signatureTokenToMsSignatureHeader ?? false;
    return {
      'content-type': 'application/json; charset=utf-8',
      ...(useMsHeader ? { 'x-ms-signature': signature } : { authorization: `Signature ${signature}` }),
      'x-ms-certificate-url': this.options.certificateUrl,
      'x-ms-signature-algorithm': 'rsa-sha256',
    };
  }

  private attempt(delivery: DeliveryRecord): void {
    if (this.closed) return;
    delivery.status = 'pending';
    const run = this.send(delivery).finally(() => this.inFlight.delete(run));
    this.inFlight.add(run);
  }

  private async send(delivery: DeliveryRecord): Promise<void> {
    const attempt = delivery.attempts.length + 1;
    let statusCode: number | null = null;
    let error: string | null = null;
    if (this.faults.failStatus !== null && this.faults.failRemaining > 0) {
      statusCode = this.faults.failStatus;
      error = 'injected delivery fault';
      this.faults.failRemaining -= 1;
      if (this.faults.failRemaining === 0) this.faults.failStatus = null;
    } else {
      try {
        const response = await fetch(delivery.url, {
          method: 'POST',
          headers: this.headers(delivery.body),
          body: delivery.body,
          signal: AbortSignal.timeout(this.options.timeoutMs),
        });
        statusCode = response.status;
        await response.body?.cancel();
      } catch (caught) {
        error = caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
      }
    }
    delivery.attempts.push({ attempt, attemptedAt: pcTimestamp(this.clock.now()), statusCode, error });
    delivery.statusCode = statusCode;
    const succeeded = statusCode !== null && statusCode >= 200 && statusCode < 300 && error === null;
    if (succeeded) {
      delivery.status = 'delivered';
    } else if (attempt >= MAX_DELIVERY_ATTEMPTS) {
      delivery.status = 'failed';
      this.logger.warn(
        { deliveryId: delivery.id, eventName: delivery.eventName },
        'webhook delivery gave up after 10 attempts',
      );
    } else if (!this.closed) {
      const delayMs = Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), this.options.maxRetryDelayMs);
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        this.attempt(delivery);
      }, delayMs);
      this.timers.add(timer);
    }
    this.onChange();
  }

  reset(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.faults = noFaults();
    this.totals = noTotals();
    this.state.deliveries = [];
    this.onChange();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.inFlight]);
  }
}

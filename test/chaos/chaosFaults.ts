/**
 * The faults of the chaos run, on both emulators' real APIs (Salesforce REST, Partner Center Referrals API):
 * about 10 % 5xx (half before the request is handled, half after it was — the write landed but its answer is
 * lost), 2-second stalls, bursts of 429 with Retry-After, expired sessions, and webhook deliveries dropped,
 * duplicated and reordered 10 % each. `stop()` turns everything off and sends held deliveries.
 */
import { emulatorControl } from '../../src/sandbox/emulatorControl.ts';

export interface ChaosFaultRates {
  /** Share of API calls answered 5xx (default 0.1). */
  serverErrorRatio: number;
  /** Share of API calls stalled 2 s (default 0.02). */
  stallRatio: number;
  /** Share of webhook events dropped, duplicated and reordered, each (default 0.1). */
  deliveryRatio: number;
}

export const DEFAULT_FAULT_RATES: ChaosFaultRates = {
  serverErrorRatio: 0.1,
  stallRatio: 0.02,
  deliveryRatio: 0.1,
};

export interface FaultFigures {
  salesforceRequests: number;
  salesforceFaults: number;
  partnerCenterRequests: number;
  partnerCenterFaults: number;
  rateLimitBursts: number;
  sessionExpiries: number;
  deliveriesDropped: number;
  deliveriesDuplicated: number;
  deliveriesReordered: number;
}

interface Emulator {
  url: string;
  /** Path prefix of its real API. */
  api: string;
}

export class ChaosFaults {
  private bursts = 0;
  private expiries = 0;
  private readonly salesforce: Emulator;
  private readonly partnerCenter: Emulator;

  constructor(
    urls: { salesforce: string; partnerCenter: string },
    private readonly rates: ChaosFaultRates = DEFAULT_FAULT_RATES,
    /** False: 429 bursts hit Partner Center only (default true: they alternate between the two emulators). */
    private readonly salesforceBursts = true,
  ) {
    this.salesforce = { url: urls.salesforce, api: '/services/data' };
    this.partnerCenter = { url: urls.partnerCenter, api: '/v1.0/' };
  }

  private static add(emulator: Emulator, rule: Record<string, unknown>): Promise<unknown> {
    return emulatorControl(emulator.url, 'POST', '/__emulator/faults', {
      match: { path: emulator.api },
      ...rule,
    });
  }

  async start(): Promise<void> {
    const half = this.rates.serverErrorRatio / 2;
    for (const emulator of [this.salesforce, this.partnerCenter]) {
      // One certain fault each, whatever the draw: batching makes so few calls that 10 % of them can be none.
      // The first call after the start saves its write and loses its answer (the harder case to recover).
      await ChaosFaults.add(emulator, { status: 500, count: 1, phase: 'response' });
      await ChaosFaults.add(emulator, { latencyMs: 2_000, probability: this.rates.stallRatio });
      await ChaosFaults.add(emulator, { status: 503, probability: half });
      // The probability of a later rule applies to the requests the earlier ones let through.
      await ChaosFaults.add(emulator, { status: 500, probability: half / (1 - half), phase: 'response' });
    }
    const ratio = this.rates.deliveryRatio;
    await emulatorControl(this.partnerCenter.url, 'POST', '/__emulator/delivery-faults', {
      dropRatio: ratio,
      duplicateRatio: ratio,
      reorderRatio: ratio,
    });
  }

  /** A burst of 429 answers with Retry-After on one emulator (alternating). */
  async rateLimitBurst(): Promise<void> {
    const emulator = this.salesforceBursts && this.bursts % 2 === 0 ? this.salesforce : this.partnerCenter;
    this.bursts += 1;
    // Salesforce's own answer to too many requests at once, with Retry-After: the connector waits what it says
    // (without the header it would wait 60 s after this answer, and 15 minutes after a daily-limit one).
    const body =
      emulator === this.salesforce
        ? [{ errorCode: 'REQUEST_LIMIT_EXCEEDED', message: 'ConcurrentPerOrgLongTxn Limit exceeded.' }]
        : undefined;
    // A burst lasts 1.5 s of wall time however many requests come: a count would wait for a killed connector.
    await ChaosFaults.add(emulator, {
      status: 429,
      retryAfterSeconds: 1,
      durationMs: 1_500,
      ...(body ? { body } : {}),
    });
  }

  /** Expires every session the connector holds on one emulator (alternating); refresh tokens keep working. */
  async expireSessions(): Promise<void> {
    const salesforce = this.expiries % 2 === 0;
    this.expiries += 1;
    if (salesforce) await emulatorControl(this.salesforce.url, 'POST', '/__emulator/sessions/expire');
    else await emulatorControl(this.partnerCenter.url, 'POST', '/__emulator/access-tokens/expire');
  }

  /** Turns every fault off (held deliveries go out now) and returns what was injected. */
  async stop(): Promise<FaultFigures> {
    const figures = await this.figures();
    await emulatorControl(this.salesforce.url, 'DELETE', '/__emulator/faults');
    await emulatorControl(this.partnerCenter.url, 'DELETE', '/__emulator/faults');
    await emulatorControl(this.partnerCenter.url, 'DELETE', '/__emulator/delivery-faults');
    return figures;
  }

  async figures(): Promise<FaultFigures> {
    const totals = async (emulator: Emulator) =>
      (await emulatorControl(emulator.url, 'GET', '/__emulator/faults'))['totals'] as {
        requests: number;
        struck: number;
      };
    const [salesforce, partnerCenter, deliveries] = await Promise.all([
      totals(this.salesforce),
      totals(this.partnerCenter),
      emulatorControl(this.partnerCenter.url, 'GET', '/__emulator/delivery-faults'),
    ]);
    const delivered = deliveries['totals'] as { dropped: number; duplicated: number; reordered: number };
    return {
      salesforceRequests: salesforce.requests,
      salesforceFaults: salesforce.struck,
      partnerCenterRequests: partnerCenter.requests,
      partnerCenterFaults: partnerCenter.struck,
      rateLimitBursts: this.bursts,
      sessionExpiries: this.expiries,
      deliveriesDropped: delivered.dropped,
      deliveriesDuplicated: delivered.duplicated,
      deliveriesReordered: delivered.reordered,
    };
  }
}

/**
 * The sign-ins and the webhook as the Overview shows them: the Partner Center sign-in (who, MFA, when it lapses
 * if unused), the Salesforce sign-in (a light call to the org) and the webhook registration (there? pointing at
 * this connector?), each with the fix for a bad state. The checks are doctor's own; results are kept for a
 * minute so the dashboard's refreshes do not call Partner Center and Salesforce every few seconds.
 */
import type { SignInStatus } from '../../partner-center/partnerCenterAuth.ts';
import { renewalCheck, signInCheck } from '../../partner-center/signInHealth.ts';
import {
  assessWebhookRegistration,
  type CurrentRegistration,
} from '../../partner-center/webhookRegistrationPlan.ts';
import type { Clock } from '../../shared/clock.ts';
import type { HealthCheck } from '../../shared/healthCheck.ts';
import { errorKindOf, toError, UpstreamError } from '../../shared/upstreamError.ts';

export interface ConnectorHealthSources {
  partnerCenterSignIn: () => Promise<SignInStatus | null>;
  /** A light Salesforce call as the connector's user; resolves with what to show (flow and org). */
  salesforceSignIn: () => Promise<string>;
  /** The fix for a Salesforce sign-in refused (error kind auth), from Salesforce's message. */
  salesforceSignInFix: (message: string) => string;
  webhookRegistration: () => Promise<CurrentRegistration | null>;
  /** server.publicUrl + the webhook path, or null when unknown. */
  expectedWebhookUrl: string | null;
  clock: Clock;
  cacheMs?: number;
}

const CONNECT_PARTNER_CENTER = 'cosell connect partner-center';

export class ConnectorHealth {
  private cached: { atMs: number; checks: Promise<HealthCheck[]> } | null = null;

  constructor(private readonly sources: ConnectorHealthSources) {}

  /** Checks again on the next call (someone fixed something and wants to see it now). */
  forget(): void {
    this.cached = null;
  }

  /** The checks, at most cacheMs old. */
  checks(): Promise<HealthCheck[]> {
    const nowMs = this.sources.clock.now().getTime();
    if (!this.cached || nowMs - this.cached.atMs >= (this.sources.cacheMs ?? 60_000))
      this.cached = { atMs: nowMs, checks: this.run() };
    return this.cached.checks;
  }

  private async run(): Promise<HealthCheck[]> {
    const [partnerCenter, salesforce, webhook] = await Promise.all([
      this.partnerCenter(),
      this.salesforce(),
      this.webhook(),
    ]);
    return [...partnerCenter, salesforce, webhook];
  }

  private async partnerCenter(): Promise<HealthCheck[]> {
    const status = await this.sources.partnerCenterSignIn().catch(() => null);
    const signIn = signInCheck('Partner Center sign-in', status, CONNECT_PARTNER_CENTER);
    return status
      ? [signIn, renewalCheck(status, this.sources.clock.now(), CONNECT_PARTNER_CENTER)]
      : [signIn];
  }

  private async salesforce(): Promise<HealthCheck> {
    const check = 'Salesforce sign-in';
    try {
      return { check, ok: true, severity: 'error', detail: await this.sources.salesforceSignIn(), fix: null };
    } catch (error) {
      const message = toError(error).message;
      // Only a refused sign-in is about the settings; anything else (5xx, limits, network) may pass by itself.
      const fix =
        errorKindOf(error) === 'auth'
          ? this.sources.salesforceSignInFix(message)
          : 'Salesforce did not answer as expected; this is checked again within a minute (or with Check again). If it persists, run `cosell doctor`, which names the cause.';
      return { check, ok: false, severity: 'error', detail: message, fix };
    }
  }

  private async webhook(): Promise<HealthCheck> {
    const check = 'Webhook registration';
    try {
      const registration = await this.sources.webhookRegistration();
      return {
        check,
        severity: 'warning',
        ...assessWebhookRegistration(registration, this.sources.expectedWebhookUrl),
      };
    } catch (error) {
      const refused = error instanceof UpstreamError && (error.status === 401 || error.status === 403);
      return {
        check,
        ok: false,
        severity: 'warning',
        detail: `the registration could not be read: ${toError(error).message}`,
        fix: refused
          ? 'the Webhooks API refuses this sign-in: run `cosell doctor`, which names the role it needs'
          : 'Partner Center did not answer; the next refresh tries again (changes still arrive with the periodic reconcile)',
      };
    }
  }
}

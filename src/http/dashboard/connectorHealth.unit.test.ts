import { describe, expect, it } from 'vitest';
import type { SignInStatus } from '../../partner-center/partnerCenterAuth.ts';
import { CONNECTOR_WEBHOOK_EVENTS } from '../../partner-center/webhookRegistrationPlan.ts';
import { ManualClock } from '../../shared/clock.ts';
import { UpstreamError } from '../../shared/upstreamError.ts';
import { ConnectorHealth, type ConnectorHealthSources } from './connectorHealth.ts';

const clock = new ManualClock('2026-03-01T12:00:00.000Z');
const signedIn: SignInStatus = {
  username: 'admin@contoso.example',
  tenantId: 'tenant-1',
  mfa: true,
  authMethods: ['pwd', 'mfa'],
  lastRenewedAt: new Date('2026-03-01T11:00:00.000Z'),
  needsSignInBy: new Date('2026-05-30T11:00:00.000Z'),
};

function sources(overrides: Partial<ConnectorHealthSources> = {}): ConnectorHealthSources {
  return {
    partnerCenterSignIn: async () => signedIn,
    salesforceSignIn: async () => 'jwt at https://acme.my.salesforce.com',
    salesforceSignInFix: (message) => `fix for: ${message}`,
    webhookRegistration: async () => ({
      webhookUrl: 'https://cosell.contoso.example/webhooks/partner-center',
      webhookEvents: [...CONNECTOR_WEBHOOK_EVENTS],
    }),
    expectedWebhookUrl: 'https://cosell.contoso.example/webhooks/partner-center',
    clock,
    ...overrides,
  };
}

const byName = async (health: ConnectorHealth) =>
  Object.fromEntries((await health.checks()).map((check) => [check.check, check]));

describe('ConnectorHealth', () => {
  it('is all ok for a healthy connector, with nothing to fix', async () => {
    const checks = await new ConnectorHealth(sources()).checks();
    expect(checks.map((check) => [check.check, check.ok, check.fix])).toEqual([
      ['Partner Center sign-in', true, null],
      ['Partner Center sign-in renewal', true, null],
      ['Salesforce sign-in', true, null],
      ['Webhook registration', true, null],
    ]);
  });

  it('names the fix for each bad state', async () => {
    const checks = await byName(
      new ConnectorHealth(
        sources({
          partnerCenterSignIn: async () => ({ ...signedIn, mfa: false, authMethods: ['pwd'] }),
          salesforceSignIn: async () => {
            throw new UpstreamError({
              kind: 'auth',
              upstream: 'salesforce',
              message: 'expired access/refresh token',
            });
          },
          webhookRegistration: async () => ({
            webhookUrl: 'https://staging.contoso.example/webhooks/partner-center',
            webhookEvents: ['referral-created'],
          }),
        }),
      ),
    );
    expect(checks['Partner Center sign-in']).toMatchObject({
      ok: false,
      fix: expect.stringContaining('MFA'),
    });
    expect(checks['Salesforce sign-in']).toMatchObject({
      ok: false,
      fix: 'fix for: expired access/refresh token',
    });
    expect(checks['Webhook registration']).toMatchObject({
      ok: false,
      fix: expect.stringContaining('cosell webhooks register --overwrite'),
    });

    const nobody = await byName(new ConnectorHealth(sources({ partnerCenterSignIn: async () => null })));
    expect(nobody['Partner Center sign-in']).toMatchObject({
      ok: false,
      fix: 'run `cosell connect partner-center`',
    });
    expect(nobody['Partner Center sign-in renewal']).toBeUndefined();
  });

  it('does not blame the settings for a passing outage, and sends a refused Webhooks API to doctor', async () => {
    const checks = await byName(
      new ConnectorHealth(
        sources({
          salesforceSignIn: async () => {
            throw new UpstreamError({ kind: 'transient', upstream: 'salesforce', message: 'HTTP 503' });
          },
          webhookRegistration: async () => {
            throw new UpstreamError({
              kind: 'auth',
              upstream: 'partnerCenter',
              status: 403,
              message: 'no role',
            });
          },
        }),
      ),
    );
    expect(checks['Salesforce sign-in']?.fix).toMatch(/^Salesforce did not answer as expected/);
    expect(checks['Webhook registration']?.fix).toContain('run `cosell doctor`, which names the role');
  });

  it('keeps the results for a minute, and checks again at once when told to', async () => {
    let calls = 0;
    const health = new ConnectorHealth(
      sources({
        salesforceSignIn: async () => {
          calls += 1;
          return 'ok';
        },
      }),
    );
    await health.checks();
    clock.advance(59_000);
    await health.checks();
    expect(calls).toBe(1);
    clock.advance(1_000);
    await health.checks();
    expect(calls).toBe(2);
    health.forget();
    await health.checks();
    expect(calls).toBe(3);
  });
});

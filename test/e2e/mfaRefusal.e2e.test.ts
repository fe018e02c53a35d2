import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

/**
 * Partner Center refuses App+User tokens whose sign-in skipped MFA (401, error 900421). A running connector
 * that meets this refusal pauses the connection with a reason that names the fix, instead of retrying.
 */
describe('a sign-in without MFA, refused by the Referrals API while the connector runs', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox();
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('pauses the connection with a reason naming MFA and `cosell connect partner-center`', async () => {
    const { connector } = sandbox;
    const connection = () => connector.store.connections.get(connector.config.connectionId);
    expect((await connection())?.state).toBe('active');
    // The admin signs in again, this time without MFA (the emulator approves the device code at once).
    await sandbox.pc('PATCH', '/__emulator/users/admin@contoso-partner.example', { mfa: false });
    await connector.partnerCenterAuth.signOut();
    const user = await connector.partnerCenterAuth.signInWithDeviceCode({ onPrompt: () => undefined });
    expect(user.mfa).toBe(false);

    // A new referral arrives by webhook; reading it is refused.
    await sandbox.pc('POST', '/__emulator/referrals', inboundReferral());
    const paused = await waitFor('the paused connection', async () => {
      const row = await connection();
      return row?.state === 'paused' ? row : undefined;
    });
    expect(paused.pausedReason).toMatch(/900421/);
    expect(paused.pausedReason).toMatch(/multifactor authentication/);
    expect(paused.pausedReason).toContain('cosell connect partner-center');
  });
});

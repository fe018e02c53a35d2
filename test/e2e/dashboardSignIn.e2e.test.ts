/**
 * "Sign in with Microsoft" on the dashboard, in a real headless Chromium against the real sandbox with sign-in
 * turned on: the Entra ID emulator signs people in (authorization code + PKCE); an allowed user and a member of
 * the allowed group see deals; a user not on the list and an account of another tenant get a page that says why;
 * /api answers 401 without a session, with a forged cookie or an expired session; sign-out ends the session for
 * good; the admin token keeps working for scripts, and a session cannot be used for changes from elsewhere.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionIdHash } from '../../src/http/auth/dashboardSessions.ts';
import { inboundReferral, startTestSandbox, type TestSandbox, waitFor } from '../support/sandboxHarness.ts';

const CHROMIUM_PATH = '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM_PATH);
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'];
const ADMIN_TOKEN = 'sign-in-e2e-admin-token-0123456789';
const ALLOWED_GROUP = '6d1f0b8e-2c44-4a53-9a1e-0d7c5b1e9f21';
const OTHER_TENANT = '0f3b9c4e-8a21-4d6f-b5e7-2c9a1d4e6f80';
const ADMIN = 'admin@contoso-partner.example';
const screenshotDir = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });

describe.skipIf(!hasChromium && !process.env['CI'] ? `${CHROMIUM_PATH} is missing` : false)(
  'dashboard sign-in with Microsoft',
  () => {
    let sandbox: TestSandbox;
    let base: string;
    let browser: Browser;
    let referralId: string;

    beforeAll(async () => {
      sandbox = await startTestSandbox({
        configOverrides: (emulators) => ({
          server: { adminToken: ADMIN_TOKEN },
          dashboard: {
            signIn: {
              kind: 'microsoft',
              tenantId: emulators.partnerCenter.tenantId,
              clientId: emulators.partnerCenter.confidentialClient.clientId,
              clientSecret: emulators.partnerCenter.confidentialClient.clientSecret,
              allowedUsers: [ADMIN, 'visitor@fabrikam.example'],
              allowedGroupId: ALLOWED_GROUP,
            },
          },
        }),
      });
      base = sandbox.urls.connector;
      mkdirSync(screenshotDir, { recursive: true });
      browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
      referralId = String(
        (await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Signed-in deal' })))[
          'id'
        ],
      );
      await waitFor('the referral synced', async () => {
        const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
        return link?.state === 'synced' ? link : null;
      });
    });
    afterAll(async () => {
      await browser?.close();
      await sandbox?.stop();
    });

    /** A fresh browser (no cookies) that accepts the emulator's test certificate. */
    async function freshPage(): Promise<{ context: BrowserContext; page: Page }> {
      const context = await browser.newContext({ ignoreHTTPSErrors: true, locale: 'en-US' });
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      return { context, page };
    }
    const signInAs = (username: string) => sandbox.pc('POST', '/__emulator/sign-in-user', { username });
    const status = async (headers: Record<string, string> = {}, init: RequestInit = {}) =>
      (await fetch(`${base}/api/status`, { ...init, headers })).status;
    const sessionCookieOf = async (context: BrowserContext) =>
      (await context.cookies(base)).find((cookie) => cookie.name === 'cosell_session');

    it('answers 401 on /api without a session, with a forged cookie and with an expired session; the admin token works', async () => {
      const unauthenticated = await fetch(`${base}/api/status`);
      expect(unauthenticated.status).toBe(401);
      expect(JSON.stringify(await unauthenticated.json())).toContain(
        'sign in to the dashboard with Microsoft',
      );
      expect(await status({ cookie: 'cosell_session=forged-value-that-was-never-issued' })).toBe(401);

      const expired = 'an-expired-session-cookie-value';
      await sandbox.connector.store.dashboardSessions.insert({
        idHash: sessionIdHash(expired),
        connectionId: 'sandbox',
        kind: 'session',
        data: { username: ADMIN, name: 'Admin', oid: null },
        createdAt: new Date(Date.now() - 10 * 3600_000).toISOString(),
        expiresAt: new Date(Date.now() - 3600_000).toISOString(),
      });
      expect(await status({ cookie: `cosell_session=${expired}` })).toBe(401);
      expect(await status({ authorization: `Bearer ${ADMIN_TOKEN}` })).toBe(200);
      expect(await status({ authorization: 'Bearer not-the-admin-token-at-all' })).toBe(401);
    });

    it('signs an allowed user in through Microsoft: deals show, the cookie is HttpOnly and SameSite, sign-out ends the session', async () => {
      await signInAs(ADMIN);
      const { context, page } = await freshPage();
      await page.goto(`${base}/#/deals`);
      await page.getByRole('heading', { name: 'Sign in to see this connector' }).waitFor();
      await screenshot(page, 'sign-in');
      await page.getByRole('link', { name: 'Sign in with Microsoft' }).click();
      await page.locator('#deals-table tbody tr', { hasText: referralId }).waitFor();
      expect(await page.locator('#signed-in-user').textContent()).toBe(
        'Signed in as Contoso Referrals Admin',
      );

      const cookie = await sessionCookieOf(context);
      expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', secure: false, path: '/' });
      const value = String(cookie?.value);
      expect(await status({ cookie: `cosell_session=${value}` })).toBe(200);
      // Only a hash is stored: the cookie value itself is nowhere in the store.
      expect(await sandbox.connector.store.dashboardSessions.get(value)).toBeNull();

      // Changes with the session must come from the dashboard page: another site's, or one naming no origin, are refused.
      const retry = (headers: Record<string, string>) =>
        fetch(`${base}/api/dead-letters/0/redrive`, {
          method: 'POST',
          headers: { cookie: `cosell_session=${value}`, ...headers },
        });
      expect((await retry({})).status).toBe(403);
      expect((await retry({ origin: 'https://evil.example' })).status).toBe(403);
      expect((await retry({ origin: base })).status).toBe(404);

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { name: 'Sign in to see this connector' }).waitFor();
      expect(await sessionCookieOf(context)).toBeUndefined();
      expect(await status({ cookie: `cosell_session=${value}` })).toBe(401);
      await context.close();
    });

    it('lets a member of the allowed group in', async () => {
      await sandbox.pc('POST', '/__emulator/users', {
        username: 'seller@contoso-partner.example',
        displayName: 'Group Seller',
        groups: [ALLOWED_GROUP],
      });
      await signInAs('seller@contoso-partner.example');
      const { context, page } = await freshPage();
      await page.goto(`${base}/auth/sign-in`);
      await page.locator('#signed-in-user', { hasText: 'Signed in as Group Seller' }).waitFor();
      await page.getByRole('heading', { name: 'Overview' }).waitFor();
      await context.close();
    });

    it('refuses a user who is not on the allow-list, with a page that says why and what to do', async () => {
      await signInAs('norole@contoso-partner.example');
      const { context, page } = await freshPage();
      const answer = await page.goto(`${base}/auth/sign-in`);
      await page.locator('#sign-in-refusal').waitFor();
      expect(answer?.status()).toBe(403);
      expect(await page.locator('#refusal-heading').textContent()).toBe(
        'This account may not use the dashboard',
      );
      expect(await page.locator('#refusal-message').textContent()).toContain(
        'norole@contoso-partner.example',
      );
      expect(await page.locator('#refusal-fix').textContent()).toContain('dashboard.signIn.allowedUsers');
      await screenshot(page, 'sign-in-refused');
      expect(await sessionCookieOf(context)).toBeUndefined();
      await context.close();
    });

    it('refuses an account of another tenant even when its name is on the list', async () => {
      await sandbox.pc('POST', '/__emulator/users', {
        username: 'visitor@fabrikam.example',
        displayName: 'Fabrikam Visitor',
        homeTenantId: OTHER_TENANT,
      });
      await signInAs('visitor@fabrikam.example');
      const { context, page } = await freshPage();
      const answer = await page.goto(`${base}/auth/sign-in`);
      await page.locator('#sign-in-refusal').waitFor();
      expect(answer?.status()).toBe(403);
      expect(await page.locator('#refusal-heading').textContent()).toBe(
        'This account belongs to another organization',
      );
      expect(await page.locator('#refusal-message').textContent()).toContain(OTHER_TENANT);
      expect(await sessionCookieOf(context)).toBeUndefined();
      await context.close();
    });

    it('refuses a callback that no sign-in in this browser started', async () => {
      const { context, page } = await freshPage();
      const answer = await page.goto(`${base}/auth/callback?code=stolen-code&state=guessed-state`);
      expect(answer?.status()).toBe(400);
      expect(await page.locator('#refusal-heading').textContent()).toBe('This sign-in cannot be finished');
      await context.close();
    });
  },
);

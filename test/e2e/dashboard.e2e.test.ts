/**
 * The admin dashboard in a real headless Chromium against the real sandbox: the page loads its data from the
 * admin API, shows links, their audit trail, retries, filters, errors, and asks for the admin token when the
 * server requires one. Screenshots go to a temp dir (set COSELL_KEEP_SCREENSHOTS to keep them for a look).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LinkRow } from '../../src/store/store.ts';
import {
  inboundReferral,
  startTestSandbox,
  type TestSandbox,
  waitFor,
  waitForQuiet,
} from '../support/sandboxHarness.ts';
import { newLinkFixture } from '../support/storeContract.ts';

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--no-first-run',
];
const ADMIN_TOKEN = 'dashboard-e2e-admin-token-0123456789';

const CHROMIUM_PATH = '/usr/bin/chromium';
/** Without Debian's chromium the browser tests cannot run: outside CI they say so; in CI that is a failure. */
const hasChromium = existsSync(CHROMIUM_PATH);

let browser: Browser;
const screenshotDir = mkdtempSync(join(tmpdir(), 'cosell-dashboard-'));

if (!hasChromium) {
  describe('the dashboard without a browser on this machine', () => {
    it('does not run the browser tests outside CI, and says how to run them', () => {
      if (process.env['CI'])
        throw new Error(`${CHROMIUM_PATH} is missing: install the chromium package (CI installs it).`);
      process.stderr.write(
        `${CHROMIUM_PATH} is missing: dashboard browser tests did not run (apt-get install chromium).\n`,
      );
      expect(hasChromium).toBe(false);
    });
  });
}

beforeAll(async () => {
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
  if (process.env['COSELL_KEEP_SCREENSHOTS'])
    process.stderr.write(`dashboard screenshots: ${screenshotDir}\n`);
  else rmSync(screenshotDir, { recursive: true, force: true });
});

/** A page that records script errors and CSP violations, so a test can assert there were none. */
async function openDashboard(url: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 } });
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed requests are checked by URL below (a 401 from the API is expected on a token-protected server).
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && response.status() !== 401)
      problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** Evaluates a browser expression (a string: this project's TypeScript has no DOM types). */
const inPage = (page: Page, expression: string) => page.evaluate<unknown>(expression);

const linkRow = (page: Page, referralId: string) =>
  page.locator('#links-table tbody tr', { hasText: referralId });

describe.runIf(hasChromium)('the dashboard, open (no admin token)', () => {
  let sandbox: TestSandbox;
  let base: string;
  beforeAll(async () => {
    // A single-currency org, so a referral in another currency is refused and its link shows an error.
    sandbox = await startTestSandbox({
      orgSettings: { multiCurrency: false, defaultCurrency: 'USD', teamSelling: true, notesEnabled: true },
    });
    base = sandbox.urls.connector;
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  const linkFor = (referralId: string, state: LinkRow['state']) =>
    waitFor(`the ${state} link of referral ${referralId}`, async () => {
      const link = await sandbox.connector.store.links.findByReferralId('sandbox', referralId);
      return link?.state === state ? link : null;
    });

  it('serves the page, script and stylesheet with their content types and a content security policy', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/dashboard.js', 'text/javascript'],
      ['/dashboard.css', 'text/css'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toContain(type);
      expect(response.headers.get('content-security-policy')).toBe(
        "default-src 'self'; frame-ancestors 'none'",
      );
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect(await (await fetch(`${base}/`)).text()).toContain('<script type="module" src="/dashboard.js">');
  });

  it('shows a new referral’s link, opens its audit trail, retries it, filters by state and shows a link error', async () => {
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Dashboard deal' }),
    );
    const referralId = String(created['id']);
    const link = await linkFor(referralId, 'synced');

    const { page, problems } = await openDashboard(base);
    const row = linkRow(page, referralId);
    await row.waitFor();
    const cells = await row.locator('td').allTextContents();
    expect(cells.slice(0, 3)).toEqual(['synced', referralId, String(link.opportunityId)]);
    expect(await page.locator('#connection-state').textContent()).toBe('Active');
    expect(await page.locator('#connection-fix').isHidden()).toBe(true);

    // A click on the row opens its audit trail: the create entry with its field changes (before → after).
    await row.locator('td').first().click();
    const createdEntry = page.locator('#audit-list li.entry', { hasText: 'Created opportunity' });
    await createdEntry.waitFor();
    expect(await createdEntry.locator('.entry-message').textContent()).toBe(
      `Created opportunity ${link.opportunityId} from referral ${referralId}.`,
    );
    expect(await createdEntry.textContent()).toContain('trigger: ');
    expect(await createdEntry.textContent()).toContain('direction: to Salesforce');
    const nameChange = createdEntry.locator('.changes li', { hasText: 'Dashboard deal' });
    await nameChange.first().waitFor();
    expect(await nameChange.first().locator('.after').textContent()).toBe('Dashboard deal');
    expect(await nameChange.first().textContent()).toContain(' → ');
    expect(await page.locator('#audit-heading').textContent()).toBe(`Audit trail: link ${link.id}`);

    // Retry: the API answers 202 and the page says so.
    await row.getByRole('button', { name: `Retry link ${link.id}`, exact: true }).click();
    const notice = page.locator('#notice');
    await notice.filter({ hasText: /job/ }).waitFor();
    expect(await notice.textContent()).toMatch(
      new RegExp(
        `(Retry queued for link ${link.id} \\(HTTP 202\\)|A sync of link ${link.id} was already queued)`,
      ),
    );

    // A referral in euros is refused by the single-currency org: its link is in error with the reason.
    const details = { ...(inboundReferral()['details'] as Record<string, unknown>), currency: 'EUR' };
    const euros = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Euro deal', details }),
    );
    const euroReferralId = String(euros['id']);
    const errorLink = await linkFor(euroReferralId, 'error');
    await page.locator('#state-filter').selectOption('error');
    const errorRow = linkRow(page, euroReferralId);
    await errorRow.waitFor();
    await row.waitFor({ state: 'detached' });
    expect(await errorRow.locator('td.last-error').textContent()).toBe(errorLink.lastError?.message);
    expect(errorLink.lastError?.message).toMatch(/EUR.*single-currency org in USD/);
    expect(await page.locator('#links-table tbody tr').count()).toBe(
      (await sandbox.connector.store.links.list({ connectionId: 'sandbox', state: 'error' })).length,
    );

    await page.locator('#state-filter').selectOption('synced');
    await row.waitFor();
    await errorRow.waitFor({ state: 'detached' });

    await page.locator('#state-filter').selectOption('');
    await errorRow.waitFor();
    await page.screenshot({ path: join(screenshotDir, 'dashboard-1280.png'), fullPage: true });
    await page.setViewportSize({ width: 800, height: 900 });
    await page.screenshot({ path: join(screenshotDir, 'dashboard-800.png'), fullPage: true });
    // At 800 px nothing is cut off: no page-wide scrolling and every row's buttons inside the table's box.
    expect(
      await inPage(page, 'document.documentElement.scrollWidth - window.innerWidth'),
    ).toBeLessThanOrEqual(0);
    const table = await page.locator('#links-table').locator('xpath=..').boundingBox();
    const clipped: (string | null)[] = [];
    for (const button of await page.locator('#links-table button').all()) {
      const box = await button.boundingBox();
      if (!box || !table || box.x + box.width > table.x + table.width + 1)
        clipped.push(await button.getAttribute('aria-label'));
    }
    expect(clipped).toEqual([]);
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a paused connection with its reason and the command that fixes it', async () => {
    // A sync that finishes after the pause would resume the connection (it works again): let earlier work end.
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.connector.store.connections.setState('sandbox', 'paused', 'Partner Center sign-in expired');
    try {
      const { page, problems } = await openDashboard(base);
      await page.locator('#connection-state', { hasText: 'Paused' }).waitFor();
      expect(await page.locator('#connection-reason').textContent()).toBe(
        'Reason: Partner Center sign-in expired',
      );
      expect(await page.locator('#connection-fix').textContent()).toContain('cosell connect partner-center');
      expect(await page.locator('#connection-fix').isVisible()).toBe(true);
      expect(problems).toEqual([]);
      await page.close();
    } finally {
      await sandbox.connector.store.connections.setState('sandbox', 'active', null);
    }
  });

  it('shows data as text: markup in an audit message is not interpreted', async () => {
    const created = await sandbox.pc('POST', '/__emulator/referrals', inboundReferral({ name: 'Escaping' }));
    const referralId = String(created['id']);
    const link = await linkFor(referralId, 'synced');
    const markup = '<img src="x" id="injected" onerror="window.injected = true"><b>bold</b>';
    await sandbox.connector.store.audit.append({
      connectionId: 'sandbox',
      linkId: link.id,
      referralId,
      opportunityId: link.opportunityId,
      at: new Date(Date.now() + 60_000).toISOString(),
      trigger: 'cli',
      direction: 'none',
      outcome: 'noop',
      changes: [{ field: 'name', side: 'salesforce', before: '<i>old</i>', after: { html: '<script>' } }],
      error: null,
      message: markup,
    });

    const { page, problems } = await openDashboard(base);
    await linkRow(page, referralId)
      .getByRole('button', { name: `Audit trail for link ${link.id}`, exact: true })
      .click();
    const newest = page.locator('#audit-list li.entry').first();
    await newest.filter({ hasText: 'bold' }).waitFor();
    expect(await newest.locator('.entry-message').textContent()).toBe(markup);
    expect(await newest.locator('.changes li').textContent()).toBe(
      'name in Salesforce: <i>old</i> → {"html":"<script>"}',
    );
    expect(await page.locator('#injected, #audit-list b, #audit-list i').count()).toBe(0);
    expect(await inPage(page, 'window.injected')).toBeUndefined();
    // Focus moved to the audit trail; closing it returns focus to the button that opened it.
    expect(await inPage(page, 'document.activeElement?.id')).toBe('audit-heading');
    await page.locator('#audit-close').click();
    await waitFor('focus back on the audit button', () =>
      inPage(page, `document.activeElement?.getAttribute('data-focus-key') === 'audit:${link.id}'`),
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('lists a dead-lettered sync and redrives it from its button', async () => {
    // Salesforce refuses the opportunity write once with a 400: a permanent error dead-letters the job at once.
    await sandbox.sf('POST', '/__emulator/faults', {
      match: { method: 'PATCH', path: '/services/data/' },
      status: 400,
      count: 1,
    });
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Redrive deal' }),
    );
    const referralId = String(created['id']);
    const deadLetter = await waitFor('the dead letter', async () => {
      const all = await sandbox.connector.store.deadLetters.list({ connectionId: 'sandbox' });
      return all.find((row) => JSON.stringify(row.payload).includes(referralId));
    });

    const { page, problems } = await openDashboard(base);
    const deadRow = page.locator('#dead-table tbody tr', { hasText: deadLetter.jobKey });
    await deadRow.waitFor();
    expect(await deadRow.locator('td.last-error').textContent()).toBe(
      `${deadLetter.errorKind}: ${deadLetter.errorMessage}`,
    );
    await deadRow.getByRole('button', { name: `Redrive dead letter ${deadLetter.id}`, exact: true }).click();
    await page
      .locator('#notice', { hasText: `Dead letter ${deadLetter.id} is back in the queue (HTTP 202)` })
      .waitFor();
    // The redriven job runs again and, with the fault used up, creates the opportunity.
    await linkFor(referralId, 'synced');
    await linkRow(page, referralId).locator('td', { hasText: 'synced' }).waitFor();
    await deadRow.waitFor({ state: 'detached' });
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows links beyond the first page of 100 on "Show more links"', async () => {
    // Links as the store holds them (no upstream records): a state no other test uses keeps the count exact.
    for (let index = 0; index < 105; index += 1) {
      await sandbox.connector.store.links.insert(
        newLinkFixture({
          connectionId: 'sandbox',
          referralId: `paging-referral-${index}`,
          state: 'conflict',
          lastError: { code: 'conflict', message: `paging check ${index}` },
        }),
      );
    }
    const { page, problems } = await openDashboard(base);
    await page.locator('#state-filter').selectOption('conflict');
    const rows = page.locator('#links-table tbody tr');
    await waitFor(
      'the first 100 conflict links',
      async () => (await rows.count()) === 100 && (await rows.locator('.badge-conflict').count()) === 100,
    );
    await linkRow(page, 'paging-referral-99').waitFor();
    expect(await linkRow(page, 'paging-referral-100').count()).toBe(0);
    await page.getByRole('button', { name: 'Show more links' }).click();
    await linkRow(page, 'paging-referral-104').waitFor();
    expect(await rows.count()).toBe(105);
    await page.getByRole('button', { name: 'Show more links' }).waitFor({ state: 'hidden' });
    expect(problems).toEqual([]);
    await page.close();
  });
});

describe.runIf(hasChromium)('the dashboard with server.adminToken set', () => {
  let sandbox: TestSandbox;
  beforeAll(async () => {
    sandbox = await startTestSandbox({ configOverrides: { server: { adminToken: ADMIN_TOKEN } } });
  });
  afterAll(async () => {
    await sandbox?.stop();
  });

  it('serves the page without a token, asks for it, refuses a wrong one and shows the data with the right one', async () => {
    const base = sandbox.urls.connector;
    expect((await fetch(`${base}/`)).status).toBe(200);
    expect((await fetch(`${base}/api/status`)).status).toBe(401);
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Token deal' }),
    );
    const referralId = String(created['id']);
    await waitFor('the link', () => sandbox.connector.store.links.findByReferralId('sandbox', referralId));

    const { page, problems } = await openDashboard(base, 800);
    const input = page.getByRole('textbox', { name: 'Admin token' });
    await input.waitFor();
    expect(await page.locator('#data').isHidden()).toBe(true);
    await page.screenshot({ path: join(screenshotDir, 'dashboard-token-prompt.png') });

    await input.fill('not-the-admin-token-at-all');
    await page.getByRole('button', { name: 'Show data' }).click();
    await page.locator('#token-explain', { hasText: 'refused' }).waitFor();
    expect(await inPage(page, "sessionStorage.getItem('cosell.adminToken')")).toBeNull();

    await input.fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Show data' }).click();
    await linkRow(page, referralId).waitFor();
    expect(await page.locator('#token-panel').isHidden()).toBe(true);
    expect(await inPage(page, "sessionStorage.getItem('cosell.adminToken')")).toBe(ADMIN_TOKEN);
    // The token is kept for this tab: a reload shows the data without asking again.
    await page.reload();
    await linkRow(page, referralId).waitFor();
    expect(await page.locator('#token-panel').isHidden()).toBe(true);
    await page.screenshot({ path: join(screenshotDir, 'dashboard-token-800.png'), fullPage: true });
    expect(problems).toEqual([]);
    await page.close();
  });
});

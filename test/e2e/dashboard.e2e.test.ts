/**
 * The admin dashboard in a real headless Chromium against the real sandbox: each view (overview, deals, deal page,
 * needs attention, mapping) loads its data from the admin API; searches narrow the list, a retry turns an error
 * green, markup stays text, the page fits a laptop and a phone, and the admin token is asked for when the server
 * requires one. Screenshots go to test-artifacts/screenshots/ (gitignored; CI keeps them as artefacts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DealListResponse } from '../../src/http/adminTypes.ts';
import type { LinkRow } from '../../src/store/store.ts';
import {
  inboundReferral,
  recordForReferral,
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
const screenshotDir = join(import.meta.dirname, '..', '..', 'test-artifacts', 'screenshots');
const screenshot = (page: Page, name: string) =>
  page.screenshot({ path: join(screenshotDir, `${name}.png`), fullPage: true });

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
  mkdirSync(screenshotDir, { recursive: true });
  if (hasChromium) browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_ARGS });
});
afterAll(async () => {
  await browser?.close();
});

/** Answers a page may get without anything being wrong: no token yet, and no alerts endpoint on this build. */
const expectedFailure = (status: number, url: string) =>
  status === 401 || (status === 404 && new URL(url).pathname === '/api/alerts');

/** A page that records script errors, CSP violations and failed requests, so a test can assert there were none. */
async function openDashboard(url: string, width = 1280): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage({ viewport: { width, height: 900 }, locale: 'en-US' });
  page.setDefaultTimeout(20_000);
  const problems: string[] = [];
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // Failed requests are checked by URL below.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource'))
      problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !expectedFailure(response.status(), response.url()))
      problems.push(`HTTP ${response.status()} for ${response.url()}`);
  });
  await page.goto(url);
  return { page, problems };
}

/** Evaluates a browser expression (a string: this project's TypeScript has no DOM types outside web/). */
const inPage = (page: Page, expression: string) => page.evaluate<unknown>(expression);

const dealRow = (page: Page, text: string) => page.locator('#deals-table tbody tr', { hasText: text });
const attentionRow = (page: Page, text: string) =>
  page.locator('#attention-table tbody tr', { hasText: text });

/** Nothing is cut off: no page-wide horizontal scrolling at this width. */
async function expectNoPageScroll(page: Page): Promise<void> {
  expect(await inPage(page, 'document.documentElement.scrollWidth - window.innerWidth')).toBeLessThanOrEqual(
    0,
  );
}

describe.runIf(hasChromium)('the dashboard, open (no admin token)', () => {
  let sandbox: TestSandbox;
  let base: string;
  beforeAll(async () => {
    // A single-currency org, so a referral in another currency is refused and its deal shows an error.
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
  const newReferral = async (overrides: Record<string, unknown>) =>
    String((await sandbox.pc('POST', '/__emulator/referrals', inboundReferral(overrides)))['id']);
  const customer = (name: string) => ({
    ...(inboundReferral()['customerProfile'] as Record<string, unknown>),
    name,
  });
  const api = async (path: string, init?: RequestInit) => {
    const response = await fetch(`${base}${path}`, init);
    return { status: response.status, body: (await response.json()) as Record<string, unknown> };
  };

  it('serves the page, its scripts and stylesheet with their content types and a content security policy', async () => {
    for (const [path, type] of [
      ['/', 'text/html'],
      ['/dashboard.js', 'text/javascript'],
      ['/lib/api.js', 'text/javascript'],
      ['/views/deal.js', 'text/javascript'],
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
    expect((await fetch(`${base}/tsconfig.json`)).status).toBe(404);
  });

  it('lists deals with name, account, amount, stage, state, last sync and links; a search narrows the list', async () => {
    const alphaId = await newReferral({
      name: 'Dashboard Alpha deal',
      customerProfile: customer('Alpine Skis AG'),
    });
    const betaId = await newReferral({ name: 'Dashboard Beta deal' });
    const alpha = await linkFor(alphaId, 'synced');
    const beta = await linkFor(betaId, 'synced');

    const { page, problems } = await openDashboard(`${base}/#/deals`);
    const row = dealRow(page, alphaId);
    await row.waitFor();
    const cells = row.locator('td');
    expect(await cells.nth(0).locator('.deal-link').textContent()).toBe('Dashboard Alpha deal');
    expect(await cells.nth(0).textContent()).toContain(`${alphaId} · ${alpha.opportunityId}`);
    expect(await cells.nth(1).textContent()).toBe('Alpine Skis AG');
    expect(await cells.nth(2).textContent()).toBe('$120,000.00');
    // A new inbound referral waits in the on-hold stage until the seller accepts it.
    expect(await cells.nth(3).textContent()).toBe('ProspectingNew/Pending');
    expect(await cells.nth(4).textContent()).toBe('synced');
    const lastAudit = (
      await sandbox.connector.store.audit.list({ connectionId: 'sandbox', linkId: alpha.id })
    )[0];
    expect(await cells.nth(5).locator('time').getAttribute('datetime')).toBe(lastAudit?.at);
    expect(await cells.nth(5).locator('.ids').textContent()).toBe(lastAudit?.trigger);
    const instanceUrl = sandbox.connector.salesforce.conn.instanceUrl.replace(/\/+$/, '');
    expect(
      await row.getByRole('link', { name: 'Open Dashboard Alpha deal in Salesforce' }).getAttribute('href'),
    ).toBe(`${instanceUrl}/lightning/r/Opportunity/${alpha.opportunityId}/view`);
    expect(
      await row
        .getByRole('link', { name: 'Open Dashboard Alpha deal in Partner Center' })
        .getAttribute('href'),
    ).toContain(alphaId);

    // Search by name narrows the list to the one deal; by the other deal's opportunity id to that one.
    const search = page.getByRole('searchbox', { name: 'Search' });
    await search.fill('alpha DEAL');
    await dealRow(page, betaId).waitFor({ state: 'detached' });
    await row.waitFor();
    expect(await page.locator('#deals-table tbody tr').count()).toBe(1);
    expect(await page.locator('#deals-range').textContent()).toBe('1–1 of 1');
    await search.fill(String(beta.opportunityId));
    await dealRow(page, betaId).waitFor();
    await row.waitFor({ state: 'detached' });
    await search.fill('');
    await row.waitFor();

    // Filters: no outgoing deals here; the last trigger of every row is the one the filter names.
    await page.getByLabel('Direction').selectOption('Outgoing');
    await page.locator('#deals-empty').waitFor({ state: 'visible' });
    await page.getByLabel('Direction').selectOption('');
    await page.getByLabel('Last trigger').selectOption(String(lastAudit?.trigger));
    await row.waitFor();
    await page.getByLabel('Last trigger').selectOption('');

    // Sorting by amount, ascending, is said to assistive technology too.
    await page.getByRole('button', { name: /^Sort by Amount/ }).click();
    await page.locator('th[data-sort="amount"][aria-sort="ascending"]').waitFor();
    await screenshot(page, 'deals-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoPageScroll(page);
    await screenshot(page, 'deals-phone');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a refused deal in error with its reason and fix, under the error filter and in Needs attention', async () => {
    const details = { ...(inboundReferral()['details'] as Record<string, unknown>), currency: 'EUR' };
    const euroId = await newReferral({ name: 'Euro deal', details });
    const errorLink = await linkFor(euroId, 'error');
    expect(errorLink.lastError?.message).toMatch(/EUR.*single-currency org in USD/);

    const { page, problems } = await openDashboard(`${base}/#/deals`);
    await page.locator('#state-filter').selectOption('error');
    const row = dealRow(page, euroId);
    await row.waitFor();
    expect(await row.locator('td.state .last-error').textContent()).toBe(errorLink.lastError?.message);
    const errors = await sandbox.connector.store.reports.searchDeals({
      connectionId: 'sandbox',
      state: 'error',
    });
    // The refused deal's row is in the list before the filter applies too: wait for the filtered list itself.
    await waitFor(
      `the error filter to list ${errors.total} deals`,
      async () => (await page.locator('#deals-table tbody tr').count()) === errors.total,
    );

    await page.getByRole('link', { name: /^Needs attention/ }).click();
    const attention = attentionRow(page, euroId);
    await attention.waitFor();
    expect(await attention.locator('td.last-error').textContent()).toBe(errorLink.lastError?.message);
    expect(await attention.locator('td.fix').textContent()).toContain('Change the currency on the referral');
    expect(await page.locator('#attention-count').textContent()).not.toBe('0');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a deal whose sync job was dead-lettered as such, and a retry from Needs attention turns it green', async () => {
    const gammaId = await newReferral({ name: 'Dashboard Gamma deal' });
    const gamma = await linkFor(gammaId, 'synced');
    // Salesforce refuses every update of this opportunity (the Composite call that carries it) with a 400
    // (permanent): the next sync of the deal is dead-lettered.
    await sandbox.sf('POST', '/__emulator/faults', {
      match: {
        method: 'POST',
        path: '/services/data/',
        bodyIncludes: `/sobjects/Opportunity/${String(gamma.opportunityId)}`,
      },
      status: 400,
      count: 1000,
    });
    const { page, problems } = await openDashboard(`${base}/#/deals`);
    const row = attentionRow(page, gammaId);
    try {
      await sandbox.pc('PATCH', `/__emulator/referrals/${gammaId}`, { name: 'Dashboard Gamma deal renamed' });
      await waitFor('the dead-lettered deal', async () => {
        const page = await sandbox.connector.store.reports.searchDeals({
          connectionId: 'sandbox',
          text: gammaId,
        });
        return page.rows[0]?.deadLetterId;
      });
      // The link itself may still say synced; the dashboard must not (the fault stays until the retry: nothing heals it).
      await page.getByRole('searchbox', { name: 'Search' }).fill(gammaId);
      await dealRow(page, gammaId).locator('.badge-deadLettered', { hasText: 'dead-lettered' }).waitFor();
      const listed = (await api(`/api/deals?q=${gammaId}`)).body as unknown as DealListResponse;
      expect(listed.deals[0]?.syncState).toBe('deadLettered');

      await page.getByRole('link', { name: /^Needs attention/ }).click();
      await row.waitFor();
      expect(await row.locator('td.last-error').textContent()).toMatch(/dead-lettered/);
      expect(await row.locator('td.fix').textContent()).toContain('correct the record or the mapping');
    } finally {
      await sandbox.sf('DELETE', '/__emulator/faults');
    }
    await row.getByRole('button', { name: `Retry link ${gamma.id}`, exact: true }).click();
    await page.locator('#notice', { hasText: `Retry queued for link ${gamma.id} (HTTP 202)` }).waitFor();
    // The redriven job runs again with the fault gone: the deal syncs and leaves the list.
    await row.waitFor({ state: 'detached' });
    await page.getByRole('link', { name: 'Deals', exact: true }).click();
    await page.getByRole('searchbox', { name: 'Search' }).fill(gammaId);
    await dealRow(page, gammaId).locator('.badge-synced').waitFor();
    expect(await dealRow(page, gammaId).locator('.deal-link').textContent()).toBe(
      'Dashboard Gamma deal renamed',
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('retries several deals at once from Needs attention', async () => {
    const ids = [await newReferral({ name: 'Bulk one' }), await newReferral({ name: 'Bulk two' })];
    const links = await Promise.all(ids.map((id) => linkFor(id, 'synced')));
    await waitForQuiet(sandbox, { quietMs: 1500 });
    for (const link of links)
      await sandbox.connector.store.links.update(link.id, {
        state: 'error',
        lastError: { code: 'transient', message: `Partner Center timed out for ${link.referralId}` },
      });
    const { page, problems } = await openDashboard(`${base}/#/attention`);
    for (const id of ids) await attentionRow(page, id).waitFor();
    expect(
      await attentionRow(page, ids[0] as string)
        .locator('td.fix')
        .textContent(),
    ).toContain('A service did not answer in time');
    await page.getByLabel('Select all').check();
    await page.getByRole('button', { name: 'Retry selected' }).click();
    await page.locator('#notice', { hasText: /Retry queued for \d+ deals \(HTTP 202\)/ }).waitFor();
    for (const id of ids) await attentionRow(page, id).waitFor({ state: 'detached' });
    for (const id of ids) await linkFor(id, 'synced');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('opens a deal page: both sides side by side, the audit trail, a dry run, differences, sync now and unlink', async () => {
    const deltaId = await newReferral({ name: 'Dashboard Delta deal' });
    const delta = await linkFor(deltaId, 'synced');
    const { page, problems } = await openDashboard(`${base}/#/deals`);
    await page.getByRole('searchbox', { name: 'Search' }).fill(deltaId);
    await dealRow(page, deltaId).getByRole('link', { name: 'Dashboard Delta deal', exact: true }).click();
    await page.locator('#deal-heading', { hasText: 'Dashboard Delta deal' }).waitFor();
    // Focus moves to the heading once the view has loaded (the comparison reads both systems first).
    await page.waitForFunction("document.activeElement?.id === 'deal-heading'", null, { timeout: 15_000 });

    const nameRow = page.locator('table.compare tr[data-field="name"]');
    await nameRow.waitFor();
    expect(await nameRow.locator('td.sf').textContent()).toBe('Dashboard Delta deal');
    expect(await nameRow.locator('td.pc').textContent()).toBe('Dashboard Delta deal');
    expect(await nameRow.locator('td.base').textContent()).toBe('Dashboard Delta deal');
    expect(await nameRow.locator('td.verdict').textContent()).toBe('same');
    // Child records: the customer contact from the referral, on both sides.
    const contacts = page.locator('table.compare tr[data-field="customerContacts"]');
    expect(await contacts.locator('td.pc').textContent()).toContain('avery.lee@contoso.example');
    expect(await contacts.locator('td.sf').textContent()).toContain('avery.lee@contoso.example');

    // The audit trail: the create entry with its field changes (before → after).
    const created = page.locator('#audit-list li.entry', { hasText: 'Created opportunity' });
    await created.waitFor();
    expect(await created.locator('.entry-message').textContent()).toBe(
      `Created opportunity ${delta.opportunityId} from referral ${deltaId}.`,
    );
    expect(await created.textContent()).toContain('direction: to Salesforce');
    const nameChange = created.locator('.changes li', { hasText: 'Dashboard Delta deal' }).first();
    expect(await nameChange.locator('.after').textContent()).toBe('Dashboard Delta deal');

    // A dry run writes nothing and says the deal is in sync.
    const auditBefore = await sandbox.connector.store.audit.list({
      connectionId: 'sandbox',
      linkId: delta.id,
    });
    await page.getByRole('button', { name: 'Dry run: show the plan' }).click();
    await page.locator('#plan-panel').waitFor({ state: 'visible' });
    const plan = (await api(`/api/deals/${delta.id}/plan`, { method: 'POST' })).body;
    const planned = plan['toSalesforce'] as unknown[];
    expect(await page.locator('#plan-message').textContent()).toMatch(new RegExp(`^${plan['action']}: `));
    expect(await page.locator('#plan-changes li').count()).toBe(
      planned.length + (plan['toPartnerCenter'] as unknown[]).length,
    );
    expect(await sandbox.connector.store.audit.list({ connectionId: 'sandbox', linkId: delta.id })).toEqual(
      auditBefore,
    );

    // The seller stops syncing and changes the amount: the page shows the difference once both sides are read.
    await sandbox.seller
      .sobject('Opportunity')
      .update({ Id: String(delta.opportunityId), Sync_with_Partner_Center__c: false });
    await linkFor(deltaId, 'paused');
    await sandbox.seller.sobject('Opportunity').update({ Id: String(delta.opportunityId), Amount: 99_000 });
    await page.getByRole('button', { name: 'Read both sides again' }).click();
    const valueRow = page.locator('table.compare tr[data-field="dealValue"].cmp-differs');
    await valueRow.waitFor();
    expect(await valueRow.locator('td.sf').textContent()).toBe('99000');
    expect(await valueRow.locator('td.pc').textContent()).toBe('120000');
    expect(await valueRow.locator('td.verdict').textContent()).toBe('differs');
    await screenshot(page, 'deal-page-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoPageScroll(page);
    await screenshot(page, 'deal-page-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await page.getByRole('button', { name: 'Sync now' }).click();
    await page.locator('#notice', { hasText: /queued|already queued/ }).waitFor();

    await page.getByRole('button', { name: 'Unlink' }).click();
    await page.getByRole('button', { name: 'Yes, unlink' }).click();
    await page.locator('#notice', { hasText: `Unlinked link ${delta.id}` }).waitFor();
    await page.locator('#deals-heading').waitFor();
    expect(await sandbox.connector.store.links.get(delta.id)).toBeNull();
    const [unlinked] = await sandbox.connector.store.audit.list({
      connectionId: 'sandbox',
      outcome: 'skipped',
    });
    expect(unlinked?.message).toBe(
      `Unlinked referral ${deltaId} and opportunity ${delta.opportunityId} (link ${delta.id}).`,
    );
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows data as text: markup in an audit message is not interpreted', async () => {
    const referralId = await newReferral({ name: 'Escaping' });
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
    const { page, problems } = await openDashboard(`${base}/#/deals/${link.id}`);
    const newest = page.locator('#audit-list li.entry').first();
    await newest.filter({ hasText: 'bold' }).waitFor();
    expect(await newest.locator('.entry-message').textContent()).toBe(markup);
    expect(await newest.locator('.changes li').textContent()).toBe(
      'name in Salesforce: <i>old</i> → {"html":"<script>"}',
    );
    expect(await page.locator('#injected, #audit-list b, #audit-list i').count()).toBe(0);
    expect(await inPage(page, 'window.injected')).toBeUndefined();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the overview: activity chart, triggers, schedule, queue, API use and connection health', async () => {
    const { page, problems } = await openDashboard(`${base}/`);
    await page.locator('#connection-state', { hasText: 'Active' }).waitFor();
    expect(await page.locator('#connection-fix').isHidden()).toBe(true);
    const chart = page.getByRole('img', { name: /^Last 24 hours: \d+ syncs without error, \d+ errors$/ });
    await chart.waitFor();
    const overview = (await api('/api/overview')).body;
    const activity = overview['activity'] as { ok: number; errors: number; other: number }[];
    expect(activity).toHaveLength(24);
    const synced = activity.reduce((sum, hour) => sum + hour.ok + hour.other, 0);
    expect(synced).toBeGreaterThan(0);
    expect(await chart.getAttribute('aria-label')).toContain(
      `${activity.reduce((s, h) => s + h.ok, 0)} syncs`,
    );
    expect(await page.locator('#activity-chart rect.bar-ok').count()).toBe(24);
    const schedule = page.locator('#schedule');
    const byTrigger = overview['byTrigger'] as Record<string, number>;
    expect(byTrigger['webhook']).toBeGreaterThan(0);
    await schedule
      .locator('dd')
      .first()
      .filter({ hasText: String(byTrigger['webhook']) })
      .waitFor();
    expect(overview['lastPollAt']).toEqual(expect.any(String));
    expect(await schedule.textContent()).not.toMatch(/last Salesforce poll—/);
    const usage = sandbox.connector.salesforce.client.apiUsage();
    expect(await page.locator('#api-usage').textContent()).toContain(
      usage ? `of ${usage.max.toLocaleString('en-US')} requests` : 'Not known yet',
    );
    expect(await page.locator('#alerts-panel').isVisible()).toBe(true);
    await screenshot(page, 'overview-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await expectNoPageScroll(page);
    await screenshot(page, 'overview-phone');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows a paused connection with its reason and the command that fixes it', async () => {
    // A sync that finishes after the pause would resume the connection (it works again): let earlier work end.
    await waitForQuiet(sandbox, { quietMs: 1500 });
    await sandbox.connector.store.connections.setState('sandbox', 'paused', 'Partner Center sign-in expired');
    try {
      const { page, problems } = await openDashboard(`${base}/#/overview`);
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

  it('shows the effective mapping and tests it against a record', async () => {
    const referralId = await newReferral({ name: 'Mapping check' });
    const link = await linkFor(referralId, 'synced');
    const { page, problems } = await openDashboard(`${base}/#/mapping`);
    const amount = page.locator('#mapping-fields tr', { hasText: 'dealValue' });
    await amount.waitFor();
    expect(await amount.locator('td').allTextContents()).toEqual(['Amount', 'both', 'newest']);

    await page.locator('#mapping-test-kind').selectOption('opportunityId');
    await page.locator('#mapping-test-id').fill(String(link.opportunityId));
    await page.getByRole('button', { name: 'Test' }).click();
    const nameRow = page.locator('#mapping-test-result tr[data-field="name"]');
    await nameRow.waitFor();
    expect(await nameRow.locator('td.sf').textContent()).toBe('Mapping check');
    expect(await nameRow.locator('th').textContent()).toContain('Name');
    expect(await page.locator('#mapping-test-status').textContent()).toBe(
      `Opportunity ${link.opportunityId} and referral ${referralId} read through the mapping.`,
    );
    const unknown = await api('/api/mapping/test', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ opportunityId: '006000000000000AAA' }),
    });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('neither a referral nor an opportunity');
    await screenshot(page, 'mapping-1280');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('pages through many deals on the server', async () => {
    // Links as the store holds them (no upstream records): a state no other test uses keeps the count exact.
    for (let index = 0; index < 105; index += 1) {
      await sandbox.connector.store.links.insert(
        newLinkFixture({
          connectionId: 'sandbox',
          referralId: `paging-referral-${String(index).padStart(3, '0')}`,
          state: 'conflict',
          lastError: { code: 'conflict', message: `paging check ${index}` },
        }),
      );
    }
    const { page, problems } = await openDashboard(`${base}/#/deals`);
    await page.locator('#state-filter').selectOption('conflict');
    await page.locator('#deals-range', { hasText: '1–25 of 105' }).waitFor();
    expect(await page.locator('#deals-table tbody tr').count()).toBe(25);
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.locator('#deals-range', { hasText: '26–50 of 105' }).waitFor();
    await page.getByRole('button', { name: /^Sort by Deal/ }).click();
    await page.locator('#deals-range', { hasText: '1–25 of 105' }).waitFor();
    // Deals without a name sort by nothing but their link id: the first page ends with the 25th link.
    await dealRow(page, 'paging-referral-024').waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('shows the sign-ins and the webhook on the Overview, and the fix for each bad state', async () => {
    const { page, problems } = await openDashboard(`${base}/`);
    const check = (name: string) => page.locator(`#health-list li[data-check="${name}"]`);
    await check('Partner Center sign-in').filter({ hasText: 'admin@contoso-partner.example' }).waitFor();
    expect(await check('Partner Center sign-in').textContent()).toMatch(
      /^OK Partner Center sign-in: .*with MFA$/,
    );
    expect(await check('Partner Center sign-in renewal').textContent()).toContain('lapses on');
    expect(await check('Salesforce sign-in').textContent()).toMatch(/^OK Salesforce sign-in: jwt at http/);
    expect(await check('Webhook registration').textContent()).toContain(`${base}/webhooks/partner-center`);
    expect(await page.locator('#health-list .fix').count()).toBe(0);

    // The webhook is gone and Salesforce refuses the connector's session: each line says so, with its fix.
    await sandbox.connector.webhooks.remove();
    await sandbox.sf('POST', '/__emulator/faults', {
      match: { path: '/services/data/v62.0/limits' },
      status: 500,
      count: 20,
    });
    try {
      await page.getByRole('button', { name: 'Check again' }).click();
      const webhook = check('Webhook registration');
      await webhook.filter({ hasText: 'no webhook is registered' }).waitFor();
      expect(await webhook.locator('.badge').textContent()).toBe('Check');
      expect(await webhook.locator('.fix').textContent()).toBe('What to do: run `cosell webhooks register`');
      const salesforce = check('Salesforce sign-in');
      expect(await salesforce.locator('.badge').textContent()).toBe('Needs action');
      expect(await salesforce.locator('.fix').textContent()).toMatch(/^What to do: ./);
      await screenshot(page, 'overview-health');
    } finally {
      await sandbox.sf('DELETE', '/__emulator/faults');
      await sandbox.connector.webhooks.register(`${base}/webhooks/partner-center`, undefined, {
        overwrite: true,
      });
    }
    await page.getByRole('button', { name: 'Check again' }).click();
    await check('Webhook registration')
      .filter({ hasText: `${base}/webhooks/partner-center` })
      .waitFor();
    expect(problems).toEqual([]);
    await page.close();
  });

  it('refuses a change asked for by a page on another site', async () => {
    const refused = await api('/api/deals/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://attacker.example' },
      body: JSON.stringify({ linkIds: ['1'] }),
    });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: 'forbidden' } });
    const sameSite = await api('/api/deals/retry', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: base, 'sec-fetch-site': 'same-origin' },
      body: JSON.stringify({ linkIds: ['999999'] }),
    });
    expect(sameSite).toEqual({ status: 202, body: { queued: [], redriven: [], notFound: ['999999'] } });
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
    expect((await fetch(`${base}/api/deals`)).status).toBe(401);
    const created = await sandbox.pc(
      'POST',
      '/__emulator/referrals',
      inboundReferral({ name: 'Token deal' }),
    );
    const referralId = String(created['id']);
    await waitFor('the link', () => sandbox.connector.store.links.findByReferralId('sandbox', referralId));
    await waitFor('an opportunity', () => recordForReferral(sandbox, referralId));

    const { page, problems } = await openDashboard(`${base}/#/deals`, 800);
    const input = page.getByRole('textbox', { name: 'Admin token' });
    await input.waitFor();
    expect(await page.locator('#data').isHidden()).toBe(true);
    await screenshot(page, 'token-prompt');

    await input.fill('not-the-admin-token-at-all');
    await page.getByRole('button', { name: 'Show data' }).click();
    await page.locator('#token-explain', { hasText: 'refused' }).waitFor();
    expect(await inPage(page, "sessionStorage.getItem('cosell.adminToken')")).toBeNull();

    await input.fill(ADMIN_TOKEN);
    await page.getByRole('button', { name: 'Show data' }).click();
    await dealRow(page, referralId).waitFor();
    expect(await page.locator('#token-panel').isHidden()).toBe(true);
    expect(await inPage(page, "sessionStorage.getItem('cosell.adminToken')")).toBe(ADMIN_TOKEN);
    // The token is kept for this tab: a reload shows the data without asking again.
    await page.reload();
    await dealRow(page, referralId).waitFor();
    expect(await page.locator('#token-panel').isHidden()).toBe(true);
    await expectNoPageScroll(page);
    await screenshot(page, 'token-deals-800');
    expect(problems).toEqual([]);
    await page.close();
  });
});

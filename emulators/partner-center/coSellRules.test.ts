import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  coSellBody,
  type EmulatorClient,
  privateDealBody,
  startEmulatorClient,
} from '../../test/support/partnerCenterEmulatorKit.ts';
import type { JsonObject } from './referralRules.ts';

const REFERRALS = '/v1.0/engagements/referrals';
let client: EmulatorClient;

beforeAll(async () => {
  client = await startEmulatorClient();
});
afterEach(async () => {
  await client.control('POST', '/__emulator/reset');
});
afterAll(async () => {
  await client.emulator.close();
});

const SERVICES_FIELDS = {
  partnerRole: 'Implementation',
  solutionArea: 'CloudAndAIPlatforms',
  solutionPlay: 'MigrateAndModernizeYourEstate',
};

const rules = (body: JsonObject) => client.control('PUT', '/__emulator/co-sell-rules', body);
const errorOf = (result: { json: JsonObject }) => result.json['error'] as JsonObject;
const partnerLedBody = (overrides: JsonObject = {}) =>
  privateDealBody({
    type: 'Shared',
    consent: {
      consentToToShareInfoWithOthers: true,
      consentToContact: true,
      consentToShareReferralWithMicrosoftSellers: true,
    },
    ...overrides,
  });
const patch = (id: unknown, operations: JsonObject[]) =>
  client.call('PATCH', `${REFERRALS}/${String(id)}`, operations, { prefer: 'return=representation' });

describe('a co-sell-ready solution', () => {
  it('is required before any share with Microsoft sellers, partner-led included', async () => {
    const refused = await client.call('POST', REFERRALS, partnerLedBody());
    expect(refused.status).toBe(400);
    expect(errorOf(refused)).toMatchObject({
      code: 'invalidRequest',
      target: 'details.requirements.solutions',
    });
    const withSolution = await client.call(
      'POST',
      REFERRALS,
      partnerLedBody({ details: coSellBody()['details'] }),
    );
    expect(withSolution.status).toBe(201);
    expect((await client.call('POST', REFERRALS, privateDealBody())).status).toBe(201);
  });

  it('must be one of the partner co-sell-ready solutions when the tenant lists them', async () => {
    await rules({ coSellReadySolutions: ['SOL-READY-1'] });
    const refused = await client.call('POST', REFERRALS, coSellBody());
    expect(refused.status).toBe(400);
    expect(String(errorOf(refused)['message'])).toContain("'SOL-34104-EBB' is not a co-sell-ready solution");
    const ready = coSellBody();
    (ready['details'] as JsonObject)['requirements'] = { solutions: [{ type: 'Name', id: 'SOL-READY-1' }] };
    expect((await client.call('POST', REFERRALS, ready)).status).toBe(201);
  });

  it('is required when a later change starts sharing a private referral', async () => {
    const created = await client.call('POST', REFERRALS, privateDealBody());
    const share = [
      { op: 'replace', path: '/type', value: 'Shared' },
      { op: 'replace', path: '/consent/consentToShareReferralWithMicrosoftSellers', value: true },
    ];
    const refused = await patch(created.json['id'], share);
    expect(refused.status).toBe(400);
    expect(errorOf(refused)['target']).toBe('details.requirements.solutions');
    const withSolution = await patch(created.json['id'], [
      ...share,
      { op: 'add', path: '/details/requirements', value: { solutions: [{ type: 'Name', id: 'SOL-1' }] } },
    ]);
    expect(withSolution.status).toBe(200);
  });
});

describe('Services co-sell referrals', () => {
  it('need partnerRole, solutionArea and solutionPlay from the FY26 taxonomy on a Services tenant', async () => {
    await rules({ partnerProgram: 'Services' });
    const refused = await client.call('POST', REFERRALS, coSellBody());
    expect(refused.status).toBe(400);
    const message = String(errorOf(refused)['message']);
    expect(message).toContain('partnerRole is required for Services co-sell referrals');
    expect(message).toContain('solutionArea is required');
    expect(message).toContain('solutionPlay is required');
    const created = await client.call('POST', REFERRALS, coSellBody(SERVICES_FIELDS));
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject(SERVICES_FIELDS);
    // Partner-led and private deals are not Services co-sell referrals.
    expect((await client.call('POST', REFERRALS, privateDealBody())).status).toBe(201);
  });

  it('refuse values outside the taxonomy and a play from another area, on any tenant', async () => {
    const wrongArea = await client.call('POST', REFERRALS, coSellBody({ solutionArea: 'ModernWork' }));
    expect(wrongArea.status).toBe(400);
    expect(String(errorOf(wrongArea)['message'])).toContain("solutionArea 'ModernWork' is not valid");
    const wrongPlay = await client.call(
      'POST',
      REFERRALS,
      coSellBody({ ...SERVICES_FIELDS, solutionArea: 'Security' }),
    );
    expect(wrongPlay.status).toBe(400);
    expect(errorOf(wrongPlay)['target']).toBe('solutionPlay');
  });

  it('are checked again when a change touches them, and only then', async () => {
    await rules({ partnerProgram: 'Services' });
    const created = await client.call('POST', REFERRALS, coSellBody(SERVICES_FIELDS));
    const id = created.json['id'];
    const newArea = await patch(id, [{ op: 'replace', path: '/solutionArea', value: 'Security' }]);
    expect(newArea.status).toBe(400);
    expect(errorOf(newArea)).toMatchObject({ code: 'invalidRequest', target: 'solutionPlay' });
    const cleared = await patch(id, [{ op: 'replace', path: '/partnerRole', value: null }]);
    expect(cleared.status).toBe(400);
    expect(String(errorOf(cleared)['message'])).toContain(
      'partnerRole is required for Services co-sell referrals',
    );
    const unchanged = await client.call('GET', `${REFERRALS}/${String(id)}`);
    expect(unchanged.json).toMatchObject(SERVICES_FIELDS);
    // Area and play changed together, and changes to other fields, go through.
    const both = await patch(id, [
      { op: 'replace', path: '/solutionArea', value: 'Security' },
      { op: 'replace', path: '/solutionPlay', value: 'DataSecurity' },
    ]);
    expect(both.status).toBe(200);
    const other = await patch(id, [{ op: 'replace', path: '/details/dealValue', value: 9 }]);
    expect(other.status).toBe(200);
  });
});

describe('customer marketplace purchase intent', () => {
  const withIntent = (id: string) => {
    const body = coSellBody();
    const details = body['details'] as JsonObject;
    details['requirements'] = {
      ...(details['requirements'] as JsonObject),
      additionalRequirements: { attributes: [{ id, type: 'CustomerMarketplaceIntent' }] },
    };
    return body;
  };

  it('is required on co-sell when the tenant asks for it, and must be Yes, No or HaveNotDecided', async () => {
    await rules({ requireMarketplaceIntent: true });
    const refused = await client.call('POST', REFERRALS, coSellBody());
    expect(refused.status).toBe(400);
    expect(errorOf(refused)['target']).toBe('customerMarketplaceIntent');
    expect((await client.call('POST', REFERRALS, withIntent('HaveNotDecided'))).status).toBe(201);
    const invalid = await client.call('POST', REFERRALS, withIntent('Maybe'));
    expect(invalid.status).toBe(400);
    expect(String(errorOf(invalid)['message'])).toContain('Yes, No, HaveNotDecided');
  });
});

describe('visibility to Microsoft sellers', () => {
  it("can't be reverted once shared: un-sharing and making the referral Independent are refused", async () => {
    const created = await client.call(
      'POST',
      REFERRALS,
      partnerLedBody({ details: coSellBody()['details'] }),
    );
    const id = created.json['id'];
    const unshare = await patch(id, [
      { op: 'replace', path: '/consent/consentToShareReferralWithMicrosoftSellers', value: false },
    ]);
    expect(unshare.status).toBe(400);
    expect(errorOf(unshare)).toMatchObject({
      code: 'invalidRequest',
      target: 'consent.consentToShareReferralWithMicrosoftSellers',
    });
    expect(String(errorOf(unshare)['message'])).toContain("visibility can't be reverted");
    const independent = await patch(id, [{ op: 'replace', path: '/type', value: 'Independent' }]);
    expect(independent.status).toBe(400);
    const stored = await client.call('GET', `${REFERRALS}/${String(id)}`);
    expect(stored.json).toMatchObject({
      type: 'Shared',
      consent: { consentToShareReferralWithMicrosoftSellers: true },
    });
    expect((await patch(id, [{ op: 'replace', path: '/name', value: 'Renamed' }])).status).toBe(200);
  });
});

describe('Joint Planning leads', () => {
  const lead = async () => {
    const created = await client.control('POST', '/__emulator/referrals', {
      ...privateDealBody({ type: 'Independent', qualification: 'SalesQualified' }),
      referralProgram: 'JointPlanning',
    });
    expect(created.status).toBe(201);
    return created.json;
  };
  const setStatus = (status: string, substatus: string) => [
    { op: 'replace', path: '/status', value: status },
    { op: 'replace', path: '/substatus', value: substatus },
  ];

  it('take the Qualify and Evaluate substatuses, which other referrals refuse', async () => {
    const jp = await lead();
    expect((await patch(jp['id'], setStatus('Active', 'Accepted'))).status).toBe(200);
    const qualify = await patch(jp['id'], setStatus('Active', 'Qualify'));
    expect(qualify.status).toBe(200);
    expect(qualify.json).toMatchObject({ status: 'Active', substatus: 'Qualify' });
    expect((await patch(jp['id'], setStatus('Active', 'Evaluate'))).status).toBe(200);
    const other = await client.control('POST', '/__emulator/referrals', privateDealBody());
    const refused = await patch(other.json['id'], setStatus('Active', 'Qualify'));
    expect(refused.status).toBe(400);
    expect(errorOf(refused)['target']).toBe('substatus');
  });

  it('must be accepted within 14 days and acted on within 60 days, else they close', async () => {
    const jp = await lead();
    const acceptBy = Date.parse(String(jp['expirationDateTime']));
    expect(acceptBy - Date.parse(String(jp['createdDateTime']))).toBe(14 * 86_400_000);
    const accepted = await patch(jp['id'], setStatus('Active', 'Accepted'));
    const actBy = Date.parse(String(accepted.json['expirationDateTime']));
    expect(actBy - Date.parse(String(accepted.json['acceptedDateTime']))).toBe(60 * 86_400_000);
    const advanced = await client.control('POST', '/__emulator/clock', { advanceMs: 61 * 86_400_000 });
    expect(advanced.json['expired']).toBe(1);
    const all = await client.control('GET', '/__emulator/referrals');
    const closed = { json: (all.body as JsonObject[]).find((item) => item['id'] === jp['id']) ?? {} };
    expect(closed.json).toMatchObject({ status: 'Closed', substatus: 'Lost' });
    expect(String(closed.json['statusReason'])).toContain('60 days');
  });
});

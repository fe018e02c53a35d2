import { z } from 'zod';
import {
  type CoSellRuleSettings,
  type CoSellRuleSettingsInput,
  checkCoSellShapeChange,
  checkShareNeedsSolution,
  checkVisibilityKept,
  coSellRuleSettingsSchema,
} from './coSellRules.ts';
import type { EmulatorClock } from './emulatorClock.ts';
import type { EmulatorStateData } from './emulatorState.ts';
import type { IdGenerator } from './idGenerator.ts';
import { MICROSOFT_ORGANIZATION, microsoftReferralFor, needsMicrosoftReferral } from './microsoftReferral.ts';
import { pcTimestamp } from './pcTimestamp.ts';
import {
  asJsonObject,
  checkStatusChange,
  isJointPlanningLead,
  type JsonObject,
  type RuleViolation,
  validateNewReferral,
} from './referralRules.ts';
import { deepMerge, fillReferral } from './referralTemplate.ts';

export type ReferralEventName =
  | 'referral-created'
  | 'referral-updated'
  | 'related-referral-created'
  | 'related-referral-updated';

export interface PartnerOrganization {
  organizationId: string;
  organizationName: string;
  mpnId: string;
}

export const INBOUND_EXPIRY_MS = 14 * 86_400_000;
/** Accepted Joint Planning leads close as lost when not acted on within 60 days. */
export const JOINT_PLANNING_ACT_MS = 60 * 86_400_000;

export type WriteOutcome =
  | { ok: true; referral: JsonObject }
  | { ok: false; status: 400 | 403 | 404 | 412 | 428; code: string; message: string; target: string | null };

/** Fields the server owns: a write may not change them. */
const SERVER_FIELDS = [
  'id',
  'engagementId',
  'organizationId',
  'organizationName',
  'createdDateTime',
  'eTag',
  'links',
];

function text(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function invalid(violation: RuleViolation): WriteOutcome {
  return {
    ok: false,
    status: 400,
    code: 'invalidRequest',
    message: violation.message,
    target: violation.target,
  };
}

/**
 * The referral book of one partner tenant plus Microsoft's side of shared engagements: creates, updates,
 * the status table, inbound expiry and related Microsoft referrals. Every change is reported through `emit`.
 */
export class ReferralService {
  constructor(
    private readonly state: EmulatorStateData,
    private readonly clock: EmulatorClock,
    private readonly ids: IdGenerator,
    private readonly partner: PartnerOrganization,
    private readonly apiUrl: () => string,
    private readonly emit: (eventName: ReferralEventName, referralId: string) => void,
    private readonly onChange: () => void,
    private readonly initialRules: CoSellRuleSettingsInput = {},
  ) {
    this.rules = coSellRuleSettingsSchema.parse(initialRules);
  }

  /** The tenant's co-sell shape rules (Services partner, marketplace intent, co-sell-ready solutions). */
  rules: CoSellRuleSettings;

  /** Changes the rules named in `input` and keeps the others; an invalid input changes nothing. */
  setRules(input: JsonObject): { ok: true; rules: CoSellRuleSettings } | { ok: false; message: string } {
    const parsed = coSellRuleSettingsSchema.safeParse({ ...this.rules, ...input });
    if (!parsed.success) return { ok: false, message: z.prettifyError(parsed.error) };
    this.rules = parsed.data;
    return { ok: true, rules: this.rules };
  }

  private now(): string {
    return pcTimestamp(this.clock.now());
  }

  private newETag(): string {
    const id = this.ids.next();
    const seconds = Math.floor(this.clock.now().getTime() / 1000)
      .toString(16)
      .padStart(8, '0');
    return `"${id.slice(0, 8)}-0000-0800-0000-${seconds}0000"`;
  }

  private withLinks(referral: JsonObject): JsonObject {
    const base = `${this.apiUrl()}/v1.0/engagements/referrals`;
    return {
      ...referral,
      links: {
        relatedReferrals: {
          uri: `${base}?$filter=engagementId eq ${String(referral['engagementId'])}`,
          method: 'GET',
        },
        self: { uri: `${base}/${String(referral['id'])}`, method: 'GET' },
      },
    };
  }

  /** Positions by id and ids by engagement, kept beside the array so lookups stay O(1) with thousands stored. */
  private indexed: {
    of: JsonObject[];
    positions: Map<string, number>;
    engagements: Map<string, string[]>;
  } | null = null;
  /** No referral can expire before this instant (recomputed by each full scan, lowered by each store). */
  private nextExpiryMs = Number.NEGATIVE_INFINITY;

  private indexes() {
    const referrals = this.state.referrals;
    if (this.indexed?.of === referrals) return this.indexed;
    const positions = new Map<string, number>();
    const engagements = new Map<string, string[]>();
    referrals.forEach((referral, at) => {
      positions.set(String(referral['id']), at);
      addToEngagement(engagements, referral);
    });
    this.indexed = { of: referrals, positions, engagements };
    this.nextExpiryMs = Number.NEGATIVE_INFINITY;
    return this.indexed;
  }

  private index(id: string): number {
    return this.indexes().positions.get(id) ?? -1;
  }

  /** The stored referrals of one engagement (no copies). */
  private inEngagement(engagementId: unknown): JsonObject[] {
    const { engagements } = this.indexes();
    const ids = typeof engagementId === 'string' ? (engagements.get(engagementId) ?? []) : [];
    return ids
      .map((id) => this.state.referrals[this.index(id)])
      .filter((found): found is JsonObject => found?.['engagementId'] === engagementId);
  }

  private store(referral: JsonObject): JsonObject {
    const stored = this.withLinks(referral);
    const { positions, engagements } = this.indexes();
    const id = String(referral['id']);
    const at = positions.get(id);
    if (at !== undefined) {
      if (this.state.referrals[at]?.['engagementId'] !== stored['engagementId'])
        addToEngagement(engagements, stored);
      this.state.referrals[at] = stored;
    } else {
      positions.set(id, this.state.referrals.length);
      this.state.referrals.push(stored);
      addToEngagement(engagements, stored);
    }
    const expiresAtMs = expiryOf(stored);
    if (expiresAtMs !== null) this.nextExpiryMs = Math.min(this.nextExpiryMs, expiresAtMs);
    this.onChange();
    return structuredClone(stored);
  }

  /** Closes unanswered inbound referrals whose 14 days have passed; fires referral-updated for each. */
  applyExpiry(): number {
    const nowMs = this.clock.now().getTime();
    this.indexes();
    if (nowMs < this.nextExpiryMs) return 0;
    let expired = 0;
    let nextMs = Number.POSITIVE_INFINITY;
    for (const referral of this.state.referrals) {
      const expiresAtMs = expiryOf(referral);
      if (expiresAtMs === null) continue;
      if (expiresAtMs > nowMs) {
        nextMs = Math.min(nextMs, expiresAtMs);
        continue;
      }
      const actOn = referral['status'] === 'Active';
      const at = this.now();
      this.store({
        ...referral,
        status: 'Closed',
        substatus: actOn ? 'Lost' : 'Expired',
        statusReason: actOn
          ? 'Closed as lost: not acted on within 60 days of acceptance.'
          : 'Expired: no response within 14 days.',
        closedDateTime: at,
        updatedDateTime: at,
        eTag: this.newETag(),
      });
      expired += 1;
      this.emit('referral-updated', String(referral['id']));
    }
    this.nextExpiryMs = nextMs;
    return expired;
  }

  list(): JsonObject[] {
    this.applyExpiry();
    return structuredClone(this.state.referrals);
  }

  /** The stored referrals themselves (no copy): for read-only filtering; clone what leaves the emulator. */
  view(): readonly JsonObject[] {
    this.applyExpiry();
    return this.state.referrals;
  }

  get(id: string): JsonObject | null {
    this.applyExpiry();
    const found = this.state.referrals[this.index(id)];
    return found ? structuredClone(found) : null;
  }

  /** Ids and ownership of a new referral in the partner's book (the engagement may be given to join one). */
  private newPartnerReferralIds(body: JsonObject): JsonObject {
    return {
      id: this.ids.next(),
      engagementId: text(body['engagementId']) ?? this.ids.next(),
      organizationId: this.partner.organizationId,
      organizationName: this.partner.organizationName,
      mpnId: text(body['mpnId']) ?? this.partner.mpnId,
    };
  }

  /** POST /referrals by the partner: an outgoing referral, Active/Accepted from the start. */
  createByPartner(body: JsonObject): WriteOutcome {
    const problems = validateNewReferral(body, this.rules);
    if (problems[0]) {
      return {
        ok: false,
        status: 400,
        code: 'invalidRequest',
        message: problems.map((problem) => problem.message).join(' '),
        target: problems[0].target,
      };
    }
    const at = this.now();
    const input = { ...body };
    for (const field of SERVER_FIELDS) delete input[field];
    const referral = fillReferral({
      ...input,
      ...this.newPartnerReferralIds(body),
      createdDateTime: at,
      updatedDateTime: at,
      acceptedDateTime: at,
      status: 'Active',
      substatus: 'Accepted',
      direction: 'Outgoing',
      createdVia: text(body['createdVia']) ?? 'Api',
      lastModifiedVia: 'Api',
      eTag: this.newETag(),
      inviteContext: deepMerge(asJsonObject(body['inviteContext']), {
        invitedBy: {
          organizationId: this.partner.organizationId,
          organizationName: this.partner.organizationName,
        },
      }),
    });
    const stored = this.store(referral);
    this.emit('referral-created', String(stored['id']));
    this.ensureMicrosoftReferral(stored);
    return { ok: true, referral: stored };
  }

  /** POST /__emulator/referrals: an inbound referral as Microsoft (or another partner) sends it. */
  createInbound(body: JsonObject): WriteOutcome {
    const at = this.clock.now();
    const status = text(body['status']) ?? 'New';
    const substatus = text(body['substatus']) ?? 'Pending';
    const violation = checkStatusChange(
      null,
      { status, substatus },
      { jointPlanning: isJointPlanningLead(body) },
    );
    if (violation) return invalid(violation);
    const input = { ...body };
    for (const field of ['id', 'createdDateTime', 'eTag', 'links']) delete input[field];
    const referral = fillReferral({
      type: 'Shared',
      qualification: 'SalesQualified',
      ...input,
      ...this.newPartnerReferralIds(body),
      status,
      substatus,
      acceptedDateTime: status === 'Active' ? pcTimestamp(at) : null,
      closedDateTime: status === 'Closed' ? pcTimestamp(at) : null,
      direction: text(body['direction']) ?? 'Incoming',
      createdDateTime: pcTimestamp(at),
      updatedDateTime: pcTimestamp(at),
      expirationDateTime:
        text(body['expirationDateTime']) ??
        (status === 'New' ? pcTimestamp(new Date(at.getTime() + INBOUND_EXPIRY_MS)) : null),
      createdVia: text(body['createdVia']) ?? 'Microsoft',
      eTag: this.newETag(),
      inviteContext: deepMerge(
        { invitedBy: { ...MICROSOFT_ORGANIZATION }, assistanceRequestCode: 'Unknown' },
        asJsonObject(body['inviteContext']),
      ),
    });
    const stored = this.store(referral);
    this.emit('referral-created', String(stored['id']));
    return { ok: true, referral: stored };
  }

  /** PUT: the whole referral; If-Match is required. */
  replace(id: string, body: JsonObject, ifMatch: string | undefined): WriteOutcome {
    if (!ifMatch) {
      return {
        ok: false,
        status: 428,
        code: 'preconditionRequired',
        message: 'PUT needs an If-Match header with the referral eTag. GET the referral and send its eTag.',
        target: 'If-Match',
      };
    }
    const current = this.get(id);
    if (!current) return this.notFound(id);
    if (current['organizationId'] === MICROSOFT_ORGANIZATION.organizationId) return this.microsoftOwned(id);
    const input = { ...body };
    for (const field of SERVER_FIELDS) delete input[field];
    const kept = Object.fromEntries(SERVER_FIELDS.map((field) => [field, current[field]]));
    return this.write(current, fillReferral({ ...input, ...kept }), ifMatch, 'referral-updated');
  }

  /** PATCH with a document already patched by the caller (JSON Patch or merge patch). */
  update(
    id: string,
    change: (
      current: JsonObject,
    ) => { ok: true; document: JsonObject } | { ok: false; message: string; target: string },
    ifMatch: string | undefined,
    via = 'Api',
  ): WriteOutcome {
    const current = this.get(id);
    if (!current) return this.notFound(id);
    if (via === 'Api' && current['organizationId'] === MICROSOFT_ORGANIZATION.organizationId) {
      return this.microsoftOwned(id);
    }
    const changed = change(current);
    if (!changed.ok) return invalid(changed);
    const next: JsonObject = { ...changed.document, lastModifiedVia: via };
    for (const field of SERVER_FIELDS) next[field] = current[field];
    return this.write(current, next, ifMatch, 'referral-updated');
  }

  private microsoftOwned(id: string): WriteOutcome {
    return {
      ok: false,
      status: 403,
      code: 'accessDenied',
      message: `Referral ${id} belongs to Microsoft; only the Microsoft seller can change it. Change your own referral in the engagement instead.`,
      target: 'id',
    };
  }

  private notFound(id: string): WriteOutcome {
    return {
      ok: false,
      status: 404,
      code: 'itemNotFound',
      message: `Referral ${id} was not found. Check the id or list referrals to find it.`,
      target: 'id',
    };
  }

  private write(
    current: JsonObject,
    next: JsonObject,
    ifMatch: string | undefined,
    event: ReferralEventName,
  ): WriteOutcome {
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== current['eTag']) {
      return {
        ok: false,
        status: 412,
        code: 'preconditionFailed',
        message:
          'The referral was changed since you read it (eTag mismatch). GET it again, reapply your change and retry.',
        target: 'If-Match',
      };
    }
    if (current['status'] === 'Closed') {
      return invalid({
        target: 'status',
        message: `The referral is Closed (${String(current['substatus'])}); closed referrals cannot be changed.`,
      });
    }
    const violation =
      checkStatusChange(
        { status: current['status'], substatus: current['substatus'] },
        { status: next['status'], substatus: next['substatus'] },
        { jointPlanning: isJointPlanningLead(current) },
      ) ??
      checkVisibilityKept(current, next) ??
      checkShareNeedsSolution(current, next) ??
      (current['organizationId'] === MICROSOFT_ORGANIZATION.organizationId
        ? null
        : checkCoSellShapeChange(current, next, this.rules));
    if (violation) return invalid(violation);
    const nowAt = this.clock.now();
    const at = pcTimestamp(nowAt);
    const accepting = next['status'] === 'Active' && current['status'] !== 'Active';
    if (accepting && !next['acceptedDateTime']) next['acceptedDateTime'] = at;
    if (accepting && isJointPlanningLead(current)) {
      next['expirationDateTime'] = pcTimestamp(new Date(nowAt.getTime() + JOINT_PLANNING_ACT_MS));
    }
    if (next['status'] === 'Closed' && !next['closedDateTime']) next['closedDateTime'] = at;
    const stored = this.store({ ...next, updatedDateTime: at, eTag: this.newETag() });
    const isMicrosoftSide = stored['organizationId'] === MICROSOFT_ORGANIZATION.organizationId;
    this.emit(isMicrosoftSide ? 'related-referral-updated' : event, String(stored['id']));
    if (!isMicrosoftSide) this.ensureMicrosoftReferral(stored);
    return { ok: true, referral: stored };
  }

  /** Microsoft's referral in the same engagement, if any. */
  microsoftReferralFor(referral: JsonObject): JsonObject | null {
    const found = this.inEngagement(referral['engagementId']).find(
      (candidate) => candidate['organizationId'] === MICROSOFT_ORGANIZATION.organizationId,
    );
    return found ? structuredClone(found) : null;
  }

  /** A Shared referral asking for help gets Microsoft's related referral (once), firing related-referral-created. */
  private ensureMicrosoftReferral(referral: JsonObject): void {
    if (!needsMicrosoftReferral(referral) || this.microsoftReferralFor(referral)) return;
    const stored = this.store(
      microsoftReferralFor(referral, { id: this.ids.next(), eTag: this.newETag(), at: this.now() }),
    );
    this.emit('related-referral-created', String(stored['id']));
  }

  /** Resolves a Microsoft-side referral from its own id or from the partner referral in the same engagement. */
  resolveMicrosoftReferral(id: string): JsonObject | null {
    const referral = this.get(id);
    if (!referral) return null;
    if (referral['organizationId'] === MICROSOFT_ORGANIZATION.organizationId) return referral;
    return this.microsoftReferralFor(referral);
  }

  /** The partner's referrals in the engagement of a Microsoft referral. */
  partnerReferralsFor(microsoftReferral: JsonObject): JsonObject[] {
    return this.inEngagement(microsoftReferral['engagementId']).filter(
      (candidate) => candidate['organizationId'] !== MICROSOFT_ORGANIZATION.organizationId,
    );
  }

  /** Copies Microsoft's CRM id onto the partner's referrals of the engagement (what the connector reads back). */
  shareMsxId(microsoftReferral: JsonObject, msxId: string): void {
    for (const partnerReferral of this.partnerReferralsFor(microsoftReferral)) {
      if (partnerReferral['status'] === 'Closed') continue;
      if (asJsonObject(partnerReferral['trackingInfo'])['microsoftMsxId'] === msxId) continue;
      const at = this.now();
      const stored = this.store({
        ...partnerReferral,
        trackingInfo: { ...asJsonObject(partnerReferral['trackingInfo']), microsoftMsxId: msxId },
        updatedDateTime: at,
        eTag: this.newETag(),
      });
      this.emit('referral-updated', String(stored['id']));
    }
  }

  reset(): void {
    this.state.referrals = [];
    this.rules = coSellRuleSettingsSchema.parse(this.initialRules);
    this.onChange();
  }
}

/** When an open referral stops waiting (New: 14 days to answer; an accepted Joint Planning lead: 60 to act), or null. */
function expiryOf(referral: JsonObject): number | null {
  const expiresAt = text(referral['expirationDateTime']);
  const waiting =
    referral['status'] === 'New' || (referral['status'] === 'Active' && isJointPlanningLead(referral));
  return waiting && expiresAt ? Date.parse(expiresAt) : null;
}

function addToEngagement(engagements: Map<string, string[]>, referral: JsonObject): void {
  const engagementId = referral['engagementId'];
  if (typeof engagementId !== 'string') return;
  const ids = engagements.get(engagementId);
  if (ids) ids.push(String(referral['id']));
  else engagements.set(engagementId, [String(referral['id'])]);
}

/**
 * SalesforcePort over the jsforce-based SalesforceClient. Reads many deals (opportunity + account + contact roles
 * + solutions + team) in one SOQL query per 200, and applies many deals' writes with sObject Collections in
 * dependency order — accounts, opportunities, then contacts and their roles, Microsoft solutions and team
 * members — mapping every per-record result back to its own deal. Field names come from the mapping, so an org
 * can keep the fields of Microsoft's old package.
 */
import type { SalesforceWrites } from '../domain/dealPlan.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { SalesforceRecord } from '../domain/salesforceDealSnapshot.ts';
import { type KeyLocks, processKeyLocks } from '../shared/keyLocks.ts';
import type {
  SalesforceDealRead,
  SalesforceLeadRead,
  SalesforcePort,
  SalesforceWriteError,
  SalesforceWriteResult,
} from '../sync/syncPorts.ts';
import { findOrCreateAccounts } from './accountBatch.ts';
import { createNewContacts, findChildMatches, writeChildRecords } from './childRecordBatch.ts';
import { customerLockKeys } from './customerLockKeys.ts';
import {
  contactRoleRow,
  type OpportunityRow,
  opportunityRow,
  relationshipKeys,
  subquery,
  teamMemberRow,
} from './opportunityRow.ts';
import { recordErrorFix } from './recordErrorFix.ts';
import { SALESFORCE_COLLECTION_SIZE, type SalesforceClient, type SaveOutcome } from './salesforceClient.ts';
import { defaultSalesforceFieldNames } from './salesforceFieldNames.ts';
import { soqlString } from './soqlLiteral.ts';

type Row = Record<string, unknown>;

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

export const unique = (values: readonly (string | null | undefined)[]): string[] => [
  ...new Set(values.filter((value): value is string => typeof value === 'string' && value !== '')),
];

export function chunks<T>(items: readonly T[], size = SALESFORCE_COLLECTION_SIZE): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export const writeErrorOf = (outcome: SaveOutcome): SalesforceWriteError | null =>
  outcome.ok
    ? null
    : {
        ...outcome.error,
        // Org rules (validation rule, duplicate rule, sales process, …) name the field or rule to change.
        fix: outcome.error.rejection?.fix.replace(/\.$/, '') ?? recordErrorFix(outcome.error.code),
      };

/** A deal's writes left out of a batch (its opportunity moved since it was read). */
const NO_WRITES: SalesforceWrites = {
  account: null,
  opportunity: null,
  accountId: null,
  children: null,
  notes: [],
};

/** The plain field values of a record as SOQL returned it (no attributes, no related records). */
const scalarFields = (record: Row): Row =>
  Object.fromEntries(
    Object.entries(record).filter(
      ([field, value]) =>
        /^[A-Za-z][A-Za-z0-9_]*$/.test(field) &&
        field !== 'attributes' &&
        (value === null || typeof value !== 'object'),
    ),
  );

/** The conflict of an opportunity that changed after the batch read it: not written, read again and merged. */
function modifiedSinceRead(opportunityId: string, what: string, fields: string[]): SalesforceWriteError {
  return {
    code: 'MODIFIED_SINCE_READ',
    kind: 'conflict',
    fields,
    message: `Opportunity ${opportunityId} changed in Salesforce after this sync read it (${what}), so it was not written; the deal is read again and merged`,
    fix: 'nothing: the next attempt merges that change',
  };
}

/** Two SystemModstamps name the same instant (Salesforce writes +0000, the read may hold Z). */
const sameInstant = (a: string, b: string): boolean => {
  const [left, right] = [Date.parse(a), Date.parse(b)];
  return Number.isNaN(left) || Number.isNaN(right) ? a === b : left === right;
};

export interface SalesforceDealGatewayOptions {
  client: SalesforceClient;
  mapping: Mapping;
  /** Held on the customers a batch may create (default: this process only; Postgres: cluster-wide). */
  customerLocks?: KeyLocks;
}

export class SalesforceDealGateway implements SalesforcePort {
  readonly client: SalesforceClient;
  private readonly mapping: Mapping;
  private solutionRelationship: Promise<string> | undefined;
  private teamSellingEnabled: Promise<boolean> | undefined;
  private notesEnabled: Promise<boolean> | undefined;
  /** Customers and contacts being created: batches that share one wait for each other, in every process. */
  private readonly customerLocks: KeyLocks;

  constructor(options: SalesforceDealGatewayOptions) {
    this.client = options.client;
    this.mapping = options.mapping;
    this.customerLocks = options.customerLocks ?? processKeyLocks();
  }

  private get referralIdField(): string {
    return this.mapping.fields.referralId.salesforceField ?? 'Partner_Center_Referral_Id__c';
  }

  /** Opportunity fields read for a deal: every mapped field plus the connector's bookkeeping fields. */
  opportunityFields(): string[] {
    const { fields, opportunity, stages } = this.mapping;
    return unique([
      'Id',
      'Name',
      'StageName',
      'IsClosed',
      'IsWon',
      'AccountId',
      'OwnerId',
      'SystemModstamp',
      'LastModifiedDate',
      ...Object.values(fields).map((entry) => ('salesforceField' in entry ? entry.salesforceField : null)),
      opportunity.syncFlagField,
      opportunity.syncStatusField,
      opportunity.auditField,
      opportunity.statusTextField,
      stages.declineReasonField,
      // Fields the mapping's transforms write: read them so an unchanged value is not written again.
      ...Object.keys(this.mapping.transforms.salesforce),
    ]).filter((field) => field !== 'CurrencyIsoCode' || this.mapping.currency.mode === 'multiCurrency');
  }

  private accountFields(): string[] {
    const { account } = this.mapping;
    return unique([
      'Id',
      account.nameField,
      account.streetField,
      account.cityField,
      account.stateField,
      account.postalCodeField,
      account.countryField,
      account.sizeField,
      account.dunsField,
    ]);
  }

  private contactFields(): string[] {
    const { contacts } = this.mapping;
    return unique([
      'Id',
      'AccountId',
      contacts.firstNameField,
      contacts.lastNameField,
      contacts.emailField,
      contacts.phoneField,
      contacts.titleField,
    ]);
  }

  private solutionFields(): string[] {
    const { solutions } = this.mapping;
    return unique([
      'Id',
      solutions.idField,
      solutions.nameField,
      solutions.publisherField,
      // Not mapped: the deal's stamp after a write is the newest of its opportunity's and its solutions'.
      'SystemModstamp',
    ]);
  }

  /** The child relationship name of the solution object on Opportunity (e.g. Microsoft_Solutions__r), from describe. */
  private solutionRelationshipName(): Promise<string> {
    this.solutionRelationship ??= this.client.describe('Opportunity').then((describe) => {
      const { object, parentField } = this.mapping.solutions;
      const relationship = describe.childRelationships.find(
        (child) => child.childSObject === object && child.field === parentField,
      );
      if (!relationship?.relationshipName) {
        throw new Error(
          `Salesforce has no ${object}.${parentField} relationship on Opportunity: run \`cosell salesforce install\` (or fix solutions.object / solutions.parentField in the mapping).`,
        );
      }
      return relationship.relationshipName;
    });
    this.solutionRelationship.catch(() => {
      this.solutionRelationship = undefined;
    });
    return this.solutionRelationship;
  }

  /** Whether OpportunityTeamMember exists (Team Selling on) and the mapping wants teams synced. */
  teamSelling(): Promise<boolean> {
    if (!this.mapping.team.enabled) return Promise.resolve(false);
    this.teamSellingEnabled ??= this.client
      .describe('Opportunity')
      .then((describe) =>
        describe.childRelationships.some((child) => child.childSObject === 'OpportunityTeamMember'),
      );
    return this.teamSellingEnabled;
  }

  async readDeals(query: {
    opportunityIds: readonly string[];
    referralIds: readonly string[];
  }): Promise<SalesforceDealRead[]> {
    const opportunityIds = unique(query.opportunityIds).filter((id) => SALESFORCE_ID.test(id));
    const referralIds = unique(query.referralIds);
    return this.queryDeals([
      ...chunks(opportunityIds).map((ids) => `Id IN (${ids.map(soqlString).join(', ')})`),
      ...chunks(referralIds).map((ids) => `${this.referralIdField} IN (${ids.map(soqlString).join(', ')})`),
    ]);
  }

  /** The opportunities matching any of the conditions (one query each), whole: account, roles, solutions, team. */
  private async queryDeals(conditions: readonly string[]): Promise<SalesforceDealRead[]> {
    if (conditions.length === 0) return [];
    const [solutionRelationship, teamSelling] = await Promise.all([
      this.solutionRelationshipName(),
      this.teamSelling(),
    ]);
    const select = unique([
      ...this.opportunityFields(),
      ...this.accountFields().map((field) => `Account.${field}`),
      'Owner.Id',
      'Owner.Email',
      'Owner.FirstName',
      'Owner.LastName',
      'Owner.Phone',
      `(SELECT Id, ContactId, Role, IsPrimary, ${this.contactFields()
        .map((field) => `Contact.${field}`)
        .join(', ')} FROM OpportunityContactRoles)`,
      `(SELECT ${this.solutionFields().join(', ')} FROM ${solutionRelationship})`,
      ...(teamSelling
        ? [
            '(SELECT Id, UserId, TeamMemberRole, User.Id, User.FirstName, User.LastName, User.Email, User.Phone FROM OpportunityTeamMembers)',
          ]
        : []),
    ]).join(', ');
    const byId = new Map<string, SalesforceDealRead>();
    for (const condition of conditions) {
      const rows = await this.client.queryAll<Row>(`SELECT ${select} FROM Opportunity WHERE ${condition}`);
      for (const raw of rows) {
        const row = opportunityRow.parse(raw);
        if (!byId.has(row.Id))
          byId.set(row.Id, await this.toDealRead(raw, row, solutionRelationship, teamSelling));
      }
    }
    return [...byId.values()];
  }

  private async toDealRead(
    raw: Row,
    row: OpportunityRow,
    solutionRelationship: string,
    teamSelling: boolean,
  ): Promise<SalesforceDealRead> {
    const skip = relationshipKeys(solutionRelationship);
    const opportunity: Row = {};
    for (const [key, value] of Object.entries(raw)) if (!skip.has(key)) opportunity[key] = value;
    const roles = row.OpportunityContactRoles.map((role) => contactRoleRow.parse(role)).filter(
      (role) => role.Contact,
    );
    const team = row.OpportunityTeamMembers.map((member) => teamMemberRow.parse(member));
    const referralId = opportunity[this.referralIdField];
    return {
      opportunityId: row.Id,
      referralId: typeof referralId === 'string' && referralId !== '' ? referralId : null,
      systemModstamp: row.SystemModstamp,
      lastModifiedAt: row.LastModifiedDate,
      syncEnabled: opportunity[this.mapping.opportunity.syncFlagField] === true,
      snapshot: {
        ...(this.mapping.notes.target === 'contentNote'
          ? { notes: await this.readNote(row.Id, this.mapping.notes.noteTitle) }
          : {}),
        opportunity,
        account: row.Account ?? null,
        contactRoles: roles.map((role) => ({
          contact: { ...(role.Contact as Row), OpportunityContactRoleId: role.Id },
          role: role.Role,
          isPrimary: role.IsPrimary === true,
        })),
        solutions: subquery.parse(raw[solutionRelationship]),
        // Without Team Selling the opportunity owner is the partner team (as Microsoft's connector does).
        teamMembers: teamSelling
          ? team.map((member) => ({
              user: { ...(member.User ?? {}), OpportunityTeamMemberId: member.Id },
              role: member.TeamMemberRole,
            }))
          : row.Owner
            ? [{ user: row.Owner, role: 'Opportunity Owner' }]
            : [],
      },
    };
  }

  /**
   * Batches write at once unless they bring the same new customer (account match key) or contact (email): those
   * wait for each other, in this process and — with Postgres — in every worker of the cluster, so two batches
   * never both find no account and both create it.
   */
  applyWrites(items: readonly SalesforceWrites[]): Promise<SalesforceWriteResult[]> {
    return this.customerLocks.withLocks(customerLockKeys(this.mapping, items), () =>
      this.applyWritesNow(items),
    );
  }

  private async applyWritesNow(planned: readonly SalesforceWrites[]): Promise<SalesforceWriteResult[]> {
    const results: SalesforceWriteResult[] = planned.map(() => ({
      opportunityId: null,
      created: false,
      error: null,
      dropped: [],
      systemModstamp: null,
    }));
    // 0. An opportunity a seller (or anyone) changed since the batch read it is not written at all: its deal is
    //    read and merged again, so that change is merged, not overwritten.
    const moved = await this.movedSinceRead(planned);
    for (const [index, error] of moved) results[index]!.error = error;
    const items = planned.map((item, index) => (moved.has(index) ? NO_WRITES : item));
    // The contacts and users the child records match by email, looked up while accounts and opportunities are
    // written (step 3 uses them).
    const teamSelling = await this.teamSelling();
    const matching = findChildMatches(this.client, this.mapping, teamSelling, items);
    matching.catch(() => undefined); // awaited in step 3; a failure surfaces there
    // 1. Accounts of new opportunities (and of linked ones that have none): found by their match key or created,
    //    once per customer in the batch; the account of a linked opportunity takes the customer's changes.
    const accounts = await findOrCreateAccounts(
      this.client,
      this.mapping,
      items.map((item) =>
        item.opportunity?.op === 'create' || (item.opportunity?.op === 'update' && !item.accountId)
          ? item.account
          : null,
      ),
    );
    await this.updateLinkedAccounts(items, results);
    accounts.forEach((account, index) => {
      if (account?.error)
        results[index]!.dropped.push({
          fields: ['AccountId'],
          what: 'the customer account',
          dealField: 'customer',
          error: account.error,
        });
    });
    // 2. Opportunities: creates as upserts on the referral-id field (idempotent), then updates; the new contacts
    //    (they need their account, not their opportunity) at the same time.
    const [, newContacts] = await Promise.all([
      this.writeOpportunities(items, accounts, results),
      matching.then((matches) => createNewContacts(this.client, this.mapping, items, accounts, matches)),
    ]);
    // 3. Child records, for the opportunities that were saved.
    await writeChildRecords(
      this.client,
      this.mapping,
      teamSelling,
      items,
      accounts,
      results,
      await matching,
      newContacts,
    );
    // 4. Notes (ContentNote) for the batch: existing ones found in two queries, the rest created in bulk.
    await this.writeNotes(items, results);
    // 5. What each deal now is, in one query per 200: a new opportunity whole (its follow-up sync plans from it),
    // the others' SystemModstamp. The stamp is the newest of the opportunity's and its Microsoft solutions' (the
    // poll reports a solution's change under its opportunity, with the solution's stamp, and a solution saved a
    // second after its opportunity is still this sync's own write).
    const created = new Set<string>();
    results.forEach((result, index) => {
      if (result.opportunityId && items[index]!.opportunity?.op === 'create')
        created.add(result.opportunityId);
    });
    const reads = new Map(
      (
        await this.queryDeals(chunks([...created]).map((ids) => `Id IN (${ids.map(soqlString).join(', ')})`))
      ).map((read) => [read.opportunityId, read]),
    );
    const stamps = new Map<string, string>();
    for (const read of reads.values())
      stamps.set(read.opportunityId, newestStamp(read.systemModstamp ?? '', read.snapshot.solutions));
    const others = unique(results.map((result) => result.opportunityId)).filter((id) => !created.has(id));
    if (others.length > 0) {
      const solutions = await this.solutionRelationshipName();
      for (const ids of chunks(others)) {
        const rows = await this.client.queryAll<
          { Id: string; SystemModstamp: string } & Record<string, unknown>
        >(
          `SELECT Id, SystemModstamp, (SELECT SystemModstamp FROM ${solutions}) FROM Opportunity WHERE Id IN (${ids.map(soqlString).join(', ')})`,
        );
        for (const row of rows)
          stamps.set(row.Id, newestStamp(row.SystemModstamp, subquery.parse(row[solutions])));
      }
    }
    for (const result of results) {
      if (!result.opportunityId) continue;
      result.systemModstamp = stamps.get(result.opportunityId) ?? null;
      const read = created.has(result.opportunityId) ? reads.get(result.opportunityId) : undefined;
      if (read) result.read = read;
    }
    return results;
  }

  /**
   * The planned updates whose opportunity changed since it was read — its SystemModstamp, or the value of any
   * field the read returned (SystemModstamp counts whole seconds: an edit in the same second as the one before it
   * keeps the stamp) — with the conflict each reports. One query per 200, none when nothing is updated. The
   * update itself is conditional on the stamp read (If-Unmodified-Since), so an edit landing after this query
   * is not overwritten either, unless it falls in the same whole second as the stamp.
   */
  private async movedSinceRead(
    items: readonly SalesforceWrites[],
  ): Promise<Map<number, SalesforceWriteError>> {
    const expected = new Map<string, { index: number; stamp: string | null; record: Row }>();
    const fields = new Set(['Id', 'SystemModstamp']);
    items.forEach((item, index) => {
      const write = item.opportunity;
      if (write?.op !== 'update' || !write.readAs) return;
      const record = scalarFields(write.readAs.record);
      expected.set(write.opportunityId, { index, stamp: write.readAs.systemModstamp, record });
      for (const field of Object.keys(record)) fields.add(field);
    });
    const moved = new Map<number, SalesforceWriteError>();
    for (const ids of chunks([...expected.keys()])) {
      const rows = await this.client.queryAll<Row>(
        `SELECT ${[...fields].join(', ')} FROM Opportunity WHERE Id IN (${ids.map(soqlString).join(', ')})`,
      );
      for (const row of rows) {
        const read = expected.get(String(row['Id']));
        if (!read) continue;
        const stampMoved = read.stamp !== null && !sameInstant(read.stamp, String(row['SystemModstamp']));
        const changed = Object.keys(read.record).filter(
          (field) =>
            field in row && JSON.stringify(row[field] ?? null) !== JSON.stringify(read.record[field] ?? null),
        );
        if (!stampMoved && changed.length === 0) continue;
        moved.set(
          read.index,
          modifiedSinceRead(
            String(row['Id']),
            changed.length
              ? changed.join(', ')
              : `SystemModstamp ${read.stamp} → ${String(row['SystemModstamp'])}`,
            changed,
          ),
        );
      }
    }
    return moved;
  }

  /**
   * Saves the opportunities. A record refused because of some of its fields is saved again without them (the
   * deal is never lost to one bad field); a refused currency takes the amount with it, which would be wrong alone.
   */
  private async writeOpportunities(
    items: readonly SalesforceWrites[],
    accounts: readonly ({ id: string | null } | null)[],
    results: SalesforceWriteResult[],
  ): Promise<void> {
    type Pending = { index: number; fields: Row; op: 'create' | 'update'; since?: string | null };
    let pending: Pending[] = [];
    for (const [index, item] of items.entries()) {
      const write = item.opportunity;
      if (!write) continue;
      if (write.op === 'create') {
        const accountId = accounts[index]?.id ?? null;
        pending.push({
          index,
          op: 'create',
          fields: {
            ...write.fields,
            [this.referralIdField]: write.referralId,
            ...(accountId ? { AccountId: accountId } : {}),
          },
        });
      } else {
        results[index]!.opportunityId = write.opportunityId;
        const accountId = item.accountId ? null : (accounts[index]?.id ?? null);
        pending.push({
          index,
          op: 'update',
          fields: {
            ...write.fields,
            Id: write.opportunityId,
            ...(accountId ? { AccountId: accountId } : {}),
          },
          // Conditional on the stamp the batch read: an edit landing after the re-check above still wins.
          since: write.readAs?.systemModstamp ?? null,
        });
      }
    }
    for (let round = 0; round < 3 && pending.length; round += 1) {
      const creates = pending.filter((entry) => entry.op === 'create');
      const updates = pending.filter((entry) => entry.op === 'update');
      const outcomes = new Map<Pending, SaveOutcome>();
      if (creates.length) {
        const saved = await this.client.upsertMany(
          'Opportunity',
          this.referralIdField,
          creates.map((entry) => entry.fields),
        );
        for (const [i, entry] of creates.entries()) outcomes.set(entry, saved[i]!);
      }
      if (updates.length) {
        const saved = await this.client.updateEachUnlessModified(
          'Opportunity',
          updates.map((entry) => ({
            record: entry.fields as Row & { Id: string },
            unmodifiedSince: entry.since ?? null,
          })),
        );
        for (const [i, entry] of updates.entries()) outcomes.set(entry, saved[i]!);
      }
      const again: Pending[] = [];
      for (const [entry, outcome] of outcomes) {
        const result = results[entry.index]!;
        if (outcome.ok) {
          result.opportunityId = outcome.value.id;
          if (entry.op === 'create') result.created = outcome.value.created !== false;
          continue;
        }
        if (entry.op === 'update' && outcome.error.code === 'PRECONDITION_FAILED') {
          result.error = modifiedSinceRead(String(entry.fields['Id']), 'it was modified since the read', []);
          result.opportunityId = null;
          continue;
        }
        const droppable = this.droppableFields(outcome.error.fields, entry.fields);
        const error = writeErrorOf(outcome)!;
        if (droppable.length === 0 || error.kind !== 'permanent') {
          result.error = error;
          if (entry.op === 'update') result.opportunityId = null;
          continue;
        }
        const fields = { ...entry.fields };
        for (const field of droppable) delete fields[field];
        result.dropped.push({ fields: droppable, what: `the opportunity's ${droppable.join(', ')}`, error });
        again.push({ ...entry, fields });
      }
      pending = again;
    }
  }

  /** The customer's changes to the accounts of linked opportunities, in one collection call. */
  private async updateLinkedAccounts(
    items: readonly SalesforceWrites[],
    results: SalesforceWriteResult[],
  ): Promise<void> {
    const updates = items.flatMap((item, index) =>
      item.opportunity?.op === 'update' && item.account && item.accountId
        ? [{ index, fields: { ...item.account.fields, Id: item.accountId } }]
        : [],
    );
    if (updates.length === 0) return;
    const outcomes = await this.client.updateMany(
      'Account',
      updates.map((update) => update.fields),
    );
    updates.forEach((update, i) => {
      const error = writeErrorOf(outcomes[i]!);
      if (error)
        results[update.index]!.dropped.push({
          fields: [],
          what: 'the customer account',
          dealField: 'customer',
          error,
        });
    });
  }

  /** The refused fields that can be left out (never the id or the referral id the write is keyed on). */
  private droppableFields(refused: readonly string[], fields: Row): string[] {
    const keys = new Set(['Id', this.referralIdField]);
    const present = refused.filter((field) => field in fields && !keys.has(field));
    const amountField = this.mapping.fields.dealValue.salesforceField;
    if (
      present.includes('CurrencyIsoCode') &&
      amountField &&
      amountField in fields &&
      !present.includes(amountField)
    )
      present.push(amountField);
    return present;
  }

  async updateOpportunities(
    updates: readonly { opportunityId: string; fields: SalesforceRecord }[],
  ): Promise<(SalesforceWriteError | null)[]> {
    if (updates.length === 0) return [];
    const outcomes = await this.client.updateMany(
      'Opportunity',
      updates.map((update) => ({ ...update.fields, Id: update.opportunityId })),
    );
    return outcomes.map(writeErrorOf);
  }

  async notesAvailable(): Promise<boolean> {
    this.notesEnabled ??= this.client.describe('ContentNote').then(
      () => true,
      () => false,
    );
    return this.notesEnabled;
  }

  private async writeNotes(
    items: readonly SalesforceWrites[],
    results: SalesforceWriteResult[],
  ): Promise<void> {
    const wanted = items.flatMap((item, index) => {
      const opportunityId = results[index]!.opportunityId;
      return opportunityId
        ? item.notes.map((note) => ({ index, opportunityId, created: results[index]!.created, ...note }))
        : [];
    });
    if (wanted.length === 0 || !(await this.notesAvailable())) return;
    // A new opportunity has no notes yet; for the others, find the note with each title.
    const lookups = unique(wanted.filter((note) => !note.created).map((note) => note.opportunityId));
    const existing = new Map<string, string>(); // opportunity id + title → note id
    for (const ids of chunks(lookups)) {
      const links = await this.client.queryAll<{ ContentDocumentId: string; LinkedEntityId: string }>(
        `SELECT ContentDocumentId, LinkedEntityId FROM ContentDocumentLink WHERE LinkedEntityId IN (${ids.map(soqlString).join(', ')})`,
      );
      if (links.length === 0) continue;
      const notes = await this.client.queryAll<{ Id: string; Title: string }>(
        `SELECT Id, Title FROM ContentNote WHERE Id IN (${unique(links.map((link) => link.ContentDocumentId))
          .map(soqlString)
          .join(', ')}) ORDER BY CreatedDate`,
      );
      for (const link of links) {
        const note = notes.find((candidate) => candidate.Id === link.ContentDocumentId);
        const key = `${link.LinkedEntityId}|${note?.Title}`;
        if (note && !existing.has(key)) existing.set(key, note.Id);
      }
    }
    const content = (text: string) => Buffer.from(escapeNoteText(text), 'utf8').toString('base64');
    const report = (index: number, outcome: SaveOutcome | undefined) => {
      const error = outcome ? writeErrorOf(outcome) : null;
      if (error) results[index]!.dropped.push({ fields: [], what: 'a note', dealField: 'notes', error });
    };
    const updates = wanted.filter((note) => existing.has(`${note.opportunityId}|${note.title}`));
    const updated = await this.client.updateMany(
      'ContentNote',
      updates.map((note) => ({
        Id: existing.get(`${note.opportunityId}|${note.title}`),
        Content: content(note.text),
      })),
    );
    for (const [i, note] of updates.entries()) report(note.index, updated[i]);
    const creates = wanted.filter((note) => !existing.has(`${note.opportunityId}|${note.title}`));
    const created = await this.client.createMany(
      'ContentNote',
      creates.map((note) => ({ Title: note.title, Content: content(note.text) })),
    );
    for (const [i, note] of creates.entries()) report(note.index, created[i]);
    const linksToCreate = creates.flatMap((note, i) => {
      const outcome = created[i];
      return outcome?.ok ? [{ note, ContentDocumentId: outcome.value.id }] : [];
    });
    const linked = await this.client.createMany(
      'ContentDocumentLink',
      linksToCreate.map((link) => ({
        ContentDocumentId: link.ContentDocumentId,
        LinkedEntityId: link.note.opportunityId,
        ShareType: 'V',
      })),
    );
    for (const [i, link] of linksToCreate.entries()) report(link.note.index, linked[i]);
  }

  private async noteFor(
    opportunityId: string,
    title: string,
  ): Promise<{ id: string; content: string | null } | null> {
    const links = await this.client.queryAll<{ ContentDocumentId: string }>(
      `SELECT ContentDocumentId FROM ContentDocumentLink WHERE LinkedEntityId = ${soqlString(opportunityId)}`,
    );
    if (links.length === 0) return null;
    const notes = await this.client.queryAll<{ Id: string; Content: string | null }>(
      `SELECT Id, Content FROM ContentNote WHERE Id IN (${links.map((link) => soqlString(link.ContentDocumentId)).join(', ')}) AND Title = ${soqlString(title)} ORDER BY CreatedDate LIMIT 1`,
    );
    const note = notes[0];
    return note ? { id: note.Id, content: note.Content } : null;
  }

  async readNote(opportunityId: string, title: string): Promise<string | null> {
    const note = await this.noteFor(opportunityId, title);
    if (!note?.content) return null;
    // Blob fields come back as a URL to the body; the body is the note's HTML-escaped text.
    const body = await this.client.call(`read note ${note.id}`, (conn) =>
      conn.request<string>(note.content ?? ''),
    );
    return unescapeNoteText(typeof body === 'string' ? body : String(body));
  }

  async upsertLeadByReferralId(
    referralId: string,
    fields: SalesforceRecord,
  ): Promise<{ id: string; created: boolean }> {
    const saved = await this.client.upsert('Lead', defaultSalesforceFieldNames.leadReferralId, {
      ...fields,
      [defaultSalesforceFieldNames.leadReferralId]: referralId,
    });
    return { id: saved.id, created: saved.created === true };
  }

  async readLead(leadId: string): Promise<SalesforceLeadRead | null> {
    if (!SALESFORCE_ID.test(leadId)) return null;
    const rows = await this.client.queryAll<Row>(
      `SELECT Id, IsConverted, ConvertedOpportunityId, Status, SystemModstamp FROM Lead WHERE Id = ${soqlString(leadId)}`,
    );
    const row = rows[0];
    if (!row) return null;
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : null);
    return {
      leadId: String(row['Id']),
      isConverted: row['IsConverted'] === true,
      convertedOpportunityId: text(row['ConvertedOpportunityId']),
      status: text(row['Status']),
      systemModstamp: text(row['SystemModstamp']),
    };
  }

  async *listSyncCandidates(): AsyncIterable<{ opportunityId: string; referralId: string | null }> {
    const field = this.referralIdField;
    const soql = `SELECT Id, ${field} FROM Opportunity WHERE ${this.mapping.opportunity.syncFlagField} = true OR ${field} != null ORDER BY CreatedDate`;
    for await (const row of this.client.query<Row>(soql)) {
      const referralId = row[field];
      yield {
        opportunityId: String(row['Id']),
        referralId: typeof referralId === 'string' && referralId !== '' ? referralId : null,
      };
    }
  }

  async updateOpportunity(opportunityId: string, fields: SalesforceRecord): Promise<void> {
    if (Object.keys(fields).length === 0) return;
    await this.client.update('Opportunity', { ...fields, Id: opportunityId });
  }
}

/** ContentNote bodies are HTML: plain text is stored escaped (Salesforce strips unsafe markup). */
export function escapeNoteText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\n/g, '<br>');
}

export function unescapeNoteText(html: string): string {
  return html
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/p>\s*<p>/gi, '\n')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
}

/** The newest of an opportunity's SystemModstamp and its child rows' (Salesforce's one format compares as text). */
function newestStamp(own: string, children: readonly Record<string, unknown>[]): string {
  let newest = own;
  for (const child of children) {
    const stamp = child['SystemModstamp'];
    if (typeof stamp === 'string' && stamp > newest) newest = stamp;
  }
  return newest;
}

/**
 * SalesforcePort over the jsforce-based SalesforceClient: reads one deal (opportunity + account + contact
 * roles + solutions + team) in one SOQL query, and writes opportunities, accounts and child records.
 * Field names come from the mapping, so an org can keep the fields of Microsoft's old package.
 */
import {
  type AccountMatchKey,
  normaliseCompanyName,
  normalisePostalCode,
} from '../domain/mapping/accountMatchKey.ts';
import type { Mapping } from '../domain/mapping/mappingSchema.ts';
import type { SalesforceRecord } from '../domain/salesforceDealSnapshot.ts';
import type { SalesforceClient } from '../salesforce/salesforceClient.ts';
import { defaultSalesforceFieldNames } from '../salesforce/salesforceFieldNames.ts';
import { soqlString } from '../salesforce/soqlLiteral.ts';
import type {
  SalesforceChildChanges,
  SalesforceDealRead,
  SalesforceLeadRead,
  SalesforcePort,
} from './syncPorts.ts';

type Row = Record<string, unknown>;

interface SubQuery {
  records?: Row[] | null;
}

const SALESFORCE_ID = /^[a-zA-Z0-9]{15}(?:[a-zA-Z0-9]{3})?$/;

const sameEmail = (a: unknown, b: unknown): boolean =>
  typeof a === 'string' && typeof b === 'string' && a.trim().toLowerCase() === b.trim().toLowerCase();

const unique = (values: readonly (string | null | undefined)[]): string[] => [
  ...new Set(values.filter((value): value is string => typeof value === 'string' && value !== '')),
];

export interface SalesforceGatewayOptions {
  client: SalesforceClient;
  mapping: Mapping;
}

export class SalesforceGateway implements SalesforcePort {
  private readonly client: SalesforceClient;
  private readonly mapping: Mapping;
  private solutionRelationship: Promise<string> | undefined;
  private teamSellingEnabled: Promise<boolean> | undefined;
  private notesEnabled: Promise<boolean> | undefined;

  constructor(options: SalesforceGatewayOptions) {
    this.client = options.client;
    this.mapping = options.mapping;
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
    return unique(['Id', solutions.idField, solutions.nameField, solutions.publisherField]);
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
  private teamSelling(): Promise<boolean> {
    if (!this.mapping.team.enabled) return Promise.resolve(false);
    this.teamSellingEnabled ??= this.client
      .describe('Opportunity')
      .then((describe) =>
        describe.childRelationships.some((child) => child.childSObject === 'OpportunityTeamMember'),
      );
    return this.teamSellingEnabled;
  }

  async readDeal(opportunityId: string): Promise<SalesforceDealRead | null> {
    if (!SALESFORCE_ID.test(opportunityId)) return null;
    const [solutionRelationship, teamSelling] = await Promise.all([
      this.solutionRelationshipName(),
      this.teamSelling(),
    ]);
    const select = [
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
    ];
    const rows = await this.client.queryAll<Row>(
      `SELECT ${unique(select).join(', ')} FROM Opportunity WHERE Id = ${soqlString(opportunityId)}`,
    );
    const row = rows[0];
    if (!row) return null;
    const roles = ((row['OpportunityContactRoles'] as SubQuery | null)?.records ?? []).filter(
      (role) => role['Contact'],
    );
    const solutions = (row[solutionRelationship] as SubQuery | null)?.records ?? [];
    const team = (row['OpportunityTeamMembers'] as SubQuery | null)?.records ?? [];
    const opportunity: Row = {};
    for (const [key, value] of Object.entries(row)) {
      if (
        key === 'attributes' ||
        key === 'Account' ||
        key === 'Owner' ||
        key === 'OpportunityContactRoles' ||
        key === solutionRelationship ||
        key === 'OpportunityTeamMembers'
      )
        continue;
      opportunity[key] = value;
    }
    return {
      opportunityId: String(row['Id']),
      systemModstamp: typeof row['SystemModstamp'] === 'string' ? row['SystemModstamp'] : null,
      lastModifiedAt: typeof row['LastModifiedDate'] === 'string' ? row['LastModifiedDate'] : null,
      syncEnabled: row[this.mapping.opportunity.syncFlagField] === true,
      snapshot: {
        ...(this.mapping.notes.target === 'contentNote'
          ? { notes: await this.readNote(String(row['Id']), this.mapping.notes.noteTitle) }
          : {}),
        opportunity,
        account: (row['Account'] as Row | null) ?? null,
        contactRoles: roles.map((role) => ({
          contact: { ...(role['Contact'] as Row), OpportunityContactRoleId: role['Id'] },
          role: typeof role['Role'] === 'string' ? role['Role'] : null,
          isPrimary: role['IsPrimary'] === true,
        })),
        solutions,
        // Without Team Selling the opportunity owner is the partner team (as Microsoft's connector does).
        teamMembers: teamSelling
          ? team.map((member) => ({
              user: { ...(member['User'] as Row), OpportunityTeamMemberId: member['Id'] },
              role: typeof member['TeamMemberRole'] === 'string' ? member['TeamMemberRole'] : null,
            }))
          : row['Owner']
            ? [{ user: row['Owner'] as Row, role: 'Opportunity Owner' }]
            : [],
      },
    };
  }

  async notesAvailable(): Promise<boolean> {
    this.notesEnabled ??= this.client.describe('ContentNote').then(
      () => true,
      () => false,
    );
    return this.notesEnabled;
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

  async writeNote(opportunityId: string, title: string, text: string): Promise<void> {
    const content = Buffer.from(escapeNoteText(text), 'utf8').toString('base64');
    const existing = await this.noteFor(opportunityId, title);
    if (existing) {
      await this.client.update('ContentNote', { Id: existing.id, Content: content });
      return;
    }
    const noteId = await this.client.create('ContentNote', { Title: title, Content: content });
    await this.client.create('ContentDocumentLink', {
      ContentDocumentId: noteId,
      LinkedEntityId: opportunityId,
      ShareType: 'V',
    });
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

  async findOpportunityIdByReferralId(referralId: string): Promise<string | null> {
    const rows = await this.client.queryAll<{ Id: string }>(
      `SELECT Id FROM Opportunity WHERE ${this.referralIdField} = ${soqlString(referralId)} LIMIT 2`,
    );
    return rows[0]?.Id ?? null;
  }

  async upsertOpportunityByReferralId(
    referralId: string,
    fields: SalesforceRecord,
  ): Promise<{ id: string; created: boolean }> {
    const saved = await this.client.upsert('Opportunity', this.referralIdField, {
      ...fields,
      [this.referralIdField]: referralId,
    });
    return { id: saved.id, created: saved.created === true };
  }

  async updateOpportunity(opportunityId: string, fields: SalesforceRecord): Promise<void> {
    if (Object.keys(fields).length === 0) return;
    await this.client.update('Opportunity', { ...fields, Id: opportunityId });
  }

  async ensureAccount(match: AccountMatchKey | null, fields: SalesforceRecord): Promise<string> {
    const { account } = this.mapping;
    if (match?.kind === 'duns' && account.dunsField) {
      // The DUNS as digits, and as the customer wrote it (e.g. 12-345-6789): SOQL cannot strip the dashes.
      const forms = [...new Set([match.duns, String(fields[account.dunsField] ?? match.duns)])];
      const byDuns = await this.client.queryAll<{ Id: string }>(
        `SELECT Id FROM Account WHERE ${account.dunsField} IN (${forms.map(soqlString).join(', ')}) ORDER BY CreatedDate LIMIT 1`,
      );
      if (byDuns[0]) return byDuns[0].Id;
    }
    const name =
      match?.kind === 'namePostalCode'
        ? match.name
        : normaliseCompanyName(String(fields[account.nameField] ?? ''));
    const postalField = account.postalCodeField;
    const postal = match?.kind === 'namePostalCode' ? match.postalCode : null;
    const firstWord = name.split(' ')[0];
    if (firstWord && postal && postalField) {
      // SOQL cannot normalise: narrow by the first word (LIKE is case-insensitive), compare normalised here.
      const candidates = await this.client.queryAll<Row>(
        `SELECT Id, ${account.nameField}, ${postalField} FROM Account WHERE ${account.nameField} LIKE ${soqlString(`%${firstWord}%`)} ORDER BY CreatedDate LIMIT 200`,
      );
      const found = candidates.find(
        (candidate) =>
          normaliseCompanyName(String(candidate[account.nameField] ?? '')) === name &&
          normalisePostalCode(String(candidate[postalField] ?? '')) === postal,
      );
      if (found) return String(found['Id']);
    }
    return this.client.create('Account', fields);
  }

  async applyChildChanges(
    opportunityId: string,
    accountId: string | null,
    changes: SalesforceChildChanges,
  ): Promise<void> {
    const { contacts, solutions, team } = this.mapping;
    // Customer contacts: reuse a contact with the same email (on the account first), else create one.
    for (const contact of changes.contactsToAdd) {
      const email = String(contact[contacts.emailField] ?? '');
      const existing = email
        ? await this.client.queryAll<{ Id: string; AccountId: string | null }>(
            `SELECT Id, AccountId FROM Contact WHERE ${contacts.emailField} = ${soqlString(email)} ORDER BY CreatedDate LIMIT 10`,
          )
        : [];
      const preferred = existing.find((row) => row.AccountId === accountId) ?? existing[0];
      const contactId =
        preferred?.Id ??
        (await this.client.create('Contact', { ...contact, ...(accountId ? { AccountId: accountId } : {}) }));
      await this.client.create('OpportunityContactRole', {
        OpportunityId: opportunityId,
        ContactId: contactId,
        Role: contacts.role,
      });
    }
    for (const update of changes.contactsToUpdate)
      await this.client.update('Contact', { ...update.fields, Id: update.contactId });
    for (const roleId of changes.contactRolesToRemove)
      await this.client.call('delete contact role', (conn) =>
        conn.sobject('OpportunityContactRole').destroy(roleId),
      );

    if (changes.solutionsToAdd.length) {
      await this.client
        .createMany(
          solutions.object,
          changes.solutionsToAdd.map((solution) => ({ ...solution, [solutions.parentField]: opportunityId })),
        )
        .then((outcomes) => {
          const failed = outcomes.find((outcome) => !outcome.ok);
          if (failed && !failed.ok)
            throw new Error(`Salesforce refused a Microsoft solution record: ${failed.error.message}`);
        });
    }
    for (const update of changes.solutionsToUpdate)
      await this.client.update(solutions.object, { ...update.fields, Id: update.id });
    for (const id of changes.solutionIdsToRemove)
      await this.client.call('delete Microsoft solution', (conn) =>
        conn.sobject(solutions.object).destroy(id),
      );

    if (changes.teamEmailsToAdd.length && (await this.teamSelling())) {
      const users = await this.client.queryAll<{ Id: string; Email: string }>(
        `SELECT Id, Email FROM User WHERE IsActive = true AND Email IN (${changes.teamEmailsToAdd.map(soqlString).join(', ')})`,
      );
      for (const email of changes.teamEmailsToAdd) {
        const user = users.find((candidate) => sameEmail(candidate.Email, email));
        if (!user) continue; // No Salesforce user with that email: the partner seller stays on the referral only.
        await this.client.create('OpportunityTeamMember', {
          OpportunityId: opportunityId,
          UserId: user.Id,
          TeamMemberRole: team.role,
          OpportunityAccessLevel: team.accessLevel,
        });
      }
    }
    for (const id of changes.teamMemberIdsToRemove)
      await this.client.call('delete team member', (conn) =>
        conn.sobject('OpportunityTeamMember').destroy(id),
      );
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

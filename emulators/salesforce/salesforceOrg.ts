/**
 * One emulated org: state, clock, schema cache, field-level security and the record table primitives
 * the REST, SOQL, metadata and control layers build on. Writes go through `RecordWriter`.
 */
import type { Clock } from '../../src/shared/clock.ts';
import { duplicateRuleRecords } from './duplicateRuleObject.ts';
import { FieldValueIndex } from './fieldValueIndex.ts';
import type { FieldDef, ObjectDef, SfRecord } from './objectSchema.ts';
import { OPPORTUNITY_STAGES } from './opportunityStages.ts';
import { noRealism } from './orgRealism.ts';
import { type FieldAccess, fullAccess, OrgSchema } from './orgSchema.ts';
import { initialOrgState, type OrgState } from './orgState.ts';
import { recordTypeRecords } from './recordTypes.ts';
import { makeId } from './salesforceId.ts';
import { formatDateTime, wholeSeconds } from './sfDateTime.ts';

interface UndoEntry {
  objectName: string;
  id: string;
  previous: SfRecord | undefined;
}

/** Object types the emulator fills itself; reset rebuilds them instead of clearing them. */
const SYSTEM_OBJECTS = [
  'User',
  'Organization',
  'OpportunityStage',
  'CurrencyType',
  'RecordType',
  'DuplicateRule',
];

export class SalesforceOrg {
  private cachedSchema: { version: number; schema: OrgSchema } | null = null;
  private readonly accessCache = new Map<string, FieldAccess>();
  private readonly fieldValues = new FieldValueIndex();
  private schemaVersion = 0;
  private undoLog: UndoEntry[] | null = null;

  constructor(
    public state: OrgState,
    private readonly clock: Clock,
    private readonly onChange: () => void,
  ) {
    // State files written before org realism existed have no realism section.
    this.state.realism ??= noRealism();
    this.seedSystemRecords();
  }

  now(): Date {
    return wholeSeconds(new Date(this.clock.now().getTime() + this.state.clockOffsetMs));
  }

  nowText(): string {
    return formatDateTime(this.now());
  }

  /** Call after any change that should be persisted. */
  changed(): void {
    this.onChange();
  }

  /** Call after any change to settings, metadata or permission assignments. */
  schemaChanged(): void {
    this.schemaVersion += 1;
    this.accessCache.clear();
    this.fieldValues.clear();
    this.changed();
  }

  schema(): OrgSchema {
    if (this.cachedSchema?.version !== this.schemaVersion) {
      const { settings, customObjects, customFields, realism } = this.state;
      const schema = new OrgSchema(
        settings,
        Object.values(customObjects),
        Object.values(customFields),
        realism,
      );
      this.cachedSchema = { version: this.schemaVersion, schema };
    }
    return this.cachedSchema.schema;
  }

  isAdmin(userId: string): boolean {
    return userId === this.state.adminUserId;
  }

  /** Field-level security for a user: the admin sees everything, others what assigned permission sets grant. */
  accessFor(userId: string): FieldAccess {
    if (this.isAdmin(userId)) return fullAccess;
    const cached = this.accessCache.get(userId);
    if (cached) return cached;
    const readable = new Set<string>();
    const editable = new Set<string>();
    const permissionSets = this.table('PermissionSet');
    for (const assignment of this.liveRecords('PermissionSetAssignment')) {
      if (assignment['AssigneeId'] !== userId) continue;
      const permissionSet = permissionSets[String(assignment['PermissionSetId'])];
      const meta = permissionSet ? this.state.permissionSets[String(permissionSet['Name'])] : undefined;
      for (const grant of meta?.fieldPermissions ?? []) {
        const key = grant.field.toLowerCase();
        if (grant.readable || grant.editable) readable.add(key);
        if (grant.editable) editable.add(key);
      }
    }
    const restricted = new Map(
      this.state.realism.fieldSecurity.map((rule) => [
        `${rule.object}.${rule.field}`.toLowerCase(),
        rule.access,
      ]),
    );
    const key = (objectName: string, def: FieldDef) => `${objectName}.${def.name}`.toLowerCase();
    const access: FieldAccess = {
      canRead: (objectName, def) => {
        if (restricted.get(key(objectName, def)) === 'hidden') return false;
        return !def.fieldLevelSecurity || readable.has(key(objectName, def));
      },
      canEdit: (objectName, def) => {
        if (restricted.has(key(objectName, def))) return false;
        return !def.fieldLevelSecurity || editable.has(key(objectName, def));
      },
    };
    this.accessCache.set(userId, access);
    return access;
  }

  table(objectName: string): Record<string, SfRecord> {
    const existing = this.state.records[objectName];
    if (existing) return existing;
    const created: Record<string, SfRecord> = {};
    this.state.records[objectName] = created;
    return created;
  }

  /** Live records whose field equals `value` (ignoring case), found through an index instead of a scan. */
  liveRecordsWithValue(objectName: string, field: string, value: string): SfRecord[] {
    return this.fieldValues
      .find(objectName, this.table(objectName), field, value)
      .filter((record) => record['IsDeleted'] !== true);
  }

  liveRecords(objectName: string): SfRecord[] {
    return Object.values(this.table(objectName)).filter((record) => record['IsDeleted'] !== true);
  }

  /** The record with this (18-char) id, deleted or not, with its object definition. */
  find(id: string): { object: ObjectDef; record: SfRecord } | undefined {
    const object = this.schema().objectForId(id);
    const record = object ? this.state.records[object.name]?.[id] : undefined;
    return object && record ? { object, record } : undefined;
  }

  nextId(keyPrefix: string): string {
    const sequence = this.state.sequences[keyPrefix] ?? 1;
    this.state.sequences[keyPrefix] = sequence + 1;
    return makeId(keyPrefix, sequence);
  }

  /** Stores a record (insert or replace), remembering the previous version for rollback. */
  put(objectName: string, record: SfRecord): void {
    const id = String(record['Id']);
    const table = this.table(objectName);
    const previous = table[id];
    this.undoLog?.push({ objectName, id, previous });
    table[id] = record;
    this.fieldValues.stored(objectName, table, previous, record);
    if (objectName === 'PermissionSetAssignment' || objectName === 'PermissionSet') this.schemaChanged();
  }

  /** Runs `work`; when it reports failure, every record written during it is restored. */
  transaction<T>(work: () => { result: T; commit: boolean }): T {
    const outer = this.undoLog;
    const log: UndoEntry[] = [];
    this.undoLog = log;
    try {
      const { result, commit } = work();
      if (!commit) this.rollback(log);
      else outer?.push(...log);
      return result;
    } catch (error) {
      this.rollback(log);
      throw error;
    } finally {
      this.undoLog = outer;
    }
  }

  /**
   * An undo scope that spans awaits (a composite request's subrequests): every record change until `commit` or
   * `rollback` is logged. Only sound while no other request writes, i.e. under the RequestGate's exclusive hold.
   */
  beginUndoScope(): { commit(): void; rollback(): void } {
    const outer = this.undoLog;
    const log: UndoEntry[] = [];
    this.undoLog = log;
    return {
      commit: () => {
        this.undoLog = outer;
        outer?.push(...log);
      },
      rollback: () => {
        this.undoLog = outer;
        this.rollback(log);
      },
    };
  }

  private rollback(log: UndoEntry[]): void {
    for (const entry of log.reverse()) {
      const table = this.table(entry.objectName);
      if (entry.previous) table[entry.id] = entry.previous;
      else delete table[entry.id];
      if (!entry.previous) delete this.state.deletedAt[entry.id];
    }
    this.schemaChanged();
  }

  /** Clears records, deployed metadata and API usage, restores default org settings; keeps users, sessions and the connected app. */
  reset(): void {
    const users = this.state.records['User'] ?? {};
    const fresh = initialOrgState(this.state.apiUsage.max);
    this.state = {
      ...fresh,
      orgId: this.state.orgId,
      adminUserId: this.state.adminUserId,
      integrationUserId: this.state.integrationUserId,
      sequences: { ...fresh.sequences, '005': this.state.sequences['005'] ?? 3 },
      records: { User: users },
      connectedApp: this.state.connectedApp,
      sessions: this.state.sessions,
      refreshTokens: this.state.refreshTokens,
      clockOffsetMs: this.state.clockOffsetMs,
    };
    this.seedSystemRecords();
    this.schemaChanged();
  }

  /** (Re)builds the read-only system records and makes sure the two built-in users exist. */
  seedSystemRecords(): void {
    const users = this.table('User');
    const createdAt = formatDateTime(new Date('2025-01-01T00:00:00.000Z'));
    const system = (id: string, extra: SfRecord): SfRecord => ({
      Id: id,
      IsDeleted: false,
      CreatedDate: createdAt,
      CreatedById: this.state.adminUserId,
      LastModifiedDate: createdAt,
      LastModifiedById: this.state.adminUserId,
      SystemModstamp: createdAt,
      ...extra,
    });
    const userRecord = (id: string, first: string, last: string, username: string, email: string) =>
      system(id, {
        Username: username,
        Email: email,
        FirstName: first,
        LastName: last,
        Name: `${first} ${last}`,
        Title: null,
        IsActive: true,
      });
    users[this.state.adminUserId] ??= userRecord(
      this.state.adminUserId,
      'Ada',
      'Admin',
      'admin@cosell-emulator.example',
      'admin@cosell-emulator.example',
    );
    users[this.state.integrationUserId] ??= userRecord(
      this.state.integrationUserId,
      'Integration',
      'User',
      'integration@cosell-emulator.example',
      'integration@cosell-emulator.example',
    );
    const { settings } = this.state;
    this.state.records['Organization'] = {
      [this.state.orgId]: system(this.state.orgId, {
        Name: 'Co-sell Emulator Org',
        OrganizationType: 'Developer Edition',
        IsSandbox: false,
        InstanceName: 'EMU1',
        DefaultLocaleSidKey: 'en_US',
        TimeZoneSidKey: 'GMT',
        DefaultCurrencyIsoCode: settings.defaultCurrency,
      }),
    };
    const stages: Record<string, SfRecord> = {};
    OPPORTUNITY_STAGES.forEach((stage, index) => {
      const id = makeId('01J', index + 1);
      stages[id] = system(id, {
        ApiName: stage.apiName,
        MasterLabel: stage.apiName,
        DefaultProbability: stage.probability,
        ForecastCategoryName: stage.forecastCategoryName,
        IsActive: true,
        IsClosed: stage.isClosed,
        IsWon: stage.isWon,
        SortOrder: index + 1,
      });
    });
    this.state.records['OpportunityStage'] = stages;
    const currencies: Record<string, SfRecord> = {};
    settings.currencies.forEach((isoCode, index) => {
      const id = makeId('02A', index + 1);
      currencies[id] = system(id, {
        IsoCode: isoCode,
        ConversionRate: 1,
        DecimalPlaces: 2,
        IsActive: true,
        IsCorporate: isoCode === settings.defaultCurrency,
      });
    });
    this.state.records['CurrencyType'] = currencies;
    this.state.records['RecordType'] = recordTypeRecords(this.state.realism.recordTypes, system);
    this.state.records['DuplicateRule'] = duplicateRuleRecords(this.state.realism.duplicateRules, system);
  }

  isSystemObject(objectName: string): boolean {
    return SYSTEM_OBJECTS.includes(objectName);
  }
}

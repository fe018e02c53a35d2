/**
 * Executes SOQL against the org's records: field lists with parent paths and child sub-queries, WHERE,
 * ORDER BY, LIMIT/OFFSET, aggregates with GROUP BY, semi-joins, field-level security and deleted rows for queryAll.
 */
import {
  type GroupByClause,
  type OrderByClause,
  parseQuery,
  type Query,
  type FieldType as SelectField,
  type Subquery,
} from '@jetstreamapp/soql-parser-js';
import type { FieldDef, FieldValue, ObjectDef, SfRecord } from './objectSchema.ts';
import type { FieldAccess, OrgSchema } from './orgSchema.ts';
import { attributesOf, storedValue, type WireRecord, wireValue } from './recordWire.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import { normalizeId } from './salesforceId.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';
import {
  type AggregateColumn,
  type AggregateFunction,
  aggregateRows,
  isAggregateFunction,
} from './soqlAggregate.ts';
import { type ConditionTree, conditionTree, leafMatches, unquote } from './soqlCondition.ts';

export interface QueryOptions {
  userId: string;
  version: string;
  includeDeleted: boolean;
}

export interface QueryOutcome {
  totalSize: number;
  records: WireRecord[];
}

/** A path like `Account.Owner.Email`: relationship fields to follow, then the final field's name. */
interface CompiledPath {
  relationships: FieldDef[];
  fieldName: string;
  /** The final field's definition when it can be known without data (non-polymorphic path). */
  def: FieldDef | null;
}

type Projection =
  | { kind: 'path'; path: CompiledPath }
  | { kind: 'child'; relationshipName: string; childObject: ObjectDef; field: string; query: Subquery }
  | { kind: 'aggregate'; fn: AggregateFunction; alias: string; argument: CompiledPath | null };

const noSuchColumn = (name: string, object: ObjectDef) =>
  new SalesforceApiError(
    400,
    'INVALID_FIELD',
    `No such column '${name}' on entity '${object.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );

export class SoqlEngine {
  private readonly schema: OrgSchema;
  private readonly access: FieldAccess;

  constructor(
    private readonly org: SalesforceOrg,
    private readonly options: QueryOptions,
  ) {
    this.schema = org.schema();
    this.access = org.accessFor(options.userId);
  }

  run(soql: string): QueryOutcome {
    let query: Query;
    try {
      query = parseQuery(soql);
    } catch (error) {
      const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
      throw new SalesforceApiError(400, 'MALFORMED_QUERY', `unexpected token in query: ${detail}`);
    }
    const object = this.objectNamed(query.sObject ?? '');
    if (query.having) {
      throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'HAVING is not supported by the emulator');
    }
    const projections = this.compileFields(object, query.fields ?? []);
    const groupBy = query.groupBy ? (Array.isArray(query.groupBy) ? query.groupBy : [query.groupBy]) : [];
    const [only] = projections;
    const countOnly =
      projections.length === 1 &&
      only?.kind === 'aggregate' &&
      only.fn === 'COUNT' &&
      only.argument === null &&
      only.alias === '';
    if (countOnly && groupBy.length === 0) {
      return { totalSize: this.select(object, query, this.candidates(object)).length, records: [] };
    }
    if (groupBy.length > 0 || projections.some((projection) => projection.kind === 'aggregate')) {
      return this.aggregate(object, query, projections, groupBy);
    }
    const rows = this.select(object, query, this.candidates(object, conditionTree(query.where)));
    return { totalSize: rows.length, records: rows.map((row) => this.project(object, row, projections)) };
  }

  /** Aggregate queries: filter, group, aggregate, then ORDER BY grouped columns, OFFSET and LIMIT on groups. */
  private aggregate(
    object: ObjectDef,
    query: Query,
    projections: Projection[],
    groupBy: GroupByClause[],
  ): QueryOutcome {
    const groupPaths = groupBy.map((clause) => {
      if (!('field' in clause) || !clause.field) {
        throw new SalesforceApiError(
          400,
          'MALFORMED_QUERY',
          'GROUP BY functions are not supported by the emulator',
        );
      }
      return this.compilePath(object, clause.field);
    });
    const columns = projections.map((projection): AggregateColumn => {
      if (projection.kind === 'child') {
        throw new SalesforceApiError(
          400,
          'MALFORMED_QUERY',
          'Sub-queries cannot be combined with aggregate functions',
        );
      }
      if (projection.kind === 'aggregate') {
        const { argument } = projection;
        return {
          kind: 'aggregate',
          fn: projection.fn,
          alias: projection.alias,
          value: argument ? (row) => this.pathValue(row as SfRecord, argument) : null,
        };
      }
      const { path } = projection;
      const grouped = groupPaths.some(
        (candidate) =>
          candidate.fieldName === path.fieldName &&
          candidate.relationships.length === path.relationships.length,
      );
      if (!grouped) {
        throw new SalesforceApiError(
          400,
          'MALFORMED_QUERY',
          `Field must be grouped or aggregated: ${path.fieldName}`,
        );
      }
      return { kind: 'group', name: path.fieldName, value: (row) => this.pathValue(row as SfRecord, path) };
    });
    const { limit, offset, orderBy, ...filter } = query;
    const ordered = orderBy ? { ...filter, orderBy } : filter;
    const rows = this.select(object, ordered, this.candidates(object));
    let records = aggregateRows(rows, columns, groupBy.length > 0);
    if (offset !== undefined) records = records.slice(offset);
    if (limit !== undefined) records = records.slice(0, limit);
    return { totalSize: records.length, records };
  }

  private objectNamed(name: string): ObjectDef {
    const object = this.schema.object(name);
    if (!object) {
      throw new SalesforceApiError(
        400,
        'INVALID_TYPE',
        `sObject type '${name}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      );
    }
    return object;
  }

  private candidates(object: ObjectDef, tree: ConditionTree | null = null): SfRecord[] {
    const ids = tree ? requiredIds(tree) : null;
    const table = this.org.table(object.name);
    // By id, in id order (the order records were created, as a table scan gives), each record once.
    const all = ids
      ? [...new Set(ids.map((id) => normalizeId(id) ?? id))].sort().flatMap((id) => {
          const record = table[id];
          return record ? [record] : [];
        })
      : Object.values(table);
    return this.options.includeDeleted ? all : all.filter((record) => record['IsDeleted'] !== true);
  }

  /** Child rows grouped by parent once per query (a sub-query over 200 parents reads the child table once). */
  private readonly childGroups = new Map<string, Map<unknown, SfRecord[]>>();

  private childrenOf(childObject: ObjectDef, field: string, parentId: string): SfRecord[] {
    const key = `${childObject.name}.${field}`;
    let groups = this.childGroups.get(key);
    if (!groups) {
      groups = new Map();
      for (const child of this.candidates(childObject)) {
        const group = groups.get(child[field]);
        if (group) group.push(child);
        else groups.set(child[field], [child]);
      }
      this.childGroups.set(key, groups);
    }
    return groups.get(parentId) ?? [];
  }

  /** WHERE, ORDER BY, OFFSET, LIMIT over candidate rows. */
  private select(object: ObjectDef, query: Query | Subquery, rows: SfRecord[]): SfRecord[] {
    const tree = conditionTree(query.where);
    if (tree) this.prepareConditions(object, tree);
    const now = this.org.now();
    let result = tree ? rows.filter((row) => this.matches(object, row, tree, now)) : [...rows];
    const orderBy = query.orderBy ? (Array.isArray(query.orderBy) ? query.orderBy : [query.orderBy]) : [];
    if (orderBy.length > 0) result = this.sort(object, result, orderBy);
    if (query.offset !== undefined) {
      if (query.offset > 2000)
        throw new SalesforceApiError(
          400,
          'NUMBER_OUTSIDE_VALID_RANGE',
          'Maximum SOQL offset allowed is 2000',
        );
      result = result.slice(query.offset);
    }
    if (query.limit !== undefined) result = result.slice(0, query.limit);
    return result;
  }

  private compilePath(object: ObjectDef, dotted: string): CompiledPath {
    const parts = dotted.split('.');
    const [first] = parts;
    if (parts.length > 1 && first?.toLowerCase() === object.name.toLowerCase()) parts.shift();
    const relationships: FieldDef[] = [];
    let current: ObjectDef | null = object;
    for (const part of parts.slice(0, -1)) {
      if (!current) break;
      const relationship = this.schema.relationship(current, part, this.access);
      if (!relationship) {
        throw new SalesforceApiError(
          400,
          'INVALID_FIELD',
          `Didn't understand relationship '${part}' in field path. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name. Please reference your WSDL or the describe call for the appropriate names.`,
        );
      }
      relationships.push(relationship);
      const [target] = relationship.referenceTo;
      current = relationship.referenceTo.length === 1 && target ? (this.schema.object(target) ?? null) : null;
    }
    const fieldName = parts[parts.length - 1] ?? '';
    if (!current) return { relationships, fieldName, def: null };
    const def = this.schema.field(current, fieldName, this.access);
    if (!def) throw noSuchColumn(fieldName, current);
    return { relationships, fieldName: def.name, def };
  }

  private compileFields(object: ObjectDef, fields: SelectField[]): Projection[] {
    return fields.map((selected): Projection => {
      switch (selected.type) {
        case 'Field':
          return { kind: 'path', path: this.compilePath(object, selected.field) };
        case 'FieldRelationship':
          return {
            kind: 'path',
            path: this.compilePath(object, [...selected.relationships, selected.field].join('.')),
          };
        case 'FieldSubquery': {
          const child = this.schema.childRelationship(object, selected.subquery.relationshipName);
          if (!child) {
            throw new SalesforceApiError(
              400,
              'INVALID_TYPE',
              `Didn't understand relationship '${selected.subquery.relationshipName}' in FROM part of query call. If you are attempting to use a custom relationship, be sure to append the '__r' after the custom relationship name.`,
            );
          }
          const childObject = this.objectNamed(child.childSObject);
          this.compileFields(childObject, selected.subquery.fields ?? []);
          return {
            kind: 'child',
            relationshipName: child.relationshipName,
            childObject,
            field: child.field,
            query: selected.subquery,
          };
        }
        case 'FieldFunctionExpression': {
          const fn = selected.functionName.toUpperCase();
          if (!isAggregateFunction(fn)) {
            throw new SalesforceApiError(
              400,
              'MALFORMED_QUERY',
              `The emulator does not support the function ${selected.functionName}() in SELECT`,
            );
          }
          const [argument] = selected.parameters;
          return {
            kind: 'aggregate',
            fn,
            alias: selected.alias ?? '',
            argument: typeof argument === 'string' ? this.compilePath(object, argument) : null,
          };
        }
        default:
          throw new SalesforceApiError(400, 'MALFORMED_QUERY', 'TYPEOF is not supported by the emulator');
      }
    });
  }

  /** Compiles field paths of conditions and runs semi-join sub-queries once. */
  private prepareConditions(object: ObjectDef, tree: ConditionTree): void {
    if (tree.kind === 'and' || tree.kind === 'or') {
      this.prepareConditions(object, tree.left);
      this.prepareConditions(object, tree.right);
    } else if (tree.kind === 'not') {
      this.prepareConditions(object, tree.operand);
    } else if (tree.kind === 'leaf') {
      this.compilePath(object, tree.leaf.field);
      if (tree.valueQuery) {
        const inner = tree.valueQuery as Query;
        const innerObject = this.objectNamed(inner.sObject ?? '');
        const [innerField] = inner.fields ?? [];
        if (innerField?.type !== 'Field') {
          throw new SalesforceApiError(
            400,
            'MALFORMED_QUERY',
            'A semi-join sub-query must select exactly one field',
          );
        }
        const path = this.compilePath(innerObject, innerField.field);
        tree.leaf.subqueryValues = this.select(innerObject, inner, this.candidates(innerObject)).map((row) =>
          this.pathValue(row, path),
        );
      }
    }
  }

  private matches(object: ObjectDef, row: SfRecord, tree: ConditionTree, now: Date): boolean {
    switch (tree.kind) {
      case 'and':
        return this.matches(object, row, tree.left, now) && this.matches(object, row, tree.right, now);
      case 'or':
        return this.matches(object, row, tree.left, now) || this.matches(object, row, tree.right, now);
      case 'not':
        return !this.matches(object, row, tree.operand, now);
      case 'leaf': {
        const path = this.compilePath(object, tree.leaf.field);
        return leafMatches(tree.leaf, this.pathValue(row, path), this.finalDef(row, path), now);
      }
    }
  }

  /** The record at the end of a path's relationships, or null when a lookup is empty. */
  private follow(row: SfRecord, relationships: FieldDef[]): { object: ObjectDef; record: SfRecord } | null {
    let current: { object: ObjectDef; record: SfRecord } | null = null;
    let record: SfRecord = row;
    for (const relationship of relationships) {
      const id = record[relationship.name];
      if (typeof id !== 'string') return null;
      current = this.org.find(id) ?? null;
      if (!current || current.record['IsDeleted'] === true) return null;
      record = current.record;
    }
    return current;
  }

  private finalDef(row: SfRecord, path: CompiledPath): FieldDef | null {
    if (path.def || path.relationships.length === 0) return path.def;
    const target = this.follow(row, path.relationships);
    return target ? (this.schema.field(target.object, path.fieldName, this.access) ?? null) : null;
  }

  private pathValue(row: SfRecord, path: CompiledPath): FieldValue {
    if (path.relationships.length === 0)
      return path.def ? storedValue(row, path.def) : (row[path.fieldName] ?? null);
    const target = this.follow(row, path.relationships);
    if (!target) return null;
    const def = path.def ?? this.schema.field(target.object, path.fieldName, this.access);
    return def ? storedValue(target.record, def) : null;
  }

  private sort(object: ObjectDef, rows: SfRecord[], orderBy: OrderByClause[]): SfRecord[] {
    const keys = orderBy.map((clause) => {
      if (!('field' in clause) || !clause.field) {
        throw new SalesforceApiError(
          400,
          'MALFORMED_QUERY',
          'ORDER BY functions are not supported by the emulator',
        );
      }
      const descending = clause.order === 'DESC';
      return {
        path: this.compilePath(object, clause.field),
        descending,
        nullsFirst: clause.nulls ? clause.nulls === 'FIRST' : !descending,
      };
    });
    const decorated = rows.map((row) => ({ row, values: keys.map((key) => this.pathValue(row, key.path)) }));
    decorated.sort((left, right) => {
      for (const [index, key] of keys.entries()) {
        const a = left.values[index] ?? null;
        const b = right.values[index] ?? null;
        if (a === b) continue;
        if (a === null) return key.nullsFirst ? -1 : 1;
        if (b === null) return key.nullsFirst ? 1 : -1;
        const order =
          typeof a === 'string' && typeof b === 'string'
            ? a.localeCompare(b, 'en', { sensitivity: 'base' })
            : a < b
              ? -1
              : a > b
                ? 1
                : 0;
        if (order !== 0) return key.descending ? -order : order;
      }
      return 0;
    });
    return decorated.map((entry) => entry.row);
  }

  private project(object: ObjectDef, row: SfRecord, projections: Projection[]): WireRecord {
    const { version } = this.options;
    const wire: WireRecord = { attributes: attributesOf(version, object.name, row['Id']) };
    for (const projection of projections) {
      if (projection.kind === 'aggregate') continue;
      if (projection.kind === 'child') {
        const children = this.childrenOf(projection.childObject, projection.field, String(row['Id']));
        const selected = this.select(projection.childObject, projection.query, children);
        const childProjections = this.compileFields(projection.childObject, projection.query.fields ?? []);
        wire[projection.relationshipName] =
          selected.length === 0
            ? null
            : {
                totalSize: selected.length,
                done: true,
                records: selected.map((child) =>
                  this.project(projection.childObject, child, childProjections),
                ),
              };
        continue;
      }
      const { path } = projection;
      if (path.relationships.length === 0) {
        if (path.def) wire[path.def.name] = wireValue(version, object.name, row, path.def);
        continue;
      }
      this.projectParent(wire, row, path);
    }
    return wire;
  }

  /** Writes `Account: { attributes, Name }` (or null) into the wire record, merging with earlier paths. */
  private projectParent(wire: WireRecord, row: SfRecord, path: CompiledPath): void {
    let container = wire;
    let record: SfRecord | null = row;
    for (const relationship of path.relationships) {
      const key = relationship.relationshipName ?? relationship.name;
      const id: FieldValue = record ? (record[relationship.name] ?? null) : null;
      const parent: { object: ObjectDef; record: SfRecord } | undefined =
        typeof id === 'string' ? this.org.find(id) : undefined;
      if (!parent || parent.record['IsDeleted'] === true) {
        if (!(key in container)) container[key] = null;
        return;
      }
      const existing = container[key];
      const next: WireRecord =
        existing && typeof existing === 'object'
          ? (existing as WireRecord)
          : { attributes: attributesOf(this.options.version, parent.object.name, parent.record['Id']) };
      container[key] = next;
      container = next;
      record = parent.record;
    }
    const target = this.follow(row, path.relationships);
    if (!target) return;
    const def = path.def ?? this.schema.field(target.object, path.fieldName, this.access);
    if (!def) throw noSuchColumn(path.fieldName, target.object);
    container[def.name] = wireValue(this.options.version, target.object.name, target.record, def);
  }
}

/**
 * The record ids a WHERE clause limits rows to, when it does so at its top level (`Id = '…'`, `Id IN (…)`,
 * alone or ANDed with other conditions): the rows are then looked up by id instead of scanning the table.
 * Null when the clause does not say (the whole table is scanned, as before).
 */
function requiredIds(tree: ConditionTree): string[] | null {
  if (tree.kind === 'and') return requiredIds(tree.left) ?? requiredIds(tree.right);
  if (tree.kind !== 'leaf' || tree.valueQuery || tree.leaf.field.toLowerCase() !== 'id') return null;
  const operator = tree.leaf.operator.toUpperCase();
  if (operator !== '=' && operator !== 'IN') return null;
  const values = Array.isArray(tree.leaf.value) ? tree.leaf.value : [tree.leaf.value];
  return values.map(unquote);
}

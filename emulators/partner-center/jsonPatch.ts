import type { JsonObject } from './referralRules.ts';

export interface JsonPatchOperation {
  op: string;
  path: string;
  value?: unknown;
}

/** The outcome of applying a patch: the new document or why it could not be applied. */
export type PatchOutcome =
  | { ok: true; document: JsonObject }
  | { ok: false; message: string; target: string };

function decodePointer(path: string): string[] {
  if (!path.startsWith('/')) return [];
  return path
    .slice(1)
    .split('/')
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/**
 * RFC 6902 JSON Patch restricted to what the Referrals API accepts: `replace` and `add`.
 * Property names match case-insensitively (the docs' samples use `/Status` and `/status` alike).
 */
export function applyJsonPatch(document: JsonObject, operations: unknown): PatchOutcome {
  if (!Array.isArray(operations) || operations.length === 0) {
    return {
      ok: false,
      target: 'body',
      message: 'The body must be a non-empty JSON Patch array of operations.',
    };
  }
  const result = structuredClone(document);
  for (const [index, raw] of operations.entries()) {
    const operation = raw as Partial<JsonPatchOperation> | null;
    if (!operation || typeof operation.op !== 'string' || typeof operation.path !== 'string') {
      return { ok: false, target: `[${index}]`, message: `Operation ${index} needs 'op' and 'path'.` };
    }
    const op = operation.op.toLowerCase();
    if (op !== 'replace' && op !== 'add') {
      return {
        ok: false,
        target: operation.path,
        message: `Operation '${operation.op}' is not supported. Only 'replace' and 'add' are allowed.`,
      };
    }
    if (!('value' in operation)) {
      return { ok: false, target: operation.path, message: `Operation ${index} ('${op}') needs a 'value'.` };
    }
    const segments = decodePointer(operation.path);
    if (segments.length === 0) {
      return {
        ok: false,
        target: operation.path,
        message: `Path '${operation.path}' is not a valid JSON Pointer.`,
      };
    }
    let parent: unknown = result;
    for (const segment of segments.slice(0, -1)) {
      parent = child(parent, segment);
      if (parent === null || typeof parent !== 'object') {
        return {
          ok: false,
          target: operation.path,
          message: `Path '${operation.path}' does not exist on the referral.`,
        };
      }
    }
    const last = segments[segments.length - 1] as string;
    const value = structuredClone(operation.value);
    if (Array.isArray(parent)) {
      const position = last === '-' ? parent.length : Number(last);
      if (!Number.isInteger(position) || position < 0 || position > parent.length) {
        return { ok: false, target: operation.path, message: `Index '${last}' is out of range.` };
      }
      if (op === 'add') parent.splice(position, 0, value);
      else if (position < parent.length) parent[position] = value;
      else return { ok: false, target: operation.path, message: `Index '${last}' is out of range.` };
    } else {
      const record = parent as JsonObject;
      const key =
        Object.keys(record).find((candidate) => candidate.toLowerCase() === last.toLowerCase()) ?? last;
      if (op === 'replace' && !(key in record)) {
        return {
          ok: false,
          target: operation.path,
          message: `Cannot replace '${operation.path}': it does not exist. Use 'add'.`,
        };
      }
      record[key] = value;
    }
  }
  return { ok: true, document: result };
}

function child(parent: unknown, segment: string): unknown {
  if (Array.isArray(parent)) return parent[Number(segment)];
  if (parent === null || typeof parent !== 'object') return undefined;
  const record = parent as JsonObject;
  const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === segment.toLowerCase());
  return key === undefined ? undefined : record[key];
}

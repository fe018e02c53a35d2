/**
 * What Composite and Composite Graph share: the subrequest shape, `@{referenceId.path}` references to earlier
 * answers, and running one subrequest against the emulator's own routes. Subrequests run in the context of
 * the outer request's user and count towards no API limit (the outer request counts once); injected faults
 * and latency strike the outer request, not its subrequests.
 */
import { randomBytes } from 'node:crypto';
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { z } from 'zod';
import { NO_FAULTS_HEADER } from '../shared/faultInjector.ts';
import { SalesforceApiError } from './salesforceApiError.ts';

/** Marks a request the emulator made to itself for a subrequest; its value is secret to the process. */
export const SUBREQUEST_HEADER = 'x-emulator-subrequest';

export const subrequestSchema = z.object({
  method: z.enum(['GET', 'POST', 'PATCH', 'PUT', 'DELETE', 'HEAD']),
  url: z.string().min(1),
  referenceId: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,79}$/, 'start with a letter; letters, digits and _'),
  body: z.unknown().optional(),
  httpHeaders: z.record(z.string(), z.string()).optional(),
});
export type Subrequest = z.infer<typeof subrequestSchema>;

export interface SubrequestResult {
  body: unknown;
  httpHeaders: Record<string, string>;
  httpStatusCode: number;
  referenceId: string;
}

/** Runs requests against the emulator's own routes, recognisably as subrequests. */
export class SubrequestRunner {
  readonly token = randomBytes(16).toString('hex');

  constructor(private readonly inject: (options: InjectOptions) => Promise<LightMyRequestResponse>) {}

  isSubrequest(headers: Record<string, unknown>): boolean {
    return headers[SUBREQUEST_HEADER] === this.token;
  }

  async run(subrequest: Subrequest, authorization: string | undefined): Promise<SubrequestResult> {
    const headers: Record<string, string> = {
      ...Object.fromEntries(
        Object.entries(subrequest.httpHeaders ?? {}).filter(
          ([name]) => name.toLowerCase() !== 'authorization',
        ),
      ),
      [SUBREQUEST_HEADER]: this.token,
      [NO_FAULTS_HEADER]: '1',
      ...(authorization ? { authorization } : {}),
    };
    const withBody = subrequest.body !== undefined;
    if (withBody) headers['content-type'] = 'application/json';
    const response = await this.inject({
      method: subrequest.method,
      url: subrequest.url,
      headers,
      ...(withBody ? { payload: JSON.stringify(subrequest.body) } : {}),
    });
    const body = response.body === '' ? null : (JSON.parse(response.body) as unknown);
    // A created record's answer names where it lives, as Salesforce's composite answers do.
    const createdId =
      response.statusCode === 201 && /\/sobjects\/[^/]+$/.test(subrequest.url.split('?')[0] ?? '')
        ? (body as { id?: unknown } | null)?.id
        : undefined;
    return {
      body,
      httpHeaders:
        typeof createdId === 'string' ? { Location: `${subrequest.url.split('?')[0]}/${createdId}` } : {},
      httpStatusCode: response.statusCode,
      referenceId: subrequest.referenceId,
    };
  }
}

/** The error answer of a subrequest that was not run, or whose work was rolled back. */
export function haltedResult(referenceId: string, message: string): SubrequestResult {
  return {
    body: [{ errorCode: 'PROCESSING_HALTED', message }],
    httpHeaders: {},
    httpStatusCode: 400,
    referenceId,
  };
}

export const ROLLED_BACK_MESSAGE =
  'Rolled back: another subrequest of this all-or-none request failed, so none of its changes were kept.';

/** `@{referenceId.path}`: the reference id, then its path (`.field` and `[index]` steps). */
const REFERENCE_SOURCE = String.raw`@\{([A-Za-z][A-Za-z0-9_]*)((?:\.[A-Za-z0-9_]+|\[\d+\])*)\}`;
const REFERENCE = new RegExp(REFERENCE_SOURCE, 'g');
/** A string that is one reference and nothing else. */
const WHOLE_REFERENCE = new RegExp(`^${REFERENCE_SOURCE}$`);

/** The reference ids a subrequest's url and body point at, in order of appearance. */
export function referencedIds(subrequest: Subrequest): string[] {
  const text = `${subrequest.url} ${JSON.stringify(subrequest.body ?? null)}`;
  return [...text.matchAll(REFERENCE)].map((match) => match[1] ?? '');
}

function valueAt(root: unknown, path: string): unknown {
  let value = root;
  for (const step of path.match(/\.[A-Za-z0-9_]+|\[\d+\]/g) ?? []) {
    if (value === null || typeof value !== 'object') return undefined;
    const key = step.startsWith('[') ? Number(step.slice(1, -1)) : step.slice(1);
    value = (value as Record<string | number, unknown>)[key];
  }
  return value;
}

/**
 * The subrequest with every `@{ref.path}` replaced by the value at that path in an earlier answer. A whole
 * body string that is one reference takes the value itself (a number stays a number). Throws
 * PROCESSING_HALTED when the reference is unknown, its subrequest failed, or the path holds nothing.
 */
export function resolveReferences(
  subrequest: Subrequest,
  earlier: ReadonlyMap<string, SubrequestResult>,
): Subrequest {
  const lookup = (referenceId: string, path: string): unknown => {
    const answer = earlier.get(referenceId);
    const value = answer && answer.httpStatusCode < 400 ? valueAt(answer.body, path) : undefined;
    if (value === undefined || value === null || typeof value === 'object') {
      const why = !answer
        ? 'no earlier subrequest has that referenceId'
        : answer.httpStatusCode >= 400
          ? `subrequest ${referenceId} failed`
          : `the answer of ${referenceId} has no value there`;
      throw new SalesforceApiError(
        400,
        'PROCESSING_HALTED',
        `Cannot resolve @{${referenceId}${path}}: ${why}.`,
      );
    }
    return value;
  };
  const inText = (text: string) =>
    text.replace(REFERENCE, (_all, id: string, path: string) => String(lookup(id, path)));
  const inValue = (value: unknown): unknown => {
    if (typeof value === 'string') {
      const whole = WHOLE_REFERENCE.exec(value);
      return whole ? lookup(whole[1] ?? '', whole[2] ?? '') : inText(value);
    }
    if (Array.isArray(value)) return value.map(inValue);
    if (value !== null && typeof value === 'object')
      return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, inValue(item)]));
    return value;
  };
  return {
    ...subrequest,
    url: inText(subrequest.url),
    ...(subrequest.body !== undefined ? { body: inValue(subrequest.body) } : {}),
  };
}

/**
 * Runs subrequests in order. A subrequest that refers to a failed or missing answer is not run (it fails
 * with PROCESSING_HALTED). With `allOrNone`, the first failure stops the run: the caller rolls back, and every
 * other subrequest reports the roll-back.
 */
export async function runSubrequests(
  runner: SubrequestRunner,
  subrequests: readonly Subrequest[],
  authorization: string | undefined,
  allOrNone: boolean,
): Promise<{ results: SubrequestResult[]; failed: boolean }> {
  const answers = new Map<string, SubrequestResult>();
  const results: SubrequestResult[] = [];
  let failed = false;
  for (const subrequest of subrequests) {
    if (failed && allOrNone) {
      results.push(haltedResult(subrequest.referenceId, ROLLED_BACK_MESSAGE));
      continue;
    }
    let result: SubrequestResult;
    try {
      result = await runner.run(resolveReferences(subrequest, answers), authorization);
    } catch (error) {
      if (!(error instanceof SalesforceApiError)) throw error;
      result = {
        body: error.toBody(),
        httpHeaders: {},
        httpStatusCode: 400,
        referenceId: subrequest.referenceId,
      };
    }
    answers.set(subrequest.referenceId, result);
    results.push(result);
    if (result.httpStatusCode >= 400) failed = true;
  }
  if (failed && allOrNone)
    return {
      failed,
      results: results.map((result) =>
        result.httpStatusCode < 400 ? haltedResult(result.referenceId, ROLLED_BACK_MESSAGE) : result,
      ),
    };
  return { results, failed };
}

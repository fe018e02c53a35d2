/**
 * The one error type that leaves an API client. Each client classifies a failure exactly once,
 * at its edge, into an ErrorKind; the job runner acts on the kind and never looks at HTTP details.
 */
export const ERROR_KINDS = ['transient', 'rate_limited', 'auth', 'conflict', 'permanent'] as const;
export type ErrorKind = (typeof ERROR_KINDS)[number];

export type Upstream = 'partnerCenter' | 'salesforce' | 'identity' | 'store' | 'internal';

export interface UpstreamErrorInit {
  kind: ErrorKind;
  upstream: Upstream;
  message: string;
  status?: number;
  code?: string;
  requestId?: string;
  retryAfterSeconds?: number;
  cause?: unknown;
}

export class UpstreamError extends Error {
  readonly kind: ErrorKind;
  readonly upstream: Upstream;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly requestId: string | undefined;
  readonly retryAfterSeconds: number | undefined;

  constructor(init: UpstreamErrorInit) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.name = 'UpstreamError';
    this.kind = init.kind;
    this.upstream = init.upstream;
    this.status = init.status;
    this.code = init.code;
    this.requestId = init.requestId;
    this.retryAfterSeconds = init.retryAfterSeconds;
  }
}

/** The kind of any thrown value: UpstreamError and errors carrying a valid `kind` keep theirs; anything else is transient. */
export function errorKindOf(error: unknown): ErrorKind {
  if (error instanceof UpstreamError) return error.kind;
  const kind = (error as { kind?: unknown } | null)?.kind;
  return typeof kind === 'string' && (ERROR_KINDS as readonly string[]).includes(kind)
    ? (kind as ErrorKind)
    : 'transient';
}

/** Normalises anything thrown into an Error. */
export function toError(value: unknown): Error {
  if (value instanceof Error) return value;
  return new Error(typeof value === 'string' ? value : JSON.stringify(value));
}

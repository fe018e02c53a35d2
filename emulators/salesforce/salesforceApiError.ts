/** An error the emulated REST API answers with: `[{ message, errorCode, fields? }]` and an HTTP status. */
export class SalesforceApiError extends Error {
  /** Errors reported together with this one (Salesforce lists every failed validation rule of a save). */
  readonly others: readonly SalesforceApiError[];
  /** Extra properties of the error entry, e.g. `duplicateResult` of DUPLICATES_DETECTED. */
  readonly extra: Readonly<Record<string, unknown>>;
  /** Lists `fields` even when empty, as save errors (validation rules, duplicates) do. */
  readonly listsFields: boolean;

  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = [],
    options: {
      others?: readonly SalesforceApiError[];
      extra?: Record<string, unknown>;
      listsFields?: boolean;
    } = {},
  ) {
    super(message);
    this.name = 'SalesforceApiError';
    this.others = options.others ?? [];
    this.extra = options.extra ?? {};
    this.listsFields = options.listsFields ?? false;
  }

  /** One error carrying all of `errors` (the first gives the status and code). */
  static all(errors: readonly [SalesforceApiError, ...SalesforceApiError[]]): SalesforceApiError {
    const [first, ...rest] = errors;
    if (rest.length === 0) return first;
    return new SalesforceApiError(first.status, first.errorCode, first.message, first.fields, {
      others: rest,
      extra: { ...first.extra },
      listsFields: first.listsFields,
    });
  }

  private entries(): SalesforceApiError[] {
    return [this, ...this.others];
  }

  toBody(): Array<Record<string, unknown> & { message: string; errorCode: string; fields?: string[] }> {
    return this.entries().map((error) => {
      const entry: Record<string, unknown> & { message: string; errorCode: string; fields?: string[] } = {
        ...error.extra,
        message: error.message,
        errorCode: error.errorCode,
      };
      if (error.fields.length > 0 || error.listsFields) entry.fields = [...error.fields];
      return entry;
    });
  }

  /** Per-record errors as collections carry them (`statusCode`, not `errorCode`). */
  toSaveErrors(): SaveError[] {
    return this.entries().map((error) => ({
      ...error.extra,
      statusCode: error.errorCode,
      message: error.message,
      fields: [...error.fields],
    }));
  }
}

/** A per-record error as collections and save results carry it (`statusCode`, not `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
  [extra: string]: unknown;
}

export const notFound = (): SalesforceApiError =>
  new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

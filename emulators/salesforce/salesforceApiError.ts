/** An error the emulated REST API answers with: `[{ message, errorCode, fields? }]` and an HTTP status. */
export class SalesforceApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly fields: readonly string[] = [],
  ) {
    super(message);
    this.name = 'SalesforceApiError';
  }

  toBody(): Array<{ message: string; errorCode: string; fields?: string[] }> {
    const entry: { message: string; errorCode: string; fields?: string[] } = {
      message: this.message,
      errorCode: this.errorCode,
    };
    if (this.fields.length > 0) entry.fields = [...this.fields];
    return [entry];
  }
}

/** A per-record error as collections and save results carry it (`statusCode`, not `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export function saveErrorOf(error: SalesforceApiError): SaveError {
  return { statusCode: error.errorCode, message: error.message, fields: [...error.fields] };
}

export const notFound = (): SalesforceApiError =>
  new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

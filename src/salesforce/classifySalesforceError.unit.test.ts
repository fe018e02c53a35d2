import { describe, expect, it } from 'vitest';
import { UpstreamError } from '../shared/upstreamError.ts';
import {
  classifySalesforceError,
  DAILY_LIMIT_RETRY_AFTER_SECONDS,
  kindOfSalesforceCode,
  MAX_RETRY_AFTER_SECONDS,
} from './classifySalesforceError.ts';
import { rejectionLine, rejectionOf } from './salesforceRejection.ts';

/** The shape jsforce's HttpApiError has: name and errorCode both carry Salesforce's errorCode. */
function apiError(errorCode: string, message: string, data?: unknown): Error {
  const error = new Error(message) as Error & { errorCode: string; data?: unknown };
  error.name = errorCode;
  error.errorCode = errorCode;
  if (data !== undefined) error.data = data;
  return error;
}

const context = { operation: 'update Opportunity 006000000000001AAA' };

describe('kindOfSalesforceCode', () => {
  it.each([
    ['INVALID_SESSION_ID', 'auth'],
    ['invalid_grant', 'auth'],
    ['INVALID_AUTH_HEADER', 'auth'],
    ['REQUEST_LIMIT_EXCEEDED', 'rate_limited'],
    ['UNABLE_TO_LOCK_ROW', 'transient'],
    ['SERVER_UNAVAILABLE', 'transient'],
    ['ERROR_HTTP_503', 'transient'],
    ['ERROR_HTTP_429', 'rate_limited'],
    ['ECONNREFUSED', 'transient'],
    ['PRECONDITION_FAILED', 'conflict'],
    ['DUPLICATE_VALUE', 'conflict'],
    ['MULTIPLE_CHOICES', 'conflict'],
    ['REQUIRED_FIELD_MISSING', 'permanent'],
    ['INVALID_FIELD', 'permanent'],
    ['FIELD_CUSTOM_VALIDATION_EXCEPTION', 'permanent'],
    ['INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', 'permanent'],
    ['DUPLICATES_DETECTED', 'permanent'],
    ['sf:INVALID_SESSION_ID', 'auth'],
  ])('%s is %s', (code, kind) => {
    expect(kindOfSalesforceCode(code)).toBe(kind);
  });
});

describe('classifySalesforceError', () => {
  it('tells the user to install the package when a Partner Center field is unknown', () => {
    const error = classifySalesforceError(
      apiError('INVALID_FIELD', "No such column 'Partner_Center_Referral_Id__c' on entity 'Opportunity'."),
      context,
    );
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error.kind).toBe('permanent');
    expect(error.upstream).toBe('salesforce');
    expect(error.code).toBe('INVALID_FIELD');
    expect(error.message).toContain('cosell salesforce install');
    expect(error.message.startsWith(context.operation)).toBe(true);
  });

  it('points at the mapping for other unknown fields', () => {
    const error = classifySalesforceError(apiError('INVALID_FIELD', "No such column 'Foo__c'"), context);
    expect(error.message).toContain('mapping');
    expect(error.message).not.toContain('salesforce install');
  });

  it('explains an error answer with an empty body instead of printing an empty detail', () => {
    const error = classifySalesforceError(apiError('ERROR_HTTP_400', ''), context);
    expect(error.message).toContain('(ERROR_HTTP_400: the answer had no error message');
    expect(error.message).toContain('proxy');
    expect(error.message).not.toMatch(/: \)/);
  });

  it('gives the daily limit a retry delay', () => {
    const error = classifySalesforceError(
      apiError('REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.'),
      context,
    );
    expect(error.kind).toBe('rate_limited');
    expect(error.retryAfterSeconds).toBe(DAILY_LIMIT_RETRY_AFTER_SECONDS);
  });

  it("honours Salesforce's Retry-After on a 429 or 503, up to a cap", () => {
    const limited = classifySalesforceError(
      apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
      { ...context, retryAfterSeconds: 7 },
    );
    expect(limited.kind).toBe('rate_limited');
    expect(limited.retryAfterSeconds).toBe(7);
    expect(limited.message).toContain('asked to wait 7 s');
    const long = classifySalesforceError(apiError('ERROR_HTTP_429', 'Too many requests'), {
      ...context,
      retryAfterSeconds: 86_400,
    });
    expect(long.retryAfterSeconds).toBe(MAX_RETRY_AFTER_SECONDS);
    const unavailable = classifySalesforceError(apiError('SERVER_UNAVAILABLE', 'Try later.'), {
      ...context,
      retryAfterSeconds: 5,
    });
    expect(unavailable.kind).toBe('transient');
    expect(unavailable.retryAfterSeconds).toBe(5);
    // No Retry-After: the fixed back-offs (60 s for the concurrency limit), nothing for a plain 503.
    const without = classifySalesforceError(
      apiError('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.'),
      { ...context, retryAfterSeconds: null },
    );
    expect(without.retryAfterSeconds).toBe(60);
    expect(
      classifySalesforceError(apiError('SERVER_UNAVAILABLE', 'x'), context).retryAfterSeconds,
    ).toBeUndefined();
  });

  it('treats a failed session refresh as auth and asks to reconnect', () => {
    const error = classifySalesforceError(
      new Error('Unable to refresh session due to: authentication failure'),
      context,
    );
    expect(error.kind).toBe('auth');
    expect(error.message).toContain('cosell connect salesforce');
  });

  it('classifies an HTML error page as transient without echoing the page', () => {
    const html = '<!DOCTYPE html><html><body>Maintenance in progress, secret-ish markup</body></html>';
    const error = classifySalesforceError(apiError('ERROR_HTTP_503', html), context);
    expect(error.kind).toBe('transient');
    expect(error.message).toContain('HTML page');
    expect(error.message).not.toContain('<html');
  });

  it('uses the first error of MULTIPLE_API_ERRORS', () => {
    const error = classifySalesforceError(
      apiError('MULTIPLE_API_ERRORS', 'Multiple errors returned.', [
        { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'unable to obtain exclusive access to this record' },
        { errorCode: 'UNABLE_TO_LOCK_ROW', message: 'again' },
      ]),
      context,
    );
    expect(error.kind).toBe('transient');
    expect(error.code).toBe('UNABLE_TO_LOCK_ROW');
  });

  it('treats network failures as transient', () => {
    const error = Object.assign(
      new Error('request to http://127.0.0.1:1/ failed, reason: connect ECONNREFUSED'),
      {
        name: 'FetchError',
        code: 'ECONNREFUSED',
      },
    );
    expect(classifySalesforceError(error, context).kind).toBe('transient');
  });

  it('never repeats tokens that appear in an error text', () => {
    const error = classifySalesforceError(
      apiError(
        'INVALID_SESSION_ID',
        'Session 00Dxx0000001gPL!AQ4AQFnUaWzK.secretpart expired; Bearer abc.def access_token=xyz',
      ),
      context,
    );
    expect(error.message).not.toMatch(/secretpart|abc\.def|xyz/);
  });

  it('keeps an UpstreamError as it is', () => {
    const original = new UpstreamError({ kind: 'conflict', upstream: 'salesforce', message: 'x' });
    expect(classifySalesforceError(original, context)).toBe(original);
  });

  it('explains a validation rule with its message, field and fix, and exposes the structured detail', () => {
    const error = classifySalesforceError(
      apiError('FIELD_CUSTOM_VALIDATION_EXCEPTION', 'Enter an Amount before Qualification.', {
        errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
        message: 'Enter an Amount before Qualification.',
        fields: ['Amount'],
      }),
      context,
    );
    expect(error.kind).toBe('permanent');
    expect(error.message).toContain('"Enter an Amount before Qualification."');
    expect(error.message).toContain('Validation Rules');
    expect(rejectionOf(error)).toMatchObject({
      errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
      fields: ['Amount'],
      salesforceMessage: 'Enter an Amount before Qualification.',
    });
  });

  it('names the stage and the sales process for a stage outside the record type', () => {
    const error = classifySalesforceError(
      apiError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        'Stage: bad value for restricted picklist field: Qualification',
        {
          fields: ['StageName'],
        },
      ),
      context,
    );
    expect(error.message).toContain('Stage "Qualification" is not in the sales process');
    expect(rejectionOf(error)?.fix).toContain('Sales Processes');
    const rejection = rejectionOf(error);
    expect(rejection && rejectionLine(rejection)).toMatch(
      /^✖ Stage "Qualification" is not in .*\. Fix: Add "Qualification"/,
    );
  });

  it('explains a required org field, FLS and a duplicate rule (permanent, never a conflict)', () => {
    const required = classifySalesforceError(
      apiError('REQUIRED_FIELD_MISSING', 'Required fields are missing: [Region__c]', {
        fields: ['Region__c'],
      }),
      context,
    );
    expect(required.message).toContain('Salesforce requires Region__c');
    expect(rejectionOf(required)?.fix).toContain('transforms.salesforce');
    const readOnly = classifySalesforceError(
      apiError('INVALID_FIELD_FOR_INSERT_UPDATE', 'Unable to update fields: NextStep.', {
        fields: ['NextStep'],
      }),
      context,
    );
    expect(readOnly.message).toContain('Edit access to NextStep');
    const duplicate = classifySalesforceError(
      apiError('DUPLICATES_DETECTED', 'Use one of these records?', {
        fields: [],
        duplicateResult: { duplicateRule: 'Standard_Account_Duplicate_Rule' },
      }),
      { operation: 'create Account' },
    );
    expect(duplicate.kind).toBe('permanent');
    expect(rejectionOf(duplicate)?.rule).toBe('Standard_Account_Duplicate_Rule');
    expect(duplicate.message).toContain('Duplicate Rules → Standard_Account_Duplicate_Rule');
  });

  it('reports every failed validation rule of MULTIPLE_API_ERRORS', () => {
    const error = classifySalesforceError(
      apiError('MULTIPLE_API_ERRORS', 'Multiple errors', [
        { errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'The name cannot change.', fields: [] },
        {
          errorCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: 'Amount cannot be negative.',
          fields: ['Amount'],
        },
      ]),
      context,
    );
    expect(error.code).toBe('FIELD_CUSTOM_VALIDATION_EXCEPTION');
    expect(error.message).toContain('The name cannot change.');
    expect(error.message).toContain('Amount cannot be negative.');
    expect(rejectionOf(error)?.fields).toEqual(['Amount']);
  });
});

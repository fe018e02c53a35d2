/** Lead conversion as a seller does it in the UI (the REST API has no convert call; the control API exposes this). */
import type { RecordWriter } from './recordWriter.ts';
import { SalesforceApiError } from './salesforceApiError.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';
import { formatDate } from './sfDateTime.ts';

export interface LeadConversionOptions {
  accountId?: string;
  contactId?: string;
  opportunityName?: string;
  doNotCreateOpportunity?: boolean;
}

export interface LeadConversion {
  leadId: string;
  accountId: string;
  contactId: string;
  opportunityId: string | null;
}

export class LeadConverter {
  constructor(
    private readonly org: SalesforceOrg,
    private readonly writer: RecordWriter,
  ) {}

  /** Converts a lead: creates (or reuses) account, contact and optional opportunity and marks the lead converted. */
  convert(rawId: string, options: LeadConversionOptions, userId: string): LeadConversion {
    const { org, writer } = this;
    const lead = writer.existing(writer.object('Lead'), rawId);
    if (lead['IsConverted'] === true) {
      throw new SalesforceApiError(400, 'CANNOT_UPDATE_CONVERTED_LEAD', 'cannot reference converted lead');
    }
    const accountId = options.accountId ?? writer.create('Account', { Name: lead['Company'] }, userId);
    const contactId =
      options.contactId ??
      writer.create(
        'Contact',
        {
          FirstName: lead['FirstName'],
          LastName: lead['LastName'],
          Email: lead['Email'],
          Phone: lead['Phone'],
          Title: lead['Title'],
          MailingCountry: lead['Country'],
          AccountId: accountId,
        },
        userId,
      );
    const opportunityId = options.doNotCreateOpportunity
      ? null
      : writer.create(
          'Opportunity',
          {
            Name: options.opportunityName ?? `${String(lead['Company'])}-`,
            StageName: 'Prospecting',
            CloseDate: formatDate(new Date(org.now().getTime() + 30 * 86_400_000)),
            AccountId: accountId,
            LeadSource: lead['LeadSource'],
          },
          userId,
        );
    const now = org.nowText();
    org.put('Lead', {
      ...lead,
      IsConverted: true,
      Status: 'Closed - Converted',
      ConvertedDate: formatDate(org.now()),
      ConvertedAccountId: accountId,
      ConvertedContactId: contactId,
      ConvertedOpportunityId: opportunityId,
      LastModifiedDate: now,
      LastModifiedById: userId,
      SystemModstamp: now,
    });
    org.changed();
    return { leadId: String(lead['Id']), accountId, contactId, opportunityId };
  }
}

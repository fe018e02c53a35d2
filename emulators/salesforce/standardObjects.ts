/** Definitions of the standard objects the emulator serves; some depend on org settings. */

import {
  field,
  lookup,
  type ObjectDef,
  ownerField,
  picklist,
  readOnly,
  required,
  systemFields,
} from './objectSchema.ts';
import { OPPORTUNITY_STAGES } from './opportunityStages.ts';
import type { OrgSettings } from './orgSettings.ts';

const LEAD_SOURCES = ['Web', 'Phone Inquiry', 'Partner Referral', 'Purchased List', 'Other'];
const OPPORTUNITY_TYPES = [
  'Existing Customer - Upgrade',
  'Existing Customer - Replacement',
  'Existing Customer - Downgrade',
  'New Customer',
];
const CONTACT_ROLES = [
  'Business User',
  'Decision Maker',
  'Economic Buyer',
  'Economic Decision Maker',
  'Evaluator',
  'Executive Sponsor',
  'Influencer',
  'Technical Buyer',
  'Other',
];
export const LEAD_STATUSES = [
  'Open - Not Contacted',
  'Working - Contacted',
  'Closed - Converted',
  'Closed - Not Converted',
];
const TEAM_ROLES = [
  'Account Manager',
  'Channel Manager',
  'Executive Sponsor',
  'Lead Qualifier',
  'Pre-Sales Consultant',
  'Sales Manager',
  'Sales Rep',
  'Other',
];

interface ObjectOptions {
  createable?: boolean;
  updateable?: boolean;
  deletable?: boolean;
}

function standard(
  name: string,
  keyPrefix: string,
  labelPlural: string,
  fields: ObjectDef['fields'],
  options: ObjectOptions = {},
): ObjectDef {
  return {
    name,
    label: name.replace(/([a-z])([A-Z])/g, '$1 $2'),
    labelPlural,
    keyPrefix,
    custom: false,
    createable: options.createable ?? true,
    updateable: options.updateable ?? true,
    deletable: options.deletable ?? true,
    fields: [...systemFields(), ...fields],
  };
}

const readOnlyObject: ObjectOptions = { createable: false, updateable: false, deletable: false };
const nameFromParts = () => readOnly('Name', 'Full Name', 'string', { length: 121 });

/** Name, e-mail, phone and title fields shared by Contact and Lead. */
function personFields(): ObjectDef['fields'] {
  return [
    field('FirstName', 'First Name', 'string', { length: 40 }),
    required('LastName', 'Last Name', 'string', { length: 80 }),
    nameFromParts(),
    field('Email', 'Email', 'email', { length: 80 }),
    field('Phone', 'Phone', 'phone', { length: 40 }),
    field('Title', 'Title', 'string', { length: 128 }),
  ];
}

export function standardObjects(settings: OrgSettings): ObjectDef[] {
  const currency = settings.multiCurrency
    ? [
        picklist('CurrencyIsoCode', 'Currency ISO Code', settings.currencies, {
          length: 3,
          restrictedPicklist: true,
          defaultedOnCreate: true,
          defaultValue: settings.defaultCurrency,
        }),
      ]
    : [];
  const objects: ObjectDef[] = [
    standard(
      'User',
      '005',
      'Users',
      [
        required('Username', 'Username', 'string', { length: 80, unique: true }),
        required('Email', 'Email', 'email', { length: 128 }),
        field('FirstName', 'First Name', 'string', { length: 40 }),
        required('LastName', 'Last Name', 'string', { length: 80 }),
        nameFromParts(),
        field('Title', 'Title', 'string', { length: 80 }),
        field('Phone', 'Phone', 'phone', { length: 40 }),
        field('MobilePhone', 'Mobile', 'phone', { length: 40 }),
        field('IsActive', 'Active', 'boolean', {
          nillable: false,
          defaultedOnCreate: true,
          defaultValue: true,
        }),
        ...currency.map((def) => ({ ...def, name: 'DefaultCurrencyIsoCode', label: 'User Currency' })),
      ],
      { deletable: false },
    ),
    standard('Account', '001', 'Accounts', [
      required('Name', 'Account Name', 'string', { length: 255 }),
      picklist('Type', 'Account Type', [
        'Prospect',
        'Customer - Direct',
        'Customer - Channel',
        'Partner',
        'Other',
      ]),
      picklist('Industry', 'Industry', [
        'Agriculture',
        'Banking',
        'Education',
        'Healthcare',
        'Manufacturing',
        'Retail',
        'Technology',
        'Other',
      ]),
      field('BillingStreet', 'Billing Street', 'textarea', { length: 255 }),
      field('BillingCity', 'Billing City', 'string', { length: 40 }),
      field('BillingState', 'Billing State/Province', 'string', { length: 80 }),
      field('BillingPostalCode', 'Billing Zip/Postal Code', 'string', { length: 20 }),
      field('BillingCountry', 'Billing Country', 'string', { length: 80 }),
      field('Website', 'Website', 'url', { length: 255 }),
      field('Phone', 'Account Phone', 'phone', { length: 40 }),
      field('AccountNumber', 'Account Number', 'string', { length: 40 }),
      field('Site', 'Account Site', 'string', { length: 80 }),
      field('NumberOfEmployees', 'Employees', 'int', { precision: 8 }),
      field('AnnualRevenue', 'Annual Revenue', 'currency', { precision: 18 }),
      field('Description', 'Account Description', 'textarea', { length: 32000 }),
      picklist('AccountSource', 'Account Source', LEAD_SOURCES),
      ownerField(),
      ...currency,
    ]),
    standard('Contact', '003', 'Contacts', [
      ...personFields(),
      field('MailingCountry', 'Mailing Country', 'string', { length: 80 }),
      field('Description', 'Contact Description', 'textarea', { length: 32000 }),
      lookup('AccountId', 'Account ID', ['Account'], 'Account', {
        childRelationshipName: 'Contacts',
        cascadeDelete: true,
      }),
      ownerField(),
      ...currency,
    ]),
    standard('Opportunity', '006', 'Opportunities', [
      required('Name', 'Name', 'string', { length: 120 }),
      picklist(
        'StageName',
        'Stage',
        OPPORTUNITY_STAGES.map((stage) => stage.apiName),
        {
          nillable: false,
          restrictedPicklist: true,
        },
      ),
      required('CloseDate', 'Close Date', 'date'),
      field('Amount', 'Amount', 'currency', { precision: 18, scale: 2 }),
      field('Probability', 'Probability (%)', 'percent', { precision: 3, defaultedOnCreate: true }),
      field('Description', 'Description', 'textarea', { length: 32000 }),
      field('NextStep', 'Next Step', 'string', { length: 255 }),
      picklist('Type', 'Opportunity Type', OPPORTUNITY_TYPES),
      picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
      readOnly('IsClosed', 'Closed', 'boolean', { nillable: false }),
      readOnly('IsWon', 'Won', 'boolean', { nillable: false }),
      picklist(
        'ForecastCategoryName',
        'Forecast Category',
        ['Omitted', 'Pipeline', 'Best Case', 'Commit', 'Closed'],
        {
          defaultedOnCreate: true,
          restrictedPicklist: true,
        },
      ),
      readOnly('ForecastCategory', 'Forecast Category', 'picklist', { length: 40 }),
      lookup('AccountId', 'Account ID', ['Account'], 'Account', {
        childRelationshipName: 'Opportunities',
        cascadeDelete: true,
      }),
      ownerField(),
      ...currency,
    ]),
    standard('OpportunityContactRole', '00K', 'Opportunity Contact Role', [
      lookup('OpportunityId', 'Opportunity ID', ['Opportunity'], 'Opportunity', {
        nillable: false,
        updateable: false,
        cascadeDelete: true,
        childRelationshipName: 'OpportunityContactRoles',
      }),
      lookup('ContactId', 'Contact ID', ['Contact'], 'Contact', {
        nillable: false,
        cascadeDelete: true,
        childRelationshipName: 'OpportunityContactRoles',
      }),
      picklist('Role', 'Role', CONTACT_ROLES),
      field('IsPrimary', 'Primary', 'boolean', {
        nillable: false,
        defaultedOnCreate: true,
        defaultValue: false,
      }),
    ]),
    standard('Lead', '00Q', 'Leads', [
      ...personFields(),
      required('Company', 'Company', 'string', { length: 255 }),
      field('Street', 'Street', 'textarea', { length: 255 }),
      field('City', 'City', 'string', { length: 40 }),
      field('State', 'State/Province', 'string', { length: 80 }),
      field('PostalCode', 'Zip/Postal Code', 'string', { length: 20 }),
      field('Country', 'Country', 'string', { length: 80 }),
      field('Description', 'Description', 'textarea', { length: 32000 }),
      picklist('Status', 'Status', LEAD_STATUSES, {
        nillable: false,
        restrictedPicklist: true,
        defaultedOnCreate: true,
        defaultValue: 'Open - Not Contacted',
      }),
      picklist('LeadSource', 'Lead Source', LEAD_SOURCES),
      readOnly('IsConverted', 'Converted', 'boolean', { nillable: false }),
      readOnly('ConvertedDate', 'Converted Date', 'date'),
      readOnly('ConvertedAccountId', 'Converted Account ID', 'reference', {
        length: 18,
        referenceTo: ['Account'],
        relationshipName: 'ConvertedAccount',
      }),
      readOnly('ConvertedContactId', 'Converted Contact ID', 'reference', {
        length: 18,
        referenceTo: ['Contact'],
        relationshipName: 'ConvertedContact',
      }),
      readOnly('ConvertedOpportunityId', 'Converted Opportunity ID', 'reference', {
        length: 18,
        referenceTo: ['Opportunity'],
        relationshipName: 'ConvertedOpportunity',
      }),
      ownerField(),
      ...currency,
    ]),
    standard(
      'Organization',
      '00D',
      'Organizations',
      [
        readOnly('Name', 'Name', 'string', { length: 80 }),
        readOnly('OrganizationType', 'Edition', 'picklist', { length: 40 }),
        readOnly('IsSandbox', 'Is Sandbox', 'boolean'),
        readOnly('InstanceName', 'Instance Name', 'string', { length: 5 }),
        readOnly('DefaultLocaleSidKey', 'Locale', 'picklist', { length: 40 }),
        readOnly('TimeZoneSidKey', 'Default Time Zone', 'picklist', { length: 40 }),
        readOnly('DefaultCurrencyIsoCode', 'Currency Locale', 'picklist', { length: 3 }),
      ],
      readOnlyObject,
    ),
    standard(
      'OpportunityStage',
      '01J',
      'Opportunity Stages',
      [
        readOnly('ApiName', 'Api Name', 'string', { length: 255 }),
        readOnly('MasterLabel', 'Master Label', 'string', { length: 255 }),
        readOnly('DefaultProbability', 'Probability (%)', 'percent'),
        readOnly('ForecastCategoryName', 'Forecast Category', 'picklist', { length: 40 }),
        readOnly('IsActive', 'Active', 'boolean'),
        readOnly('IsClosed', 'Closed', 'boolean'),
        readOnly('IsWon', 'Won', 'boolean'),
        readOnly('SortOrder', 'Sort Order', 'int'),
      ],
      readOnlyObject,
    ),
    standard('PermissionSet', '0PS', 'Permission Sets', [
      required('Name', 'Name', 'string', { length: 80, unique: true }),
      required('Label', 'Label', 'string', { length: 80 }),
      field('Description', 'Description', 'textarea', { length: 255 }),
      readOnly('IsOwnedByProfile', 'Is Owned By Profile', 'boolean'),
    ]),
    standard(
      'PermissionSetAssignment',
      '0Pa',
      'Permission Set Assignments',
      [
        lookup('AssigneeId', 'Assignee ID', ['User'], 'Assignee', { nillable: false, updateable: false }),
        lookup('PermissionSetId', 'Permission Set ID', ['PermissionSet'], 'PermissionSet', {
          nillable: false,
          updateable: false,
          cascadeDelete: true,
          childRelationshipName: 'Assignments',
        }),
      ],
      { updateable: false },
    ),
  ];
  if (settings.teamSelling) {
    objects.push(
      standard('OpportunityTeamMember', '00q', 'Opportunity Team Members', [
        lookup('OpportunityId', 'Opportunity ID', ['Opportunity'], 'Opportunity', {
          nillable: false,
          updateable: false,
          cascadeDelete: true,
          childRelationshipName: 'OpportunityTeamMembers',
        }),
        lookup('UserId', 'User ID', ['User'], 'User', { nillable: false, updateable: false }),
        picklist('TeamMemberRole', 'Team Role', TEAM_ROLES),
        picklist('OpportunityAccessLevel', 'Opportunity Access', ['Read', 'Edit'], {
          nillable: false,
          restrictedPicklist: true,
          defaultedOnCreate: true,
          defaultValue: 'Read',
        }),
        readOnly('Name', 'Name', 'string', { length: 121 }),
        ...currency,
      ]),
    );
  }
  if (settings.notesEnabled) {
    objects.push(
      standard('ContentNote', '069', 'Notes', [
        required('Title', 'Title', 'string', { length: 255 }),
        field('Content', 'Content', 'base64', { length: 131072 }),
        readOnly('FileType', 'File Type', 'string', { length: 20 }),
        readOnly('TextPreview', 'Text Preview', 'string', { length: 255 }),
        ownerField(),
      ]),
      standard(
        'ContentDocumentLink',
        '06A',
        'Content Document Links',
        [
          lookup('ContentDocumentId', 'ContentDocument ID', ['ContentNote'], 'ContentDocument', {
            nillable: false,
            updateable: false,
            cascadeDelete: true,
            childRelationshipName: 'ContentDocumentLinks',
          }),
          lookup(
            'LinkedEntityId',
            'Linked Entity ID',
            ['Account', 'Contact', 'Opportunity', 'Lead', 'User'],
            'LinkedEntity',
            {
              nillable: false,
              updateable: false,
              cascadeDelete: true,
              childRelationshipName: 'ContentDocumentLinks',
            },
          ),
          picklist('ShareType', 'Share Type', ['V', 'C', 'I'], {
            nillable: false,
            restrictedPicklist: true,
            defaultedOnCreate: true,
            defaultValue: 'V',
          }),
          picklist('Visibility', 'Visibility', ['AllUsers', 'InternalUsers', 'SharedUsers'], {
            restrictedPicklist: true,
            defaultedOnCreate: true,
            defaultValue: 'AllUsers',
          }),
        ],
        { updateable: false },
      ),
    );
  }
  if (settings.multiCurrency) {
    objects.push(
      standard(
        'CurrencyType',
        '02A',
        'Currencies',
        [
          readOnly('IsoCode', 'Currency ISO Code', 'picklist', { length: 3 }),
          readOnly('ConversionRate', 'Conversion Rate', 'double'),
          readOnly('DecimalPlaces', 'Decimal Places', 'int'),
          readOnly('IsActive', 'Active', 'boolean'),
          readOnly('IsCorporate', 'Corporate', 'boolean'),
        ],
        readOnlyObject,
      ),
    );
  }
  return objects;
}

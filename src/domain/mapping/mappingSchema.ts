import jsonata from 'jsonata';
import { z } from 'zod';
import { assistanceRequestCodes } from '../coSellDeal.ts';
import { defaultTaxonomy, referralTaxonomySchema } from '../referralTaxonomy.ts';

/**
 * The mapping file schema. Every key has a default (DESIGN §4 + §8), so parsing `{}` yields the default mapping
 * and parsing a partial file yields that file merged over the defaults. Unknown keys are errors.
 */

export const syncDirections = ['both', 'toSalesforce', 'toPartnerCenter'] as const;
/** Which way a field flows: both ways, Partner Center → Salesforce only, or Salesforce → Partner Center only. */
export type SyncDirection = (typeof syncDirections)[number];

export const conflictPolicies = ['partnerCenter', 'salesforce', 'newest'] as const;
/** Who wins when both sides changed a field to different values since the base. */
export type ConflictPolicy = (typeof conflictPolicies)[number];

const apiName = z
  .string()
  .regex(
    /^[A-Za-z][A-Za-z0-9_]*$/,
    'Use a Salesforce API name: letters, digits and underscores, e.g. Amount',
  );
const nonEmpty = z.string().trim().min(1, 'Give a non-empty value');

/** A scalar deal field mapped to an opportunity field (`salesforceField: null` = not stored in Salesforce). */
const scalarField = (salesforceField: string | null, direction: SyncDirection, conflict: ConflictPolicy) =>
  z
    .strictObject({
      salesforceField: apiName.nullable().default(salesforceField),
      direction: z.enum(syncDirections).default(direction),
      conflict: z.enum(conflictPolicies).default(conflict),
    })
    .prefault({});

/** A deal part that is not a single opportunity field (customer, child collections): direction and conflict only. */
const compoundField = (direction: SyncDirection, conflict: ConflictPolicy) =>
  z
    .strictObject({
      direction: z.enum(syncDirections).default(direction),
      conflict: z.enum(conflictPolicies).default(conflict),
    })
    .prefault({});

const defaultHelpLabels = {
  WorkloadSpecificValueProposition: 'Workload specific value proposition',
  CustomerTechnicalArchitecture: 'Customer technical architecture',
  ProofOfConceptOrDemo: 'Proof of concept or demo',
  QuotesOrLicensing: 'Quotes or licensing',
  PostSalesCustomerSuccess: 'Post sales customer success',
  GeneralOrOther: 'General or other',
} as const satisfies Record<(typeof assistanceRequestCodes)[number], string>;

const helpLabels = z
  .strictObject(
    Object.fromEntries(
      assistanceRequestCodes.map((code) => [code, nonEmpty.default(defaultHelpLabels[code])]),
    ) as {
      [K in keyof typeof defaultHelpLabels]: z.ZodDefault<typeof nonEmpty>;
    },
  )
  .prefault({});

interface StageTable {
  onHold: string;
  accept: string;
  wonStages: string[];
  lostStages: string[];
  declined: string;
  expired: string;
}

/** Cross-field rules of the status ⇄ stage table. */
function checkStages(stages: StageTable, context: z.RefinementCtx): void {
  const closed = new Set([...stages.wonStages, ...stages.lostStages]);
  for (const key of ['onHold', 'accept'] as const) {
    if (closed.has(stages[key])) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `"${stages[key]}" is a closed stage; choose an open stage for stages.${key}`,
      });
    }
  }
  if (stages.onHold === stages.accept) {
    context.addIssue({
      code: 'custom',
      path: ['accept'],
      message: 'stages.accept must differ from stages.onHold, otherwise accepting a referral cannot be seen',
    });
  }
  for (const key of ['declined', 'expired'] as const) {
    if (!stages.lostStages.includes(stages[key])) {
      context.addIssue({
        code: 'custom',
        path: [key],
        message: `Add "${stages[key]}" to stages.lostStages or choose one of: ${stages.lostStages.join(', ')}`,
      });
    }
  }
}

function checkDistinctLabels(labels: Record<string, string>, context: z.RefinementCtx): void {
  const values = Object.values(labels);
  if (new Set(values).size !== values.length) {
    context.addIssue({
      code: 'custom',
      message: 'Give each assistance request code its own picklist label; two codes share one label',
    });
  }
}

const jsonataExpression = z.string().superRefine((expression, context) => {
  try {
    jsonata(expression);
  } catch (error) {
    // jsonata throws plain objects ({ code, position, message }), not Error instances.
    const message = (error as { message?: unknown } | null)?.message;
    const detail = typeof message === 'string' ? message : String(error);
    context.addIssue({ code: 'custom', message: `Fix the JSONata expression: ${detail}` });
  }
});

export const mappingSchema = z.strictObject({
  version: z.literal(1).default(1),
  /** Per deal field: Salesforce opportunity field API name, direction and conflict policy. */
  fields: z
    .strictObject({
      name: scalarField('Name', 'both', 'newest'),
      dealValue: scalarField('Amount', 'both', 'newest'),
      currency: scalarField('CurrencyIsoCode', 'both', 'newest'),
      closingDate: scalarField('CloseDate', 'both', 'newest'),
      notes: scalarField('Description', 'both', 'newest'),
      /** Status + substatus, stored as the stage (see `stages`) and the status text field. */
      status: scalarField('StageName', 'both', 'partnerCenter'),
      statusReason: scalarField('Partner_Center_Status_Reason__c', 'both', 'partnerCenter'),
      type: scalarField(null, 'toSalesforce', 'partnerCenter'),
      direction: scalarField(null, 'toSalesforce', 'partnerCenter'),
      qualification: scalarField(null, 'toSalesforce', 'partnerCenter'),
      category: scalarField(null, 'toSalesforce', 'partnerCenter'),
      assistanceRequestCode: scalarField('How_can_Microsoft_help__c', 'both', 'salesforce'),
      shareWithMicrosoftSellers: scalarField('Share_with_Microsoft_Sellers__c', 'both', 'salesforce'),
      partnerRole: scalarField('Partner_Role__c', 'both', 'salesforce'),
      solutionArea: scalarField('Solution_Area__c', 'both', 'salesforce'),
      solutionPlay: scalarField('Solution_Play__c', 'both', 'salesforce'),
      customerMarketplaceIntent: scalarField('Customer_Marketplace_Intent__c', 'both', 'salesforce'),
      acceptByDate: scalarField('Partner_Center_Accept_By__c', 'toSalesforce', 'partnerCenter'),
      actByDate: scalarField('Partner_Center_Act_By__c', 'toSalesforce', 'partnerCenter'),
      referralId: scalarField('Partner_Center_Referral_Id__c', 'toSalesforce', 'partnerCenter'),
      referralLink: scalarField('Partner_Center_Referral_Link__c', 'toSalesforce', 'partnerCenter'),
      engagementId: scalarField(null, 'toSalesforce', 'partnerCenter'),
      externalReferenceId: scalarField('Id', 'toPartnerCenter', 'salesforce'),
      microsoftCrmId: scalarField('Microsoft_CRM_Id__c', 'toSalesforce', 'partnerCenter'),
      inviteNotes: scalarField(null, 'toSalesforce', 'partnerCenter'),
      microsoftStatus: scalarField(null, 'toSalesforce', 'partnerCenter'),
      customer: compoundField('both', 'newest'),
      customerContacts: compoundField('both', 'newest'),
      solutions: compoundField('both', 'newest'),
      partnerTeam: compoundField('both', 'newest'),
    })
    .prefault({}),
  /** Connector bookkeeping fields on Opportunity. */
  opportunity: z
    .strictObject({
      syncFlagField: apiName.default('Sync_with_Partner_Center__c'),
      syncStatusField: apiName.nullable().default('Partner_Center_Sync_Status__c'),
      auditField: apiName.nullable().default('Partner_Center_Audit__c'),
      /** Receives `Status/Substatus`, e.g. `Active/Accepted`; also read back as the current status. */
      statusTextField: apiName.nullable().default('Partner_Center_Status__c'),
    })
    .prefault({}),
  /** The status ⇄ stage table. The first stage of `wonStages` / `lostStages` is the one written. */
  stages: z
    .strictObject({
      /** New inbound referrals wait here (New/Pending); leaving it for an open stage accepts the referral. */
      onHold: nonEmpty.default('Prospecting'),
      /** Stage written when a referral becomes Active/Accepted from outside Salesforce. */
      accept: nonEmpty.default('Qualification'),
      wonStages: z
        .array(nonEmpty)
        .min(1, 'List at least one won stage, e.g. Closed Won')
        .default(['Closed Won']),
      lostStages: z
        .array(nonEmpty)
        .min(1, 'List at least one lost stage, e.g. Closed Lost')
        .default(['Closed Lost']),
      declined: nonEmpty.default('Closed Lost'),
      expired: nonEmpty.default('Closed Lost'),
      /** A non-empty value here when the opportunity is closed lost from the on-hold stage declines the referral. */
      declineReasonField: apiName.default('Partner_Center_Status_Reason__c'),
      /**
       * Stages for statuses outside the table above, by `Status/Substatus` text, e.g. Joint Planning's
       * `Active/Qualify: Needs Analysis`. Partner Center → Salesforce only; a status not listed keeps the stage.
       */
      statusStages: z
        .record(
          z
            .string()
            .regex(/^[^/\s][^/]*\/[^/]*[^/\s]$/, 'Use Status/Substatus as the key, e.g. Active/Qualify'),
          nonEmpty,
        )
        .default({}),
    })
    .superRefine(checkStages)
    .prefault({}),
  /** Salesforce picklist label per `assistanceRequestCode` ("How can Microsoft help?"); empty = no help. */
  valueMaps: z
    .strictObject({ assistanceRequestCode: helpLabels.superRefine(checkDistinctLabels) })
    .prefault({}),
  /** Co-sell referral shape rules this partner's Partner Center tenant applies. */
  coSell: z
    .strictObject({
      /** A Services partner: co-sell referrals need partnerRole, solutionArea and solutionPlay (FY26 taxonomy). */
      servicesPartner: z.boolean().default(false),
      /** Co-sell referrals need the customer's marketplace purchase intent (Yes / No / Have not decided). */
      requireMarketplaceIntent: z.boolean().default(false),
    })
    .prefault({}),
  /**
   * Partner roles, solution areas with their plays, and marketplace intents: Partner Center value and Salesforce
   * picklist label. Defaults to the list shipped in src/domain/taxonomy/fy26.json; give the whole list here to
   * follow a new taxonomy without a release (then run `cosell salesforce install` to update the picklists).
   */
  taxonomy: referralTaxonomySchema.default(defaultTaxonomy),
  /** Customer profile ⇄ Account. */
  account: z
    .strictObject({
      nameField: apiName.default('Name'),
      /** Holds addressLine1 and addressLine2 on two lines. */
      streetField: apiName.nullable().default('BillingStreet'),
      cityField: apiName.nullable().default('BillingCity'),
      stateField: apiName.nullable().default('BillingState'),
      postalCodeField: apiName.nullable().default('BillingPostalCode'),
      countryField: apiName.nullable().default('BillingCountry'),
      /** Write the country as its ISO-3166 alpha-2 code or as its English name (reading accepts both). */
      countryFormat: z.enum(['alpha2', 'name']).default('alpha2'),
      sizeField: apiName.nullable().default(null),
      dunsField: apiName.nullable().default(null),
    })
    .prefault({}),
  /** Customer contacts ⇄ Contact + OpportunityContactRole (matched by email). */
  contacts: z
    .strictObject({
      role: nonEmpty.default('Business User'),
      firstNameField: apiName.default('FirstName'),
      lastNameField: apiName.default('LastName'),
      emailField: apiName.default('Email'),
      phoneField: apiName.nullable().default('Phone'),
      titleField: apiName.nullable().default('Title'),
    })
    .prefault({}),
  /** Partner team ⇄ OpportunityTeamMember (users matched by email). Needs Team Selling in the org. */
  team: z
    .strictObject({
      enabled: z.boolean().default(true),
      role: nonEmpty.default('Sales Rep'),
      accessLevel: z.enum(['Read', 'Edit']).default('Edit'),
    })
    .prefault({}),
  /** Microsoft solutions ⇄ child records. */
  solutions: z
    .strictObject({
      object: apiName.default('Microsoft_Solution__c'),
      parentField: apiName.default('Opportunity__c'),
      idField: apiName.default('Solution_Id__c'),
      nameField: apiName.default('Solution_Name__c'),
      publisherField: apiName.nullable().default('Publisher__c'),
    })
    .prefault({}),
  /** Where deal notes live in Salesforce: the notes field (Description) or a ContentNote on the opportunity. */
  notes: z
    .strictObject({
      target: z.enum(['description', 'contentNote']).default('description'),
      noteTitle: nonEmpty.default('Partner Center notes'),
    })
    .prefault({}),
  /** Multi-currency orgs store the currency per opportunity; single-currency orgs use the org currency. */
  currency: z
    .strictObject({
      mode: z.enum(['multiCurrency', 'orgCurrency']).default('multiCurrency'),
      orgCurrency: z
        .string()
        .regex(/^[A-Z]{3}$/, 'Use a 3-letter ISO-4217 code, e.g. USD')
        .default('USD'),
    })
    .prefault({}),
  /** Microsoft leads (not co-sell): create Salesforce Leads, create opportunities, or skip them. */
  leads: z
    .strictObject({
      handling: z.enum(['lead', 'opportunity', 'skip']).default('opportunity'),
      leadSource: nonEmpty.nullable().default('Partner Referral'),
    })
    .prefault({}),
  /** Append ✔ / ✖ to the opportunity name after each sync. */
  nameStatusMark: z.boolean().default(false),
  /**
   * Optional JSONata expressions. `salesforce`: opportunity field API name → expression over
   * `{ deal, opportunity }`; `partnerCenter`: JSON Pointer into the referral → expression over `{ deal, referral }`.
   */
  transforms: z
    .strictObject({
      salesforce: z.record(apiName, jsonataExpression).default({}),
      partnerCenter: z
        .record(
          z.string().regex(/^(\/[^/]+)+$/, 'Use a JSON Pointer such as /details/notes'),
          jsonataExpression,
        )
        .default({}),
    })
    .prefault({}),
});

/** A complete mapping (defaults filled in). */
export type Mapping = z.output<typeof mappingSchema>;
/** A mapping file's content before defaults: every key optional. */
export type MappingInput = z.input<typeof mappingSchema>;
/** Deal fields that have a per-field entry in `mapping.fields`. */
export type MappedField = keyof Mapping['fields'];
/** Mapped fields stored in one opportunity field (everything but the customer and the child collections). */
export type ScalarMappedField = Exclude<
  MappedField,
  'customer' | 'customerContacts' | 'solutions' | 'partnerTeam'
>;

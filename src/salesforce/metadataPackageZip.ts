import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLBuilder, XMLParser } from 'fast-xml-parser';
import JSZip from 'jszip';
import { defaultTaxonomy, type ReferralTaxonomy } from '../domain/referralTaxonomy.ts';
import { SALESFORCE_API_VERSION } from './salesforceConnection.ts';
import { taxonomyPicklistValues } from './taxonomyPicklists.ts';

const METADATA_NAMESPACE = 'http://soap.sforce.com/2006/04/metadata';

/** salesforce-package/force-app/main/default in this checkout. */
export const DEFAULT_PACKAGE_SOURCE_DIR = fileURLToPath(
  new URL('../../salesforce-package/force-app/main/default/', import.meta.url),
);

export interface MetadataPackage {
  /** Metadata API zip with package.xml at its root (deploy with singlePackage: true). */
  zip: Buffer;
  /** package.xml members by type, e.g. CustomField → ['Opportunity.Sync_with_Partner_Center__c', …]. */
  members: Record<string, string[]>;
  /** Number of components listed in package.xml. */
  componentCount: number;
}

type XmlNode = Record<string, unknown> & { ':@'?: Record<string, string> };

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  parseTagValue: false,
  trimValues: true,
});
const builder = new XMLBuilder({
  preserveOrder: true,
  ignoreAttributes: false,
  format: true,
  indentBy: '    ',
  suppressEmptyNode: false,
});

/** The children of the root element of a metadata XML file, and the root's name. */
function rootChildren(xml: string, file: string): { root: string; children: XmlNode[] } {
  const nodes = parser.parse(xml) as XmlNode[];
  for (const node of nodes) {
    const name = Object.keys(node).find((key) => key !== ':@' && !key.startsWith('?'));
    if (name) return { root: name, children: node[name] as XmlNode[] };
  }
  throw new Error(`${file} has no root element; it is not a metadata file.`);
}

function document(root: string, children: XmlNode[]): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${String(builder.build([{ [root]: children, ':@': { '@_xmlns': METADATA_NAMESPACE } }])).trim()}`;
}

const tagOf = (node: XmlNode) => Object.keys(node).find((key) => key !== ':@') ?? '';

const textNode = (tag: string, text: string): XmlNode => ({ [tag]: [{ '#text': text }] });

/** The field's children with the values of its picklist replaced by `values` (other settings kept). */
function withPicklistValues(children: XmlNode[], values: readonly string[], file: string): XmlNode[] {
  const valueSet = children.find((node) => tagOf(node) === 'valueSet');
  const definition = (valueSet?.['valueSet'] as XmlNode[] | undefined)?.find(
    (node) => tagOf(node) === 'valueSetDefinition',
  );
  if (!definition) throw new Error(`${file} has no picklist values to fill from the co-sell taxonomy.`);
  const kept = (definition['valueSetDefinition'] as XmlNode[]).filter((node) => tagOf(node) !== 'value');
  definition['valueSetDefinition'] = [
    ...kept,
    ...values.map((value) => ({
      value: [textNode('fullName', value), textNode('default', 'false'), textNode('label', value)],
    })),
  ];
  return children;
}

async function listFiles(dir: string, suffix: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((name) => name.endsWith(suffix)).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}

function packageXml(members: Record<string, string[]>): string {
  const types: XmlNode[] = Object.keys(members)
    .sort()
    .filter((type) => (members[type] ?? []).length > 0)
    .map((type) => ({
      types: [
        ...(members[type] ?? []).map((member) => ({ members: [{ '#text': member }] })),
        { name: [{ '#text': type }] },
      ],
    }));
  return document('Package', [...types, { version: [{ '#text': SALESFORCE_API_VERSION }] }]);
}

/**
 * Converts the SFDX source of salesforce-package/ into a Metadata API zip: fields are folded into
 * objects/<Object>.object (standard objects list only their fields), `-meta.xml` suffixes are dropped,
 * and package.xml names every component. The picklists of the Services co-sell and marketplace-intent fields get
 * their values from `options.taxonomy` (default: the shipped FY26 list).
 */
export async function buildMetadataPackage(
  sourceDir: string = DEFAULT_PACKAGE_SOURCE_DIR,
  options: { taxonomy?: ReferralTaxonomy } = {},
): Promise<MetadataPackage> {
  const zip = new JSZip();
  const picklists = taxonomyPicklistValues(options.taxonomy ?? defaultTaxonomy);
  const members: Record<string, string[]> = {
    CustomObject: [],
    CustomField: [],
    Layout: [],
    PermissionSet: [],
  };

  const objectsDir = join(sourceDir, 'objects');
  const objectNames = (await readdir(objectsDir, { withFileTypes: true }).catch(() => []))
    .filter((entry) => entry.isDirectory())
    .map((entry) => entry.name)
    .sort();
  for (const objectName of objectNames) {
    const children: XmlNode[] = [];
    const objectFile = join(objectsDir, objectName, `${objectName}.object-meta.xml`);
    const objectXml = await readFile(objectFile, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (objectXml !== null) {
      children.push(...rootChildren(objectXml, objectFile).children);
      members.CustomObject?.push(objectName);
    }
    const fieldsDir = join(objectsDir, objectName, 'fields');
    for (const fieldFile of await listFiles(fieldsDir, '.field-meta.xml')) {
      const fieldName = fieldFile.replace(/\.field-meta\.xml$/, '');
      const { children: fieldChildren } = rootChildren(
        await readFile(join(fieldsDir, fieldFile), 'utf8'),
        fieldFile,
      );
      const taxonomyValues = picklists[`${objectName}.${fieldName}`];
      children.push({
        fields: taxonomyValues ? withPicklistValues(fieldChildren, taxonomyValues, fieldFile) : fieldChildren,
      });
      members.CustomField?.push(`${objectName}.${fieldName}`);
    }
    // Metadata API files list elements in schema order, which for CustomObject is alphabetical.
    const ordered = children
      .map((node, index) => ({ node, index }))
      .sort((a, b) => tagOf(a.node).localeCompare(tagOf(b.node)) || a.index - b.index)
      .map(({ node }) => node);
    zip.file(`objects/${objectName}.object`, document('CustomObject', ordered));
  }

  const simpleTypes = [
    { folder: 'layouts', suffix: '.layout-meta.xml', extension: 'layout', type: 'Layout' },
    {
      folder: 'permissionsets',
      suffix: '.permissionset-meta.xml',
      extension: 'permissionset',
      type: 'PermissionSet',
    },
  ];
  for (const { folder, suffix, extension, type } of simpleTypes) {
    for (const file of await listFiles(join(sourceDir, folder), suffix)) {
      const name = file.slice(0, -suffix.length);
      zip.file(`${folder}/${name}.${extension}`, await readFile(join(sourceDir, folder, file)));
      members[type]?.push(name);
    }
  }

  const componentCount = Object.values(members).reduce((sum, list) => sum + list.length, 0);
  if (componentCount === 0) {
    throw new Error(
      `No Salesforce metadata found in ${sourceDir}; point the installer at salesforce-package/force-app/main/default.`,
    );
  }
  zip.file('package.xml', packageXml(members));
  return {
    zip: await zip.generateAsync({ type: 'nodebuffer', compression: 'DEFLATE' }),
    members,
    componentCount,
  };
}

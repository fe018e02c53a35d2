/**
 * Metadata API deployments: reads an mdapi-format zip (package.xml + objects/, permissionsets/, layouts/),
 * then on completion applies its components in dependency order, honouring checkOnly and rollbackOnError.
 */
import JSZip from 'jszip';
import type { ComponentOutcome, DeployJob } from './deployJob.ts';
import { type ApplyOutcome, MetadataApplier } from './metadataApplier.ts';
import {
  asArray,
  customFieldFromXml,
  customObjectFromXml,
  parseXml,
  permissionSetFromXml,
  text,
  type XmlNode,
} from './metadataXml.ts';
import type { SalesforceOrg } from './salesforceOrg.ts';

export interface DeployOptions {
  checkOnly: boolean;
  rollbackOnError: boolean;
  singlePackage: boolean;
}

interface Component {
  componentType: string;
  fullName: string;
  fileName: string;
  apply: (applier: MetadataApplier) => ApplyOutcome;
}

const TYPE_ORDER = ['CustomObject', 'CustomField', 'PermissionSet', 'Layout'];

interface ZipContents {
  root: string;
  files: Map<string, string>;
}

async function readZip(base64: string, singlePackage: boolean): Promise<ZipContents | string> {
  let zip: JSZip;
  try {
    zip = await JSZip.loadAsync(Buffer.from(base64, 'base64'));
  } catch {
    return 'The ZipFile is not a valid zip archive.';
  }
  const files = new Map<string, string>();
  for (const entry of Object.values(zip.files)) {
    if (!entry.dir) files.set(entry.name, await entry.async('string'));
  }
  const manifests = [...files.keys()].filter(
    (name) => name === 'package.xml' || /^[^/]+\/package\.xml$/.test(name),
  );
  const manifest = singlePackage ? manifests.find((name) => name === 'package.xml') : manifests[0];
  if (!manifest) {
    return singlePackage
      ? 'No package.xml found at the root of the zip (singlePackage is true).'
      : 'No package.xml found: put it at the root or in one top-level folder such as unpackaged/package.xml.';
  }
  return { root: manifest.slice(0, -'package.xml'.length), files };
}

/** Turns the zip into the components package.xml names, or a failure message for the whole deployment. */
export async function componentsOf(base64: string, options: DeployOptions): Promise<Component[] | string> {
  const contents = await readZip(base64, options.singlePackage);
  if (typeof contents === 'string') return contents;
  const { root, files } = contents;
  const manifest = parseXml(files.get(`${root}package.xml`) ?? '')['Package'] as XmlNode | undefined;
  if (!manifest) return 'package.xml is not a valid Package manifest.';
  const members = new Map<string, string[]>();
  for (const entry of asArray(manifest['types'])) {
    const name = text(entry, 'name') ?? '';
    members.set(name, [...(members.get(name) ?? []), ...asArray((entry as XmlNode)['members']).map(String)]);
  }
  const filesIn = (folder: string, suffix: string) =>
    [...files.keys()]
      .filter((name) => name.startsWith(`${root}${folder}/`) && name.endsWith(suffix))
      .map((name) => name.slice(root.length + folder.length + 1, -suffix.length));
  const expand = (type: string, folder: string, suffix: string, wildcard: (name: string) => boolean) =>
    (members.get(type) ?? []).flatMap((member) =>
      member === '*' ? filesIn(folder, suffix).filter(wildcard) : [member],
    );
  const missing = (type: string, fullName: string, fileName: string): Component => ({
    componentType: type,
    fullName,
    fileName,
    apply: () => ({
      ok: false,
      problem: `An object '${fullName}' of type ${type} was named in package.xml, but was not found in zipped directory`,
    }),
  });
  const objectNode = (objectName: string): XmlNode | null => {
    const xml = files.get(`${root}objects/${objectName}.object`);
    return xml === undefined ? null : ((parseXml(xml)['CustomObject'] as XmlNode | undefined) ?? {});
  };
  const fieldComponent = (objectName: string, node: XmlNode): Component => {
    const meta = customFieldFromXml(objectName, node);
    return {
      componentType: 'CustomField',
      fullName: meta.fullName,
      fileName: `objects/${objectName}.object`,
      apply: (applier) => applier.customField(meta, 'upsert'),
    };
  };
  const components: Component[] = [];
  const customObjects = expand('CustomObject', 'objects', '.object', (name) => name.endsWith('__c'));
  for (const objectName of customObjects) {
    const fileName = `objects/${objectName}.object`;
    const node = objectNode(objectName);
    if (!node) {
      components.push(missing('CustomObject', objectName, fileName));
      continue;
    }
    if (objectName.endsWith('__c')) {
      components.push({
        componentType: 'CustomObject',
        fullName: objectName,
        fileName,
        apply: (applier) => applier.customObject(customObjectFromXml(objectName, node, ''), 'upsert'),
      });
    }
    for (const field of asArray(node['fields']))
      components.push(fieldComponent(objectName, field as XmlNode));
  }
  const customFieldMembers = (members.get('CustomField') ?? []).flatMap((member) =>
    member === '*'
      ? filesIn('objects', '.object').flatMap((objectName) =>
          asArray(objectNode(objectName)?.['fields']).map(
            (field) => `${objectName}.${text(field, 'fullName') ?? ''}`,
          ),
        )
      : [member],
  );
  for (const member of customFieldMembers) {
    const [objectName = '', fieldName = ''] = member.split('.');
    if (customObjects.includes(objectName)) continue;
    const field = asArray(objectNode(objectName)?.['fields']).find(
      (candidate) => text(candidate, 'fullName') === fieldName,
    );
    components.push(
      field
        ? fieldComponent(objectName, field as XmlNode)
        : missing('CustomField', member, `objects/${objectName}.object`),
    );
  }
  for (const name of expand('PermissionSet', 'permissionsets', '.permissionset', () => true)) {
    const fileName = `permissionsets/${name}.permissionset`;
    const xml = files.get(`${root}${fileName}`);
    if (xml === undefined) {
      components.push(missing('PermissionSet', name, fileName));
      continue;
    }
    const meta = permissionSetFromXml(name, (parseXml(xml)['PermissionSet'] as XmlNode | undefined) ?? {});
    components.push({
      componentType: 'PermissionSet',
      fullName: name,
      fileName,
      apply: (applier) => applier.permissionSet(meta, 'upsert'),
    });
  }
  for (const name of expand('Layout', 'layouts', '.layout', () => true)) {
    const fileName = `layouts/${name}.layout`;
    const xml = files.get(`${root}${fileName}`);
    components.push(
      xml === undefined
        ? missing('Layout', name, fileName)
        : {
            componentType: 'Layout',
            fullName: name,
            fileName,
            apply: (applier) => applier.layout(name, xml),
          },
    );
  }
  return components.sort(
    (left, right) => TYPE_ORDER.indexOf(left.componentType) - TYPE_ORDER.indexOf(right.componentType),
  );
}

/** Applies the components; restores the previous metadata when checking only or rolling back on error. */
export function runDeployment(org: SalesforceOrg, job: DeployJob, components: Component[]): void {
  const applier = new MetadataApplier(org);
  const snapshot = applier.snapshot();
  const outcomes: ComponentOutcome[] = components.map((component) => {
    const outcome = component.apply(applier);
    return {
      componentType: component.componentType,
      fullName: component.fullName,
      fileName: component.fileName,
      success: outcome.ok,
      created: outcome.ok && outcome.created,
      problem: outcome.ok ? null : outcome.problem,
    };
  });
  const failures = outcomes.filter((outcome) => !outcome.success).length;
  if (job.checkOnly || (failures > 0 && job.rollbackOnError)) applier.restore(snapshot);
  job.components = outcomes;
  job.status =
    failures === 0
      ? 'Succeeded'
      : job.rollbackOnError || failures === outcomes.length
        ? 'Failed'
        : 'SucceededPartial';
  job.completedDate = org.nowText();
  org.changed();
}

/**
 * A minimal Reflect metadata API (getMetadata / getOwnMetadata / defineMetadata / hasMetadata), enough for
 * tsyringe, which @peculiar/x509 loads and which refuses to start without it. Installed only when absent.
 * Import this module before `@peculiar/x509`.
 */
type MetadataKey = unknown;
type Target = object;

const store = new WeakMap<Target, Map<string | symbol | undefined, Map<MetadataKey, unknown>>>();

function ownMap(target: Target, property: string | symbol | undefined, create: boolean) {
  let byProperty = store.get(target);
  if (!byProperty) {
    if (!create) return undefined;
    byProperty = new Map();
    store.set(target, byProperty);
  }
  let entries = byProperty.get(property);
  if (!entries && create) {
    entries = new Map();
    byProperty.set(property, entries);
  }
  return entries;
}

function getOwnMetadata(key: MetadataKey, target: Target, property?: string | symbol): unknown {
  return ownMap(target, property, false)?.get(key);
}

function hasOwnMetadata(key: MetadataKey, target: Target, property?: string | symbol): boolean {
  return ownMap(target, property, false)?.has(key) ?? false;
}

function getMetadata(key: MetadataKey, target: Target, property?: string | symbol): unknown {
  for (
    let current: Target | null = target;
    current;
    current = Object.getPrototypeOf(current) as Target | null
  ) {
    if (hasOwnMetadata(key, current, property)) return getOwnMetadata(key, current, property);
  }
  return undefined;
}

function defineMetadata(key: MetadataKey, value: unknown, target: Target, property?: string | symbol): void {
  ownMap(target, property, true)?.set(key, value);
}

const reflect = Reflect as unknown as Record<string, unknown>;
if (typeof reflect['getMetadata'] !== 'function') {
  Object.assign(reflect, {
    getMetadata,
    getOwnMetadata,
    hasOwnMetadata,
    hasMetadata: (key: MetadataKey, target: Target, property?: string | symbol) =>
      getMetadata(key, target, property) !== undefined,
    defineMetadata,
    metadata: (key: MetadataKey, value: unknown) => (target: Target, property?: string | symbol) =>
      defineMetadata(key, value, target, property),
  });
}

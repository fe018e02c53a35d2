/**
 * Finds imports from production code (src/, emulators/, bin/) into test support: relative imports that land
 * under test/ or in a *.test.ts file, and imports of the test-only packages (devDependencies).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';

export const PRODUCTION_DIRS = ['src', 'emulators', 'bin'];
/** Packages that only tests may load. */
export const TEST_ONLY_PACKAGES = ['vitest', 'fast-check', 'playwright-core', '@vitest/'];

export interface BoundaryViolation {
  file: string;
  specifier: string;
  reason: string;
}

const isTestFile = (file: string) => /\.test\.[cm]?[jt]s$/.test(file);
const isSource = (file: string) => /\.[cm]?[jt]s$/.test(file);

function sourceFiles(root: string, dir: string): string[] {
  const absolute = join(root, dir);
  let entries: string[];
  try {
    entries = readdirSync(absolute);
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const path = join(absolute, name);
    if (name === 'node_modules') return [];
    if (statSync(path).isDirectory()) return sourceFiles(root, join(dir, name));
    return isSource(name) && !isTestFile(name) ? [join(dir, name)] : [];
  });
}

/** Every module specifier a file names: static and dynamic imports, re-exports, and new URL(…, import.meta.url). */
export function importSpecifiers(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s[^'"`;]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*['"]([^'"]+)['"]/g,
    /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g,
    /\bnew URL\(\s*['"]([^'"]+)['"]\s*,\s*import\.meta\.url/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1] ?? ''));
}

export function findBoundaryViolations(root: string): BoundaryViolation[] {
  const testDir = resolve(root, 'test') + sep;
  const violations: BoundaryViolation[] = [];
  for (const file of PRODUCTION_DIRS.flatMap((dir) => sourceFiles(root, dir))) {
    for (const specifier of importSpecifiers(readFileSync(join(root, file), 'utf8'))) {
      if (specifier.startsWith('.')) {
        const target = resolve(root, dirname(file), specifier);
        if (target.startsWith(testDir))
          violations.push({ file, specifier, reason: `imports test support (${relative(root, target)})` });
        else if (isTestFile(target)) violations.push({ file, specifier, reason: 'imports a test file' });
      } else if (
        TEST_ONLY_PACKAGES.some(
          (name) => specifier === name || specifier.startsWith(name.endsWith('/') ? name : `${name}/`),
        )
      )
        violations.push({ file, specifier, reason: 'imports a test-only package' });
    }
  }
  return violations;
}

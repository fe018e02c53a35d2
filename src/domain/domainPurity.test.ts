import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const domainDir = fileURLToPath(new URL('.', import.meta.url));

/** Source files of the domain (not tests: those may read files, like this one). */
function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

const importsOf = (text: string): string[] =>
  [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'/gms)].map((match) => match[1]!);

describe('the domain stays pure', () => {
  const files = sourceFiles(domainDir);

  it('finds the domain sources', () => {
    expect(files.length).toBeGreaterThan(20);
  });

  it.each(files.map((file) => [relative(domainDir, file), file]))(
    '%s imports only the domain, shared/result.ts and pure packages',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      for (const specifier of importsOf(text)) {
        if (specifier.startsWith('.')) {
          const target = relative(domainDir, join(file, '..', specifier));
          const allowed = !target.startsWith('..') || target === join('..', 'shared', 'result.ts');
          expect({ specifier, allowed }).toEqual({ specifier, allowed: true });
        } else {
          expect(['zod', 'yaml', 'jsonata', 'fast-check']).toContain(specifier);
        }
      }
    },
  );

  it.each(files.map((file) => [relative(domainDir, file), file]))(
    '%s reads no clock and no randomness',
    (_name, file) => {
      const text = readFileSync(file, 'utf8');
      expect(text).not.toMatch(/Date\.now\(|new Date\(|Math\.random\(|performance\.now\(|process\./);
    },
  );
});

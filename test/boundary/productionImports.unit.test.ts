import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { findBoundaryViolations, importSpecifiers } from '../support/productionImports.ts';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('production code never imports test support', () => {
  it('finds no import from src/, emulators/ or bin/ into test/, *.test.ts files or test-only packages', () => {
    expect(findBoundaryViolations(repoRoot)).toEqual([]);
  });

  describe('the check itself', () => {
    const root = mkdtempSync(join(tmpdir(), 'cosell-boundary-'));
    afterAll(() => rmSync(root, { recursive: true, force: true }));
    const write = (path: string, text: string) => {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    };

    it('reports each kind of forbidden import, and allows tests to import anything', () => {
      write('src/a.ts', "import { waitFor } from '../test/support/waitFor.ts';\n");
      write('src/b.ts', "export { x } from './b.test.ts';\n");
      write('emulators/c.ts', "import fc from 'fast-check';\nconst m = await import('vitest');\n");
      write('bin/d.js', "const child = new URL('../test/support/child.ts', import.meta.url);\n");
      write('src/ok.ts', "import { z } from 'zod';\nimport { y } from './y.ts';\n");
      write('src/ok.test.ts', "import { waitFor } from '../test/support/waitFor.ts';\n");
      const found = findBoundaryViolations(root).map((v) => `${v.file} ${v.specifier} ${v.reason}`);
      expect(found.sort()).toEqual(
        [
          'bin/d.js ../test/support/child.ts imports test support (test/support/child.ts)',
          'emulators/c.ts fast-check imports a test-only package',
          'emulators/c.ts vitest imports a test-only package',
          'src/a.ts ../test/support/waitFor.ts imports test support (test/support/waitFor.ts)',
          'src/b.ts ./b.test.ts imports a test file',
        ].sort(),
      );
    });

    it('reads multi-line imports and side-effect imports', () => {
      expect(importSpecifiers("import {\n  a,\n  b,\n} from './x.ts';\nimport './y.ts';\n")).toEqual([
        './x.ts',
        './y.ts',
      ]);
    });
  });
});

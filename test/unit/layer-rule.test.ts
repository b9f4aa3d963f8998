import assert from 'node:assert/strict';
import path from 'node:path';
import { describe, test } from 'node:test';
import { ESLint } from 'eslint';

/**
 * The layer rule in eslint.config.js, run by ESLint itself on imports a change could add: each
 * forbidden one must fail `npm run lint`, each allowed one must pass, static or import().
 */

const ROOT = path.resolve(import.meta.dirname, '../..');
const LAYER_RULES = new Set(['no-restricted-imports', 'no-restricted-syntax']);

let eslint: ESLint | undefined;
const linted = new Map<string, Promise<Map<string, string[]>>>();

/**
 * The layer rule's complaints about each of `specifiers` imported from `file` (a path in the
 * repo), by specifier. One text holds them all, an import a line, so ESLint lints each file
 * and kind of import once (each lintText costs as much as a dozen imports).
 */
function complaintsBySpecifier(
  file: string,
  how: 'static' | 'dynamic',
  specifiers: string[],
): Promise<Map<string, string[]>> {
  const key = `${file} ${how}`;
  let found = linted.get(key);
  if (found === undefined) {
    found = lintImports(file, how, specifiers);
    linted.set(key, found);
  }
  return found;
}

async function lintImports(file: string, how: 'static' | 'dynamic', specifiers: string[]) {
  eslint ??= new ESLint({ cwd: ROOT });
  const svelte = file.endsWith('.svelte');
  const lines =
    how === 'static'
      ? [
          ...specifiers.map((specifier, i) => `import * as imported${i} from '${specifier}';`),
          `const kept = [${specifiers.map((_, i) => `imported${i}`).join(', ')}];`,
        ]
      : [
          'const kept = [',
          ...specifiers.map((specifier) => `  () => import('${specifier}'),`),
          '];',
        ];
  // Line numbers are 1-based, and a Svelte component's script starts on its second line.
  const firstLine = (svelte ? 2 : 1) + (how === 'static' ? 0 : 1);
  const code = svelte
    ? `<script lang="ts">\n${lines.join('\n')}\nconsole.log(kept);\n</script>\n`
    : `${lines.join('\n')}\nexport { kept };\n`;
  const [result] = await eslint.lintText(code, { filePath: path.join(ROOT, file) });
  const bySpecifier = new Map<string, string[]>(specifiers.map((specifier) => [specifier, []]));
  for (const message of result!.messages) {
    const specifier = specifiers[message.line - firstLine];
    if (specifier === undefined || !LAYER_RULES.has(message.ruleId ?? '')) continue;
    bySpecifier.get(specifier)!.push(message.message);
  }
  return bySpecifier;
}

const CASES: { file: string; forbidden: string[]; allowed: string[] }[] = [
  {
    file: 'src-main/contract/trial.ts',
    forbidden: [
      '../engine/util/vectors.js',
      '../engine/backend.js',
      '../web/csp.js',
      'zod',
      'sharp',
    ],
    allowed: ['./api.js'],
  },
  {
    file: 'src-main/contract/schemas.ts',
    forbidden: ['../engine/backend.js', 'sharp'],
    allowed: ['zod', './api.js'],
  },
  {
    file: 'src-main/engine/library/trial.ts',
    forbidden: [
      '../engine.js',
      '../backend.js',
      '../../server/server.js',
      '../../cli/main.js',
      '../../shell/ipc.js',
      '../../web/csp.js',
      'electron',
    ],
    allowed: ['../catalog/catalog.js', '../../contract/api.js', 'sharp'],
  },
  {
    file: 'src-main/cli/commands/trial.ts',
    forbidden: [
      '../../engine/engine.js',
      '../../engine/catalog/catalog.js',
      '../../shell/main.js',
      'better-sqlite3',
      'onnxruntime-node',
      'electron',
    ],
    allowed: ['../../engine/backend.js', '../../server/server.js', '../../contract/api.js'],
  },
  {
    file: 'src-main/server/trial.ts',
    forbidden: ['../engine/vector-store.js', '../cli/main.js', '../shell/ipc.js', 'hnswlib-node'],
    allowed: ['../engine/backend.js', '../web/csp.js'],
  },
  {
    file: 'src-main/shell/trial.ts',
    forbidden: ['../engine/util/vectors.js', '../server/server.js', 'better-sqlite3', 'chokidar'],
    allowed: ['../engine/backend.js', 'electron', './channels.js'],
  },
  {
    file: 'src-renderer/lib/trial.ts',
    forbidden: [
      '../../src-main/engine/backend.js',
      '../../src-main/contract/schemas.js',
      '../../src-main/shell/channels.js',
      'zod',
      'node:fs',
      'fs',
      'path/posix',
      'electron',
      'sharp',
    ],
    allowed: ['../../src-main/contract/api.js', '../../src-main/contract/format.js', 'svelte'],
  },
  {
    file: 'src-renderer/components/Trial.svelte',
    forbidden: ['../../src-main/engine/engine.js', 'node:path'],
    allowed: ['../../src-main/contract/api.js', '../lib/format.js'],
  },
];

for (const { file, forbidden, allowed } of CASES) {
  describe(`the layer rule in ${file}`, () => {
    for (const how of ['static', 'dynamic'] as const) {
      const complaints = () => complaintsBySpecifier(file, how, [...forbidden, ...allowed]);
      test(`refuses ${how} imports of ${forbidden.join(', ')}`, async () => {
        const found = await complaints();
        for (const specifier of forbidden) {
          const messages = found.get(specifier)!;
          assert.equal(messages.length, 1, `${how} import of ${specifier}: ${messages.join('; ')}`);
        }
      });
      test(`lets through ${how} imports of ${allowed.join(', ')}`, async () => {
        const found = await complaints();
        for (const specifier of allowed) {
          assert.deepEqual(found.get(specifier), [], `${how} ${specifier}`);
        }
      });
    }
  });
}

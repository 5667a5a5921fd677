// `npm run bench [-- name…]`: runs each benchmark in its own process, one after another.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const wanted = process.argv.slice(2);
const all = readdirSync('bench').filter((f) => f.endsWith('.ts') && !['index.ts', 'lib.ts', 'target.ts'].includes(f)).map((f) => f.replace(/\.ts$/, ''));
const chosen = wanted.length > 0 ? all.filter((b) => wanted.includes(b)) : all;
let failed = 0;
for (const bench of chosen) {
  console.log(`\n=== bench/${bench}`);
  const result = spawnSync(process.execPath, ['bin/run-ts.js', `bench/${bench}.ts`], { stdio: 'inherit' });
  if (result.status !== 0) failed++;
}
process.exit(failed > 0 ? 1 : 0);

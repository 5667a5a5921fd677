// The default JSON destination buffers lines and writes them asynchronously. Whatever way the
// process ends, every line reaches stdout whole, in order, with its multi-byte text intact.
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT, runNode } from '../harness/process.js';

const FIXTURE = resolve(ROOT, 'test/fixtures/log-lines.ts');
const RUN_TS = resolve(ROOT, 'bin/run-ts.js');

describe('the default log destination', () => {
  for (const exit of ['natural', 'exit', 'flush'] as const) {
    it(`delivers every line, in order and intact, when the process ends (${exit})`, async () => {
      // Far more than one buffer's worth (4 KiB), so lines are still pending at the end; for the
      // flush, less than one, so the flush itself starts the write that the last line must follow.
      const lines = exit === 'flush' ? 12 : 5000;
      const result = await runNode([RUN_TS, FIXTURE], { LINES: String(lines), EXIT: exit });
      expect(result.code, result.stderr).toBe(0);
      const written = result.stdout.split('\n');
      expect(written.pop()).toBe('');
      if (exit === 'flush') expect(JSON.parse(written.pop() ?? '')).toMatchObject({ msg: 'fixture.last' });
      expect(written).toHaveLength(lines);
      written.forEach((line, i) => {
        const parsed = JSON.parse(line) as Record<string, unknown>;
        if (i % 2 === 0) expect(parsed).toMatchObject({ msg: 'fixture.line', n: i, text: `zürich ✓ 東京 😀 ${i}` });
        else expect(parsed).toMatchObject({ msg: 'http.request', request_id: `r-${i}`, route: '/ünïcode/😀' });
      });
    });
  }
});

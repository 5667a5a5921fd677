import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuestionFile, sameResult } from '../../src/modules/llm/evaluate.js';
import { rows } from './helpers/query.js';
import { type QueryFixture, queryFixture } from './helpers/target.js';

// The eval's gold answers must stay true: every gold statement runs through the query API as the
// admin, on this backend's demo dataset, and must give the stored expected result. A change to
// the demo data or to how results are encoded fails here, not silently in an eval run.
const file = parseQuestionFile(readFileSync(join(process.cwd(), 'eval', 'demo-questions.json'), 'utf8'));

let f: QueryFixture;
beforeAll(async () => {
  f = await queryFixture();
});
afterAll(() => f.close());

describe('eval/demo-questions.json', () => {
  it('asks about the demo dataset, at least 32 questions', () => {
    expect(file.dataset).toBe('demo');
    expect(file.questions.length).toBeGreaterThanOrEqual(32);
  });

  it.each(file.questions.map((q) => [q.id, q] as const))('%s: the gold SQL gives the expected result', async (_id, q) => {
    const result = await rows(f.t, f.admin, f.datasetId, q.sql);
    const detail = `${q.id} returned ${JSON.stringify(result.rows)}`;
    expect(result.columns.map((c) => c.name), detail).toEqual(q.expected.columns);
    // Role-independent answers: nothing the admin sees here is masked for anyone else.
    expect(result.columns.filter((c) => c.masking !== null).map((c) => c.name), detail).toEqual([]);
    expect(result.truncated, detail).toBe(false);
    expect(sameResult(q.expected, result, q.ordered), detail).toBe(true);
  });
});

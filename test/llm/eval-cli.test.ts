// `aureus eval` as an operator runs it: a real process, the configured (here: fake) model, the
// shipped demo question set, execution accuracy against the expected results.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseQuestionFile } from '../../src/modules/llm/evaluate.js';
import { type TestDb, createTestDb } from '../harness/db.js';
import { BACKEND } from '../harness/env.js';
import { type FakeOpenAI, answer, questionOf, startFakeOpenAI } from '../harness/fake-openai.js';
import { ROOT, runAureus } from '../harness/process.js';

const SLOW = { timeout: 420_000 };
const FILE = join(ROOT, 'eval/demo-questions.json');
const questions = parseQuestionFile(readFileSync(FILE, 'utf8')).questions;
// The fake model answers every question with its gold SQL, but two with a wrong one and one with
// SQL the guard refuses every time.
const [wrong1, wrong2, refused] = [questions[3], questions[7], questions[11]].map((q) => q?.question);

let fake: FakeOpenAI;
let testDb: TestDb | undefined;
let vars: Record<string, string>;
beforeAll(async () => {
  fake = await startFakeOpenAI((r) => {
    const q = questionOf(r);
    if (q === wrong1) return answer('SELECT count(*) FROM branches');
    if (q === wrong2) return answer('SELECT 1 AS one');
    if (q === refused) return answer('SELECT passwd FROM pg_shadow');
    return answer(questions.find((x) => x.question === q)?.sql ?? 'SELECT 1');
  });
  testDb = BACKEND === 'services' ? await createTestDb() : undefined;
  vars = {
    DATA_DIR: mkdtempSync(join(tmpdir(), 'aureus-cli-eval-')),
    ADMIN_PASSWORD: 'bootstrap-admin-password-1',
    LLM_MODEL: 'fake-sql-1',
    OPENAI_BASE_URL: fake.url,
    LLM_PRICES: JSON.stringify({ 'fake-sql-1': { input: 0.5, output: 1.5 } }),
    ...(testDb ? { DATABASE_URL: testDb.url as string } : {}),
  };
});
afterAll(async () => {
  await fake.close();
  await testDb?.close();
});

describe('aureus eval', () => {
  it('scores execution accuracy on the demo question set and fails below --min-accuracy', SLOW, async () => {
    expect(questions.length).toBeGreaterThanOrEqual(30);
    const run = await runAureus(['eval', '--dataset', 'demo', '--questions', FILE, '--json', '--min-accuracy', '95', '--concurrency', '2'], vars);
    expect(run.code, run.stderr).toBe(1);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ model: 'fake-sql-1', dataset: 'demo', correct: questions.length - 3, total: questions.length });
    const failed = report.questions.filter((q: { correct: boolean }) => !q.correct);
    expect(failed.map((q: { question: string; reason: string }) => [q.question, q.reason])).toEqual([
      [wrong1, 'different result'],
      [wrong2, 'different result'],
      [refused, 'SQL_VALIDATION_FAILED'],
    ]);
    expect(report.questions.every((q: { tokens: number }) => q.tokens > 0)).toBe(true);
    // The model was asked once per question, plus two repairs for the refused one.
    expect(fake.requests).toHaveLength(questions.length + 2);
  });

  it('prints a readable report, and refuses a malformed question file', SLOW, async () => {
    const small = join(vars.DATA_DIR as string, 'three.json');
    writeFileSync(small, JSON.stringify({ dataset: 'demo', questions: questions.slice(0, 3) }));
    const run = await runAureus(['eval', '--dataset', 'demo', '--questions', small], vars);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^ok {3}q01 /m);
    expect(run.stdout).toMatch(/model fake-sql-1 on dataset demo: execution accuracy 3\/3 \(100\.0 %\)/);
    expect(run.stdout).toMatch(/tokens \d+, cost \$0\.\d{4}, repairs 0/);

    writeFileSync(small, JSON.stringify({ dataset: 'demo', questions: [{ id: 'x', question: 'q' }] }));
    const bad = await runAureus(['eval', '--questions', small], vars);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/question x/);
  });
});

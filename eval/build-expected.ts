// Fills in the `expected` result of every question in an eval question file by running its gold
// SQL through the real query API (POST /v1/query/sql) as the bootstrap admin, on the embedded
// demo dataset of a throwaway app:
//
//   node bin/run-ts.js eval/build-expected.ts [eval/demo-questions.json]
//
// A new question needs only id, question, sql and ordered. Read the diff before committing: the
// expected rows are what the eval scores against, and test/query/eval-questions.test.ts keeps them
// honest on both backends.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApp } from '../src/app.js';
import { configFrom } from '../src/config/index.js';
import { DEMO_NAME } from '../src/modules/datasets/index.js';
import { parseQuestionFile } from '../src/modules/llm/evaluate.js';

/** Answers are aggregates: a question whose gold result is longer is a question to rewrite. */
const MAX_ROWS = 20;

interface Draft {
  id: string;
  question: string;
  sql: string;
  ordered: boolean;
}
interface Answer {
  status: string;
  error: { message: string } | null;
  columns: { name: string; masked: boolean }[] | null;
  rows: unknown[][] | null;
  truncated: boolean | null;
}

/** One question per block, one result row per line: a readable file and a readable diff. */
function format(dataset: string, questions: (Draft & { expected: { columns: string[]; rows: unknown[][] } })[]): string {
  const j = (v: unknown) => JSON.stringify(v);
  const blocks = questions.map((q) => {
    const rows = q.expected.rows.length === 0 ? '[]' : `[\n${q.expected.rows.map((r) => `          ${j(r)}`).join(',\n')}\n        ]`;
    return [
      '    {',
      `      "id": ${j(q.id)},`,
      `      "question": ${j(q.question)},`,
      `      "sql": ${j(q.sql)},`,
      `      "ordered": ${j(q.ordered)},`,
      `      "expected": {\n        "columns": ${j(q.expected.columns)},\n        "rows": ${rows}\n      }`,
      '    }',
    ].join('\n');
  });
  return `{\n  "dataset": ${j(dataset)},\n  "questions": [\n${blocks.join(',\n')}\n  ]\n}\n`;
}

const file = process.argv[2] ?? 'eval/demo-questions.json';
const draft = JSON.parse(readFileSync(file, 'utf8')) as { dataset: string; questions: Draft[] };
const dataDir = mkdtempSync(join(tmpdir(), 'aureus-eval-'));
const password = `eval-${Date.now()}-admin-password`;
const unlimited = '1000000';
const config = configFrom({
  ENVIRONMENT: 'development', DATA_DIR: dataDir, ADMIN_PASSWORD: password, LOG_LEVEL: 'error', DEMO_DATASET: 'true',
  RATE_LIMIT_PER_MINUTE: unlimited,
});
const aureus = await buildApp(config, { announce: () => undefined });
try {
  await aureus.startWorker();
  const inject = aureus.server.inject.bind(aureus.server);
  const login = (await inject({ method: 'POST', url: '/v1/auth/login', payload: { email: config.bootstrap.adminEmail, password } })).json();
  const auth = { authorization: `Bearer ${login.access_token}` };
  const datasets = (await inject({ method: 'GET', url: '/v1/datasets', headers: auth })).json() as { datasets: { id: string; name: string }[] };
  const datasetId = datasets.datasets.find((d) => d.name === DEMO_NAME)?.id;
  if (!datasetId) throw new Error('the demo dataset is not registered');

  const problems: string[] = [];
  const questions = [];
  for (const q of draft.questions) {
    const response = await inject({ method: 'POST', url: '/v1/query/sql', headers: { ...auth, prefer: 'wait=30' }, payload: { dataset_id: datasetId, sql: q.sql } });
    const answer = response.json() as Answer;
    if (answer.status !== 'success' || !answer.columns || !answer.rows) {
      problems.push(`${q.id}: ${answer.status ?? response.statusCode} ${answer.error?.message ?? response.body}`);
      continue;
    }
    if (answer.truncated) problems.push(`${q.id}: the result was truncated`);
    if (answer.rows.length > MAX_ROWS) problems.push(`${q.id}: ${answer.rows.length} rows (at most ${MAX_ROWS})`);
    if (answer.columns.some((c) => c.masked)) problems.push(`${q.id}: a column is masked, so the answer depends on the role`);
    const { id, question, sql, ordered } = q;
    questions.push({ id, question, sql, ordered, expected: { columns: answer.columns.map((c) => c.name), rows: answer.rows } });
  }
  if (problems.length > 0) throw new Error(`Not written:\n  - ${problems.join('\n  - ')}`);
  const text = format(draft.dataset, questions);
  parseQuestionFile(text);
  writeFileSync(file, text);
  console.log(`${file}: ${questions.length} questions`);
} finally {
  await aureus.close();
  rmSync(dataDir, { recursive: true, force: true });
}

// `aureus guard check`: validates SQL files (or stdin) against a policy file, for CI pipelines
// that review SQL before it ships. Reads only the files it is given; no config, no database.
// Exit codes: 0 all valid, 1 some statement refused, 2 usage, input or policy error.
import { readFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { createGuard, parsePolicy, type Guard, type Policy, type Verdict } from '../modules/guard/index.js';

interface CheckOptions {
  readonly policy: string;
  readonly jsonl?: boolean;
  readonly format?: 'json' | 'text';
}

interface Input {
  readonly label: string;
  readonly id?: unknown;
  readonly sql: string;
}

class UsageError extends Error {}

async function readSource(file: string): Promise<string> {
  if (file === '-') {
    if (process.stdin.isTTY) throw new UsageError('no input: pass FILE arguments or pipe SQL on stdin');
    const chunks: Buffer[] = [];
    for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }
  try {
    // Editors on Windows like to add a byte-order mark; PostgreSQL would read it as part of a name.
    return (await readFile(file, 'utf8')).replace(/^\uFEFF/, '');
  } catch (error) {
    throw new UsageError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`);
  }
}

async function loadPolicy(file: string): Promise<Policy> {
  const text = await readSource(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`invalid policy ${file}: not valid JSON`);
  }
  const result = parsePolicy(json);
  if (!result.ok) throw new UsageError(`invalid policy ${file}:\n${result.violations.map((v) => `  ${v.message}`).join('\n')}`);
  return result.value;
}

/** JSON lines in: `{"id", "sql"}` per line. Bad lines are reported and make the exit code 2. */
function jsonlInputs(source: string, text: string, errors: string[]): Input[] {
  const inputs: Input[] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch {
      row = undefined;
    }
    const r = row as { id?: unknown; sql?: unknown } | undefined;
    if (r === undefined || typeof r !== 'object' || r === null || typeof r.sql !== 'string' || !('id' in r)) {
      errors.push(`${source}:${i + 1}: expected a JSON object with "id" and "sql"`);
      return;
    }
    inputs.push({ label: `${source}:${i + 1}`, id: r.id, sql: r.sql });
  });
  return inputs;
}

function lineCol(sql: string, index: number): string {
  const before = sql.slice(0, index);
  const line = before.split('\n').length;
  return `${line}:${index - before.lastIndexOf('\n')}`;
}

function textReport(input: Input, v: Verdict): string {
  const name = input.id !== undefined ? `${input.label} (id ${JSON.stringify(input.id)})` : input.label;
  if (v.is_valid) return `OK    ${name}  risk=${v.risk_score}  tables=${v.tables_accessed.join(',') || '-'}`;
  const lines = v.violations.map((x) => `  ${x.code}${x.location !== undefined ? ` at ${lineCol(input.sql, x.location)}` : ''}: ${x.message}`);
  return [`FAIL  ${name}`, ...lines].join('\n');
}

async function check(files: string[], opts: CheckOptions): Promise<number> {
  const errors: string[] = [];
  const policy = await loadPolicy(opts.policy);
  const sources = files.length > 0 ? files : ['-'];
  const inputs: Input[] = [];
  for (const file of sources) {
    const text = await readSource(file);
    const label = file === '-' ? 'stdin' : file;
    if (opts.jsonl === true) inputs.push(...jsonlInputs(label, text, errors));
    else inputs.push({ label, sql: text });
  }
  const guard: Guard = await createGuard();
  const results = inputs.map((input) => ({ input, verdict: guard.validate(input.sql, policy) }));
  const format = opts.format ?? (opts.jsonl === true ? 'json' : 'text');
  const out: string[] = [];
  if (format === 'text') out.push(...results.map((r) => textReport(r.input, r.verdict)));
  else if (opts.jsonl === true) out.push(...results.map((r) => JSON.stringify({ id: r.input.id, ...r.verdict })));
  else out.push(JSON.stringify(results.map((r) => ({ source: r.input.label, ...r.verdict })), null, 2));
  if (out.length > 0) process.stdout.write(`${out.join('\n')}\n`);
  for (const e of errors) process.stderr.write(`aureus guard check: ${e}\n`);
  if (errors.length > 0) return 2;
  return results.every((r) => r.verdict.is_valid) ? 0 : 1;
}

function usageExit(command: Command): Command {
  // Commander exits 1 on usage errors; CI needs 2 to tell them from a refused statement.
  return command.exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2));
}

export function registerGuardCommand(program: Command): void {
  const guard = usageExit(program.command('guard').description('SQL guard tools'));
  const checkCmd = guard
    .command('check')
    .description('validate SQL statements against a policy (exit 0 valid, 1 refused, 2 usage or policy error)')
    .requiredOption('--policy <file>', 'policy JSON file')
    .option('--jsonl', 'input is JSON lines of {"id","sql"}; output one verdict per line')
    .addOption(new Option('--format <format>', 'output format (default: text, or json with --jsonl)').choices(['json', 'text']))
    .argument('[files...]', 'SQL files (one statement each); stdin when none or "-"')
    .action(async (files: string[], opts: CheckOptions) => {
      try {
        process.exitCode = await check(files, opts);
      } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        process.stderr.write(`aureus guard check: ${error.message}\n`);
        process.exitCode = 2;
      }
    });
  usageExit(checkCmd);
}

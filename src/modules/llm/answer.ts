import { z } from 'zod';

/** What the model must answer with: one statement and a short note on what it does. */
export const Answer = z
  .object({
    sql: z.string().max(20_000).describe('One PostgreSQL SELECT statement answering the question, without a trailing semicolon; empty when the tables cannot answer it'),
    explanation: z.string().max(1_000).describe('One or two sentences: what the query returns and any assumption made'),
  })
  .strict();
export type Answer = z.infer<typeof Answer>;

/** The same contract as JSON Schema, for endpoints that constrain output (`response_format`). */
export const ANSWER_JSON_SCHEMA = z.toJSONSchema(Answer, { target: 'draft-7' }) as Record<string, unknown>;

export type Parsed = { ok: true; answer: Answer } | { ok: false; problem: string };

/** At most `max` characters of a text the model wrote, marked when cut. */
export const clip = (text: string, max: number): string => (text.length > max ? `${text.slice(0, max)}…` : text);

/** A problem is stored, shown and sent back: it quotes the answer (its key names) only this far. */
const MAX_PROBLEM_CHARS = 500;

/**
 * The model's text as an answer. Models without constrained output wrap JSON in a code fence or a
 * sentence; the first JSON object in the text is taken. Anything else is a problem the model is
 * told about on its next (repair) turn.
 */
export function parseAnswer(content: string): Parsed {
  const text = content.trim();
  const start = text.indexOf('{');
  const end = text.lastIndexOf('}');
  if (start < 0 || end < start) return { ok: false, problem: 'The answer was not a JSON object with "sql" and "explanation".' };
  let value: unknown;
  try {
    value = JSON.parse(text.slice(start, end + 1));
  } catch {
    return { ok: false, problem: 'The answer was not valid JSON.' };
  }
  const parsed = Answer.safeParse(value);
  if (!parsed.success) {
    return { ok: false, problem: clip(`The JSON did not match the schema: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'answer'} ${i.message}`).join('; ')}.`, MAX_PROBLEM_CHARS) };
  }
  const sql = parsed.data.sql.trim().replace(/;\s*$/, '');
  return { ok: true, answer: { sql, explanation: parsed.data.explanation.trim() } };
}

import { Type } from '@sinclair/typebox';
import type { Example } from './examples.js';

export const AskBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 100_000, description: 'A question in plain language; limited to LLM_MAX_QUESTION_CHARS' }),
    dataset_id: Type.String({ format: 'uuid' }),
  },
  { additionalProperties: false },
);

export const DatasetParams = Type.Object({ dataset_id: Type.String({ format: 'uuid' }) });
export const ExampleParams = Type.Object({ dataset_id: Type.String({ format: 'uuid' }), example_id: Type.String({ format: 'uuid' }) });
export const PromoteParams = Type.Object({ query_id: Type.String({ format: 'uuid' }) });

export const ExampleBody = Type.Object(
  {
    question: Type.String({ minLength: 1, maxLength: 2000 }),
    sql: Type.String({ minLength: 1, maxLength: 20_000, description: 'Checked by the guard against the dataset\'s policy' }),
  },
  { additionalProperties: false },
);
export const PromoteBody = Type.Object(
  { question: Type.Optional(Type.String({ minLength: 1, maxLength: 2000, description: 'Required when the query was SQL rather than a question' })) },
  { additionalProperties: false },
);

export const ExampleView = Type.Object({
  example_id: Type.String({ format: 'uuid' }),
  dataset_id: Type.String({ format: 'uuid' }),
  question: Type.String(),
  sql: Type.String(),
  source: Type.Union([Type.Literal('admin'), Type.Literal('promoted')]),
  query_id: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
  created_by: Type.String({ format: 'uuid' }),
  created_at: Type.String(),
});
export const ExampleList = Type.Object({ examples: Type.Array(ExampleView) });

export const exampleView = (e: Example) => ({
  example_id: e.id,
  dataset_id: e.datasetId,
  question: e.question,
  sql: e.sql,
  source: e.source,
  query_id: e.queryId,
  created_by: e.createdBy,
  created_at: e.createdAt.toISOString(),
});

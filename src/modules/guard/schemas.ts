// Wire shape of a policy. Strict objects: a misspelt key (say "max_row") must fail loudly rather
// than silently drop a limit the author meant to set.
import { z } from 'zod';

const name = z.string().min(1).max(128);

export const tablePolicySchema = z.strictObject({
  columns: z.array(name).min(1),
  pii: z.record(name, z.string().min(1).max(64)).optional(),
});

export const policySchema = z.strictObject({
  version: z.string().min(1).max(200).optional(),
  default_schema: name.optional(),
  tables: z.record(z.string().min(1).max(260), tablePolicySchema),
  functions: z
    .strictObject({
      allow: z.array(name).optional(),
      deny: z.array(name).optional(),
    })
    .optional(),
  max_rows: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER).optional(),
  allow_explain: z.boolean().optional(),
});

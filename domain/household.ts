import { z } from 'zod';
import { idSchema, moneySchema } from './plan';

// A household on an applicant roster, as the API accepts it. Apart from ./roster so that the
// workflow bundle, which needs only the type, carries no zod.

const text = (max: number) => z.string().trim().min(1).max(max);

/** Name, ID number, address and illness are personal data: never in logs, search attributes or messages. */
export const householdSchema = z.strictObject({
  name: text(100),
  idNumber: z
    .string()
    .regex(/^\d{17}[\dXx]$/, 'an 18-character resident ID number (17 digits, then a digit or X)')
    .transform((id) => id.toUpperCase()),
  address: text(300).optional(),
  illness: text(300).optional(),
  category: idSchema,
  /** Proposed cash, whole yuan. */
  amount: moneySchema,
  goods: text(300).optional(),
  fundingSource: idSchema,
  reason: text(1_000),
});
export type Household = z.output<typeof householdSchema>;

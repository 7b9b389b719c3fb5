import { z } from "zod";

/**
 * The names users type or cards send, checked the same way in chat and on cards before anything reaches Azure.
 * Endpoint and deployment names follow ARM's path pattern for Azure ML (`^[a-zA-Z0-9][a-zA-Z0-9\-_]{0,254}$`,
 * reference §2), which is looser than the portal's rule, so every name Azure can hold is accepted.
 */
export const NAME_RULES = {
  endpoint: { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, says: "letters, digits, '-' and '_', at most 255" },
  deployment: { pattern: /^[A-Za-z0-9][A-Za-z0-9_-]{0,254}$/, says: "letters, digits, '-' and '_', at most 255" },
  model: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,254}$/, says: "letters, digits, '.', '-' and '_', at most 255" },
  sample: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, says: "letters, digits, '.', '_' and '-', at most 64" },
  version: { pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, says: "letters, digits, '.', '_' and '-', at most 64" },
} as const;

export type NameKind = keyof typeof NAME_RULES;

/** Whether `value` is a valid name of that kind. */
export const isValidName = (kind: NameKind, value: string): boolean => NAME_RULES[kind].pattern.test(value);

/** A zod schema for one kind of name (card data). */
export const nameSchema = (kind: NameKind) =>
  z.string().trim().regex(NAME_RULES[kind].pattern, `not a valid ${kind} name (${NAME_RULES[kind].says})`);

/** At most 40 characters of what the user typed, to quote it back without echoing a whole paste. */
export const shorten = (value: string, max = 40): string => (value.length <= max ? value : `${value.slice(0, max)}…`);

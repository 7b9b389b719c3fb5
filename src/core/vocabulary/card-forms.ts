import { z } from "zod";
import { BY_TRAFFIC } from "../views/views.js";
import type { Action, CardSelection, CommandOf } from "./command.js";
import { nameSchema, type NameKind } from "./names.js";

/** A card with decision buttons. */
export type ButtonCard = "rollout" | "deletion";

/** One Action.Execute verb: the schema of the data it sends, and the command a click runs. */
export interface CardVerbSpec<A extends Action, S extends z.ZodType = z.ZodType> {
  schema: S;
  /** The command the click runs; its data has passed `schema`. */
  command(data: z.output<S>): CommandOf<A>;
  /**
   * The button's words as someone might type them in chat (`approve`): they point to the card, as a decision button
   * binds the click to the rollout (or deletion), step and version its card showed, which a typed word cannot.
   */
  typed?: readonly string[];
}

export const cardVerb = <A extends Action, S extends z.ZodType>(
  schema: S,
  command: (data: z.output<S>) => CommandOf<A>,
  typed?: readonly string[],
): CardVerbSpec<A, S> => ({ schema, command, ...(typed ? { typed } : {}) });

// Choice inputs send "" when nothing is picked (cards posted before "By traffic" had a value of its own send it too).
const picked = (kind: NameKind) =>
  z
    .string()
    .max(300)
    .optional()
    .transform((v) => (v?.trim() && v.trim() !== BY_TRAFFIC ? v.trim() : undefined))
    .pipe(nameSchema(kind).optional());

export const id = (what: string) => z.string().regex(/^[0-9a-f-]{36}$/i, `not a ${what} id`);

/** A reason typed on a card: optional where it is asked for but not required ("" when the box was left empty). */
export const optionalReason = z
  .string()
  .max(300)
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/** A reason a decision needs (an override, an early end of a bake): kept in the audit log. */
export const requiredReason = z.string().trim().min(3, "say why, in a few words").max(300);

/** A rollout card's buttons: the rollout, the step and the version the card showed. */
export const rolloutButton = z.object({
  rollout: id("rollout"),
  step: z.number().int().min(0).max(20),
  version: z.number().int().min(1).max(1_000_000),
});

/** A deletion card's buttons: the request and the version the card showed. */
export const deletionButton = z.object({
  deletion: id("deletion"),
  version: z.number().int().min(1).max(1_000_000),
});

/** The details card's inputs, merged into every button's data. */
export const selection = { deployment: picked("deployment"), sample: picked("sample") };

export const selectionOf = (d: { deployment?: string | undefined; sample?: string | undefined }): CardSelection => ({
  ...(d.deployment ? { deployment: d.deployment } : {}),
  ...(d.sample ? { sample: d.sample } : {}),
});

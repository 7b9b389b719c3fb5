import { z } from "zod";
import type { UserError } from "../errors.js";
import { err, ok, type Result } from "../../ports/result.js";
import { BY_TRAFFIC } from "../views/views.js";
import { nameSchema, shorten, type NameKind } from "./names.js";
import { DEFAULT_LOG_TAIL, MAX_LOG_TAIL, type CardSelection, type Command } from "./command.js";

// Choice inputs send "" when nothing is picked (cards posted before "By traffic" had a value of its own send it too).
const picked = (kind: NameKind) =>
  z
    .string()
    .max(300)
    .optional()
    .transform((v) => (v?.trim() && v.trim() !== BY_TRAFFIC ? v.trim() : undefined))
    .pipe(nameSchema(kind).optional());

const id = (what: string) => z.string().regex(/^[0-9a-f-]{36}$/i, `not a ${what} id`);

/** A reason typed on a card: optional where it is asked for but not required ("" when the box was left empty). */
const optionalReason = z
  .string()
  .max(300)
  .optional()
  .transform((v) => (v?.trim() ? v.trim() : undefined));

/** A rollout card's buttons: the rollout, the step and the version the card showed. */
const rolloutTarget = z.object({
  rollout: id("rollout"),
  step: z.number().int().min(0).max(20),
  version: z.number().int().min(1).max(1_000_000),
});

/** A deletion card's buttons: the request and the version the card showed. */
const deletionTarget = z.object({
  deletion: id("deletion"),
  version: z.number().int().min(1).max(1_000_000),
});

/** The details card's inputs, merged into every button's data. */
const selection = { deployment: picked("deployment"), sample: picked("sample") };

const selectionOf = (d: { deployment?: string | undefined; sample?: string | undefined }): CardSelection => ({
  ...(d.deployment ? { deployment: d.deployment } : {}),
  ...(d.sample ? { sample: d.sample } : {}),
});

interface CardActionSpec<S extends z.ZodType> {
  schema: S;
  /** The command the click runs; its data has passed `schema`. */
  command(data: z.output<S>): Command;
}

const action = <S extends z.ZodType>(schema: S, command: (data: z.output<S>) => Command): CardActionSpec<S> => ({
  schema,
  command,
});

/**
 * Every Action.Execute verb GreenLight's cards send, with the schema of its data and the command it runs. A verb not
 * in this table is refused; nothing falls through to another command.
 */
export const CARD_ACTIONS = {
  endpoints: action(
    z.object({ filter: z.string().max(100).optional(), page: z.coerce.number().int().min(1).max(10_000) }),
    (d) => ({ name: "endpoints", page: d.page, ...(d.filter ? { filter: d.filter } : {}) }),
  ),
  show: action(z.object({ endpoint: nameSchema("endpoint"), ...selection }), (d) => ({
    name: "show",
    endpoint: d.endpoint,
    onCard: selectionOf(d),
  })),
  invoke: action(z.object({ endpoint: nameSchema("endpoint"), ...selection }), (d) => ({
    name: "invoke",
    endpoint: d.endpoint,
    ...(d.deployment ? { deployment: d.deployment } : {}),
    ...(d.sample ? { payload: { kind: "sample", name: d.sample } } : {}),
    onCard: selectionOf(d),
  })),
  logs: action(
    z.object({
      endpoint: nameSchema("endpoint"),
      ...selection,
      tail: z.coerce.number().int().min(1).optional(),
    }),
    (d) => ({
      name: "logs",
      endpoint: d.endpoint,
      ...(d.deployment ? { deployment: d.deployment } : {}),
      tail: Math.min(d.tail ?? DEFAULT_LOG_TAIL, MAX_LOG_TAIL),
      onCard: selectionOf(d),
    }),
  ),
  "rollout.approve": action(rolloutTarget, (d) => ({ name: "rollout.approve", target: d })),
  "rollout.reject": action(rolloutTarget.extend({ reason: optionalReason }), ({ reason, ...target }) => ({
    name: "rollout.reject",
    target,
    ...(reason ? { reason } : {}),
  })),
  "rollout.retire": action(rolloutTarget, (d) => ({ name: "rollout.retire", target: d, keep: false })),
  "rollout.keep": action(rolloutTarget, (d) => ({ name: "rollout.retire", target: d, keep: true })),
  "rollout.override": action(
    rolloutTarget.extend({ reason: z.string().trim().min(3, "say why, in a few words").max(300) }),
    ({ reason, ...target }) => ({ name: "rollout.override", target, reason }),
  ),
  "rollout.resume": action(rolloutTarget, (d) => ({ name: "rollout.resume", target: d })),
  "rollout.restore": action(rolloutTarget, (d) => ({ name: "rollout.restore", target: d })),
  "rollout.view": action(z.object({ rollout: id("rollout") }), (d) => ({ name: "rollout.view", rollout: d.rollout })),
  "deletion.view": action(z.object({ deletion: id("deletion") }), (d) => ({
    name: "deletion.view",
    deletion: d.deletion,
  })),
  "deletion.approve": action(
    deletionTarget.extend({ confirm: z.string().max(300).default("") }),
    ({ confirm, ...target }) => ({ name: "deletion.approve", target, typed: confirm }),
  ),
  "deletion.reject": action(deletionTarget, (target) => ({ name: "deletion.reject", target })),
} satisfies Record<string, CardActionSpec<z.ZodType>>;

export type CardVerb = keyof typeof CARD_ACTIONS;

const isCardVerb = (verb: unknown): verb is CardVerb => typeof verb === "string" && Object.hasOwn(CARD_ACTIONS, verb);

/**
 * Turns an Action.Execute verb and its data (the card's data merged with its inputs) into a command. Both come from
 * the client and may be forged: any type, any size. What the caller may do is decided later by the policy, as for chat.
 */
export function parseCardAction(verb: unknown, data: unknown): Result<Command, UserError> {
  if (!isCardVerb(verb)) {
    const shown = typeof verb === "string" ? `'${shorten(verb)}'` : `of type ${verb === null ? "null" : typeof verb}`;
    return err({ code: "invalid_card_action", detail: `unknown action ${shown}` });
  }
  const spec: CardActionSpec<z.ZodType> = CARD_ACTIONS[verb];
  const parsed = spec.schema.safeParse(data ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return err({
      code: "invalid_card_action",
      detail: `${issue?.path.join(".") || "data"}: ${issue?.message ?? "invalid"}`,
    });
  }
  return ok(spec.command(parsed.data));
}

/** A card with decision buttons. */
export type ButtonCard = "rollout" | "deletion";

/**
 * What each card verb is when its word is typed in chat. A decision button binds the click to the rollout (or deletion),
 * step and version its card showed, which a typed word cannot, so its words are not commands: they point to the card.
 */
const CARD_VERBS_TYPED = {
  endpoints: "command",
  show: "command",
  invoke: "command",
  logs: "command",
  "rollout.approve": { card: "rollout", words: ["approve"] },
  "rollout.reject": { card: "rollout", words: ["reject"] },
  "rollout.retire": { card: "rollout", words: ["retire"] },
  "rollout.keep": { card: "rollout", words: ["keep"] },
  "rollout.override": { card: "rollout", words: ["override"] },
  "rollout.resume": { card: "rollout", words: ["continue", "resume"] },
  // Typed, `rollback <endpoint>` does what this button does.
  "rollout.restore": { card: "rollout", words: ["restore"] },
  // "Show my options": asking for one's own view of a card is only ever a click.
  "rollout.view": { card: "rollout", words: [] },
  "deletion.view": { card: "deletion", words: [] },
  // The deletion card's buttons read "Delete <endpoint>" and "Keep it", once the endpoint's name is typed to confirm.
  "deletion.approve": { card: "deletion", words: ["approve", "confirm"] },
  "deletion.reject": { card: "deletion", words: ["reject", "keep"] },
} satisfies Record<CardVerb, "command" | { card: ButtonCard; words: readonly string[] }>;

/** Each decision button's word (and its verb as the card sends it, `rollout.approve`), with the cards that have it. */
export const CARD_BUTTON_WORDS: ReadonlyMap<string, { button: string; cards: ButtonCard[] }> = (() => {
  const found = new Map<string, { button: string; cards: ButtonCard[] }>();
  for (const [verb, typed] of Object.entries(CARD_VERBS_TYPED)) {
    if (typed === "command") continue;
    const [button = verb] = typed.words;
    for (const word of [...typed.words, verb]) {
      const entry = found.get(word) ?? { button: word.includes(".") ? button : word, cards: [] };
      if (!entry.cards.includes(typed.card)) entry.cards.push(typed.card);
      found.set(word, entry);
    }
  }
  return found;
})();

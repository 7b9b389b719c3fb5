import { z } from "zod";
import { ok } from "../../ports/result.js";
import type { Role } from "../access/roles.js";
import {
  cardVerb,
  deletionButton,
  id,
  optionalReason,
  requiredReason,
  rolloutButton,
  selection,
  selectionOf,
  type ButtonCard,
  type CardVerbSpec,
} from "../vocabulary/card-forms.js";
import {
  bare,
  invalidName,
  leftOver,
  maybeEndpoint,
  oneEndpoint,
  readDeploy,
  readInvoke,
  readLogs,
  readSampleAdd,
  readSamples,
  readSamplesRemove,
  refuse,
  type ChatForm,
} from "../vocabulary/chat-forms.js";
import {
  DEFAULT_LOG_TAIL,
  MAX_LOG_TAIL,
  type Action,
  type CommandOf,
  type RolloutButton,
} from "../vocabulary/command.js";
import { nameSchema } from "../vocabulary/names.js";
import type { CommandContext } from "./command-context.js";
import type { Reply } from "./reply.js";
import { addSample } from "./handlers/add-sample.js";
import { help } from "./handlers/help.js";
import { invokeEndpoint } from "./handlers/invoke-endpoint.js";
import { listEndpoints } from "./handlers/list-endpoints.js";
import { listModels } from "./handlers/list-models.js";
import { listSamples } from "./handlers/list-samples.js";
import { readLogs as readLogTail } from "./handlers/read-logs.js";
import { showAudit } from "./handlers/show-audit.js";
import { showEndpoint } from "./handlers/show-endpoint.js";
import { showPlan } from "./handlers/show-plan.js";
import { whoami } from "./handlers/whoami.js";
import { decide, decisions, deploy, rollback, status, viewRollout } from "./handlers/rollouts.js";
import { listSubscriptions, subscribe, unsubscribe } from "./handlers/subscriptions.js";
import { decideDeletion, requestDeletion, viewDeletion } from "./handlers/deletions.js";
import { removeSamples } from "./handlers/remove-samples.js";
import { continueRollout } from "./handlers/continue-rollout.js";

/** Anyone, even a user with no roles: they must be able to find out who they are and what they may do. */
export const EVERYONE = "everyone";

/** Who may run an action: any one of the roles, or EVERYONE. */
export type Roles = readonly Role[] | typeof EVERYONE;

const VIEWERS = ["viewer", "operator", "approver", "admin"] as const;
const OPERATORS = ["operator", "admin"] as const;
const APPROVERS = ["approver", "admin"] as const;
const ADMINS = ["admin"] as const;

/** The Teams scopes that have a command menu (manifest `bots[].commandLists`). */
export type MenuScope = "personal" | "team" | "groupChat";
export const MENU_SCOPES: readonly MenuScope[] = ["personal", "team", "groupChat"];

/** A command in the Teams command menus: Teams shows at most 10 a scope, so each scope gets what its users reach for. */
export interface MenuItem {
  scopes: readonly MenuScope[];
  /** At most 128 characters (Teams manifest 1.22 allows 128). */
  description: string;
  /** Where it stands in every menu that has it: lower first. Tens, so a new command goes between two untouched. */
  place: number;
}

/** A command as it is typed in chat, and as help and the Teams menu show it. */
export interface ChatSpec {
  /** The form, also quoted in every usage error. */
  usage: string;
  summary: string;
  /** Help's example; a unit test parses each one. */
  example: string;
  /** The first words that pick it (its own first); none when another command's word leads to it. */
  verbs: readonly string[];
  /** It takes a JSON payload: any other command refuses a code block. */
  payload?: true;
  read: ChatForm;
  menu?: MenuItem;
}

/** What runs an allowed command: the caller's context, and the command as parsed. */
export type Handler<A extends Action> = (ctx: CommandContext, command: CommandOf<A>) => Promise<Reply> | Reply;

interface Common<A extends Action> {
  roles: Roles;
  handle: Handler<A>;
  /** The Action.Execute verbs GreenLight's cards send for it. */
  cardVerbs?: Record<string, CardVerbSpec<A>>;
  /** The audit row's target, when it is not the command's endpoint. */
  target?(command: CommandOf<A>): string | undefined;
  /** Secret-free facts for the audit row: which deployment, which sample, never the payload. */
  detail?(command: CommandOf<A>): string | undefined;
}

/** Typed in chat (and maybe sent by a card's button too). */
interface ChatCommandSpec<A extends Action> extends Common<A> {
  chat: ChatSpec;
}

/** Only ever a click on a rollout's or a deletion's card. */
interface CardActionSpec<A extends Action> extends Common<A> {
  card: ButtonCard;
  /** What a refusal says the caller tried: "You need the approver role to approve a rollout step." */
  does: string;
  /**
   * Looking at a card, not deciding: Teams asks for each approver's view of a card by itself after every change, so
   * an allowed view writes no audit row (a denied or failed one does).
   */
  view?: true;
  cardVerbs: Record<string, CardVerbSpec<A>>;
}

export type CommandSpec<A extends Action> = ChatCommandSpec<A> | CardActionSpec<A>;

const endpointField = { endpoint: nameSchema("endpoint") };

/** A rollout card's decision, in the audit row: which rollout, step and version the card showed. */
const rolloutDetail = ({ target }: { target: RolloutButton }): string =>
  `rollout ${target.rollout.slice(0, 8)}, step ${target.step + 1}, version ${target.version}`;

/**
 * Every command and card action GreenLight knows, keyed by the action the policy and the audit name: how it is typed,
 * who may run it, what runs it, what a card sends for it and what its audit row says. Help, the chat verbs, "did you
 * mean", the policy, the dispatch and the Teams menus are read from here; chat commands in the order help lists them.
 */
export const COMMAND_TABLE = {
  help: {
    roles: EVERYONE,
    handle: (ctx) => help(ctx, COMMANDS),
    chat: {
      usage: "help",
      summary: "The commands you can use",
      example: "help",
      // An empty message (only a mention) asks for help.
      verbs: ["help", "?", ""],
      read: bare({ name: "help" }),
      menu: { scopes: MENU_SCOPES, place: 10, description: "The commands you can use" },
    },
  },
  endpoints: {
    roles: VIEWERS,
    handle: (ctx, c) => listEndpoints(ctx, c.filter, c.page),
    chat: {
      usage: "endpoints [filter]",
      summary: "Endpoints with their traffic and models",
      example: "endpoints diabetes",
      verbs: ["endpoints", "list"],
      // A filter is free text matched against endpoint names.
      read: ({ args }) => ok({ name: "endpoints", page: 1, ...(args.length ? { filter: args.join(" ") } : {}) }),
      // A channel's menu has rollouts' commands instead; `endpoints` is in the other two.
      menu: {
        scopes: ["personal", "groupChat"],
        place: 110,
        description: "Endpoints with their traffic and models: endpoints [filter]",
      },
    },
    cardVerbs: {
      endpoints: cardVerb(
        z.object({ filter: z.string().max(100).optional(), page: z.coerce.number().int().min(1).max(10_000) }),
        (d) => ({ name: "endpoints", page: d.page, ...(d.filter ? { filter: d.filter } : {}) }),
      ),
    },
    detail: (c) => (c.filter ? `filter ${c.filter}` : undefined),
  },
  show: {
    roles: VIEWERS,
    handle: (ctx, c) => showEndpoint(ctx, c.endpoint, c.onCard ? { selection: c.onCard } : {}),
    chat: {
      usage: "show <endpoint>",
      summary: "One endpoint in detail",
      example: "show diabetes-prod",
      verbs: ["show"],
      read: oneEndpoint("Say which endpoint to show.", (endpoint) => ({ name: "show", endpoint })),
      menu: { scopes: ["personal", "groupChat"], place: 120, description: "One endpoint in detail: show <endpoint>" },
    },
    cardVerbs: {
      show: cardVerb(z.object({ ...endpointField, ...selection }), (d) => ({
        name: "show",
        endpoint: d.endpoint,
        onCard: selectionOf(d),
      })),
    },
  },
  models: {
    roles: VIEWERS,
    handle: (ctx, c) => listModels(ctx, c.model),
    chat: {
      usage: "models [name]",
      summary: "Registered models and their versions",
      example: "models diabetes",
      verbs: ["models"],
      read: ({ args: [model, ...extra] }) =>
        leftOver(extra, "the model's name") ??
        invalidName(["model", model]) ??
        ok({ name: "models", ...(model ? { model } : {}) }),
      menu: { scopes: ["groupChat"], place: 160, description: "Registered models and versions: models [name]" },
    },
    target: (c) => c.model,
  },
  samples: {
    roles: VIEWERS,
    handle: (ctx, c) => listSamples(ctx, c.endpoint),
    chat: {
      usage: "samples <endpoint>",
      summary: "Sample payloads stored for an endpoint",
      example: "samples diabetes-prod",
      verbs: ["samples"],
      read: readSamples,
      menu: { scopes: ["groupChat"], place: 170, description: "Stored sample payloads: samples <endpoint>" },
    },
  },
  "sample.add": {
    roles: OPERATORS,
    handle: (ctx, c) => addSample(ctx, c.endpoint, c.sample, c.payload),
    chat: {
      usage: "sample add <endpoint> <name> + a JSON code block or .json file",
      summary: "Store a sample payload",
      example: 'sample add diabetes-prod older-patient ```{"input_data": …}```',
      verbs: ["sample"],
      payload: true,
      read: readSampleAdd,
      menu: { scopes: ["personal"], place: 150, description: "Store a sample: sample add <endpoint> <name> + JSON" },
    },
    detail: (c) => `sample ${c.sample}`,
  },
  invoke: {
    roles: OPERATORS,
    handle: (ctx, c) => invokeEndpoint(ctx, c.endpoint, c.deployment, c.payload),
    chat: {
      usage: "invoke <endpoint> [deployment] [sample <name> | JSON code block | .json file]",
      summary: "Score a request and show the answer",
      example: "invoke diabetes-prod blue sample typical-patient",
      verbs: ["invoke", "score"],
      payload: true,
      read: readInvoke,
      menu: {
        scopes: ["personal"],
        place: 130,
        description: "Score a request: invoke <endpoint> [deployment] [sample <name>]",
      },
    },
    cardVerbs: {
      invoke: cardVerb(z.object({ ...endpointField, ...selection }), (d) => ({
        name: "invoke",
        endpoint: d.endpoint,
        ...(d.deployment ? { deployment: d.deployment } : {}),
        ...(d.sample ? { payload: { kind: "sample", name: d.sample } } : {}),
        onCard: selectionOf(d),
      })),
    },
    detail: (c) =>
      [
        c.deployment ? `deployment ${c.deployment}` : undefined,
        c.payload?.kind === "sample" ? `sample ${c.payload.name}` : c.payload?.kind,
      ]
        .filter(Boolean)
        .join(", ") || undefined,
  },
  logs: {
    roles: OPERATORS,
    handle: (ctx, c) => readLogTail(ctx, c.endpoint, c.deployment, c.tail),
    chat: {
      usage: "logs <endpoint> <deployment> [tail N]",
      summary: "A deployment's log tail",
      example: "logs diabetes-prod blue tail 50",
      verbs: ["logs"],
      read: readLogs,
      menu: {
        scopes: ["personal"],
        place: 140,
        description: "A deployment's log tail: logs <endpoint> <deployment> [tail N]",
      },
    },
    cardVerbs: {
      logs: cardVerb(
        z.object({ ...endpointField, ...selection, tail: z.coerce.number().int().min(1).optional() }),
        (d) => ({
          name: "logs",
          endpoint: d.endpoint,
          ...(d.deployment ? { deployment: d.deployment } : {}),
          tail: Math.min(d.tail ?? DEFAULT_LOG_TAIL, MAX_LOG_TAIL),
          onCard: selectionOf(d),
        }),
      ),
    },
    detail: (c) =>
      [c.deployment ? `deployment ${c.deployment}` : undefined, `tail ${c.tail}`].filter(Boolean).join(", "),
  },
  deploy: {
    roles: OPERATORS,
    handle: (ctx, c) => deploy(ctx, c.endpoint, c.model, c.version),
    chat: {
      usage: "deploy <model>:<version> to <endpoint>",
      summary: "Start a rollout: the version beside the live one, then approved traffic steps",
      example: "deploy diabetes:2 to diabetes-prod",
      verbs: ["deploy"],
      read: readDeploy,
      menu: {
        scopes: MENU_SCOPES,
        place: 20,
        description: "Start a rollout: deploy <model>:<version> to <endpoint>",
      },
    },
    detail: (c) => `${c.model}:${c.version}`,
  },
  plan: {
    roles: VIEWERS,
    handle: (ctx, c) => showPlan(ctx, c.endpoint),
    chat: {
      usage: "plan <endpoint>",
      summary: "What a rollout on an endpoint would do: its steps, from its tags or the defaults",
      example: "plan diabetes-prod",
      verbs: ["plan"],
      read: oneEndpoint("Say which endpoint's plan to show.", (endpoint) => ({ name: "plan", endpoint })),
      menu: { scopes: ["personal"], place: 200, description: "What a rollout would do: plan <endpoint>" },
    },
  },
  status: {
    roles: VIEWERS,
    handle: (ctx, c) => status(ctx, c.endpoint),
    chat: {
      usage: "status [endpoint]",
      summary: "Rollouts under way (and an endpoint's last one)",
      example: "status diabetes-prod",
      verbs: ["status"],
      read: maybeEndpoint((endpoint) => ({ name: "status", ...(endpoint ? { endpoint } : {}) })),
      menu: { scopes: MENU_SCOPES, place: 30, description: "Rollouts under way: status [endpoint]" },
    },
  },
  rollback: {
    roles: OPERATORS,
    handle: (ctx, c) => rollback(ctx, c.endpoint),
    chat: {
      usage: "rollback <endpoint>",
      summary: "Put back the traffic the rollout started from, now",
      example: "rollback diabetes-prod",
      verbs: ["rollback"],
      read: oneEndpoint("Say which endpoint to roll back.", (endpoint) => ({ name: "rollback", endpoint })),
      menu: { scopes: MENU_SCOPES, place: 40, description: "Put the starting traffic back now: rollback <endpoint>" },
    },
  },
  continue: {
    // Whoever has a button on a paused rollout's card: Continue (approvers) or Restore (operators).
    roles: ["operator", "approver", "admin"],
    handle: (ctx, c) => continueRollout(ctx, c.endpoint),
    chat: {
      usage: "continue <endpoint>",
      summary: "A paused rollout's card with your options: continue from the traffic Azure has, or restore",
      example: "continue diabetes-prod",
      verbs: ["continue", "resume"],
      read: oneEndpoint("Say which endpoint's paused rollout to continue.", (endpoint) => ({
        name: "continue",
        endpoint,
      })),
      menu: {
        scopes: ["team"],
        place: 50,
        description: "A paused rollout's options: continue from Azure's traffic, or restore: continue <endpoint>",
      },
    },
  },
  subscribe: {
    roles: ADMINS,
    handle: (ctx, c) => subscribe(ctx, c.endpoint, usageOf("subscribe")),
    chat: {
      usage: "subscribe [endpoint]",
      summary: "In a channel: approvals and rollout news for one endpoint (or all) go here",
      example: "subscribe diabetes-prod",
      verbs: ["subscribe"],
      read: maybeEndpoint((endpoint) => ({ name: "subscribe", ...(endpoint ? { endpoint } : {}) })),
      menu: {
        scopes: ["team"],
        place: 60,
        description: "In a channel: approvals and rollout news go here: subscribe [endpoint]",
      },
    },
  },
  unsubscribe: {
    roles: ADMINS,
    handle: (ctx, c) => unsubscribe(ctx, c.endpoint, usageOf("unsubscribe")),
    chat: {
      usage: "unsubscribe [endpoint]",
      summary: "In a channel: stop what subscribe started",
      example: "unsubscribe diabetes-prod",
      verbs: ["unsubscribe"],
      read: maybeEndpoint((endpoint) => ({ name: "unsubscribe", ...(endpoint ? { endpoint } : {}) })),
      menu: { scopes: ["team"], place: 70, description: "In a channel: stop them: unsubscribe [endpoint]" },
    },
  },
  subscriptions: {
    roles: ADMINS,
    handle: (ctx) => listSubscriptions(ctx, usageOf("subscriptions")),
    chat: {
      usage: "subscriptions",
      summary: "In a channel: what it is subscribed to",
      example: "subscriptions",
      verbs: ["subscriptions"],
      read: bare({ name: "subscriptions" }),
      menu: { scopes: ["team"], place: 80, description: "In a channel: what it is subscribed to" },
    },
  },
  delete: {
    roles: ADMINS,
    handle: (ctx, c) => requestDeletion(ctx, c.endpoint),
    chat: {
      usage: "delete <endpoint>",
      summary: "Ask to delete an endpoint; an approver confirms on its card by typing the name",
      example: "delete fraud-scoring-old",
      verbs: ["delete"],
      read: ({ args: [endpoint, ...extra] }) => {
        if (!endpoint || extra.length > 0) return refuse("Say which endpoint to delete (one).");
        return invalidName(["endpoint", endpoint]) ?? ok({ name: "delete", endpoint });
      },
      menu: {
        scopes: ["team"],
        place: 90,
        description: "Ask to delete an endpoint; an approver confirms: delete <endpoint>",
      },
    },
  },
  "samples.remove": {
    roles: ADMINS,
    handle: (ctx, c) => removeSamples(ctx, c.endpoint, c.sample),
    chat: {
      usage: "samples remove <endpoint> [name]",
      summary: "Remove an endpoint's stored samples (all, or one)",
      example: "samples remove fraud-scoring-old",
      // `samples` reads it.
      verbs: [],
      read: readSamplesRemove,
      menu: {
        scopes: ["groupChat"],
        place: 180,
        description: "Remove stored samples: samples remove <endpoint> [name]",
      },
    },
  },
  whoami: {
    roles: EVERYONE,
    handle: (ctx) => whoami(ctx),
    chat: {
      usage: "whoami",
      summary: "Your identity and roles",
      example: "whoami",
      verbs: ["whoami"],
      read: bare({ name: "whoami" }),
      // Teams allows 10 commands a menu: the personal menu offers plan instead.
      menu: { scopes: ["groupChat"], place: 190, description: "Your identity and roles" },
    },
  },
  audit: {
    roles: VIEWERS,
    handle: (ctx, c) => showAudit(ctx, c.endpoint),
    chat: {
      usage: "audit [endpoint]",
      summary: "The latest audit entries",
      example: "audit diabetes-prod",
      verbs: ["audit"],
      read: maybeEndpoint((endpoint) => ({ name: "audit", ...(endpoint ? { endpoint } : {}) })),
      menu: { scopes: ["team"], place: 100, description: "The latest audit entries: audit [endpoint]" },
    },
  },
  "rollout.approve": {
    roles: APPROVERS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.approve(c.target)),
    card: "rollout",
    does: "approve a rollout step",
    cardVerbs: {
      "rollout.approve": cardVerb(rolloutButton, (d) => ({ name: "rollout.approve", target: d }), ["approve"]),
    },
    detail: rolloutDetail,
  },
  "rollout.reject": {
    roles: APPROVERS,
    handle: (ctx, c) =>
      decide(ctx, c.target, decisions.reject(c.target, c.reason), { ...(c.reason ? { reason: c.reason } : {}) }),
    card: "rollout",
    does: "reject a rollout step",
    cardVerbs: {
      "rollout.reject": cardVerb(
        rolloutButton.extend({ reason: optionalReason }),
        ({ reason, ...target }) => ({ name: "rollout.reject", target, ...(reason ? { reason } : {}) }),
        ["reject"],
      ),
    },
    detail: rolloutDetail,
  },
  "rollout.retire": {
    roles: APPROVERS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.retire(c.target, c.keep)),
    card: "rollout",
    does: "retire or keep the old deployment",
    cardVerbs: {
      "rollout.retire": cardVerb(rolloutButton, (d) => ({ name: "rollout.retire", target: d, keep: false }), [
        "retire",
      ]),
      "rollout.keep": cardVerb(rolloutButton, (d) => ({ name: "rollout.retire", target: d, keep: true }), ["keep"]),
    },
    detail: rolloutDetail,
  },
  "rollout.override": {
    roles: ADMINS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.override(c.target, c.reason), { reason: c.reason }),
    card: "rollout",
    does: "override a failed smoke test",
    cardVerbs: {
      "rollout.override": cardVerb(
        rolloutButton.extend({ reason: requiredReason }),
        ({ reason, ...target }) => ({ name: "rollout.override", target, reason }),
        ["override"],
      ),
    },
    detail: rolloutDetail,
  },
  "rollout.end_bake": {
    roles: ADMINS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.endBake(c.target, c.reason), { reason: c.reason }),
    card: "rollout",
    does: "end a step's bake early",
    cardVerbs: {
      "rollout.end_bake": cardVerb(
        rolloutButton.extend({ reason: requiredReason }),
        ({ reason, ...target }) => ({ name: "rollout.end_bake", target, reason }),
        ["end bake"],
      ),
    },
    detail: rolloutDetail,
  },
  "rollout.resume": {
    roles: APPROVERS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.resume(c.target)),
    card: "rollout",
    does: "continue a paused rollout from the traffic Azure has",
    cardVerbs: {
      "rollout.resume": cardVerb(rolloutButton, (d) => ({ name: "rollout.resume", target: d }), ["continue", "resume"]),
    },
    detail: rolloutDetail,
  },
  "rollout.restore": {
    roles: OPERATORS,
    handle: (ctx, c) => decide(ctx, c.target, decisions.restore(c.target)),
    card: "rollout",
    does: "put back a rollout's starting traffic",
    // Typed, `rollback <endpoint>` does what this button does.
    cardVerbs: {
      "rollout.restore": cardVerb(rolloutButton, (d) => ({ name: "rollout.restore", target: d }), ["restore"]),
    },
    detail: rolloutDetail,
  },
  // "Show my options": asking for one's own view of a card is only ever a click.
  "rollout.view": {
    roles: VIEWERS,
    handle: (ctx, c) => viewRollout(ctx, c.rollout),
    card: "rollout",
    does: "see a rollout's card",
    view: true,
    cardVerbs: {
      "rollout.view": cardVerb(z.object({ rollout: id("rollout") }), (d) => ({
        name: "rollout.view",
        rollout: d.rollout,
      })),
    },
  },
  "deletion.view": {
    roles: VIEWERS,
    handle: (ctx, c) => viewDeletion(ctx, c.deletion),
    card: "deletion",
    does: "see a deletion request's card",
    view: true,
    cardVerbs: {
      "deletion.view": cardVerb(z.object({ deletion: id("deletion") }), (d) => ({
        name: "deletion.view",
        deletion: d.deletion,
      })),
    },
  },
  // The deletion card's buttons read "Delete <endpoint>" and "Keep it", once the endpoint's name is typed to confirm.
  "deletion.approve": {
    roles: APPROVERS,
    handle: (ctx, c) => decideDeletion(ctx, c.target, c.typed),
    card: "deletion",
    does: "confirm an endpoint's deletion",
    cardVerbs: {
      "deletion.approve": cardVerb(
        deletionButton.extend({ confirm: z.string().max(300).default("") }),
        ({ confirm, ...target }) => ({ name: "deletion.approve", target, typed: confirm }),
        ["approve", "confirm"],
      ),
    },
  },
  "deletion.reject": {
    roles: APPROVERS,
    handle: (ctx, c) => decideDeletion(ctx, c.target, undefined),
    card: "deletion",
    does: "keep an endpoint someone asked to delete",
    cardVerbs: {
      "deletion.reject": cardVerb(deletionButton, (target) => ({ name: "deletion.reject", target }), [
        "reject",
        "keep",
      ]),
    },
  },
} satisfies { [A in Action]: CommandSpec<A> };

/** One action's entry, typed for the command it runs. */
export const specOf = <A extends Action>(action: A): CommandSpec<A> => COMMAND_TABLE[action] as CommandSpec<A>;

const chatOf = (spec: CommandSpec<Action>): ChatSpec | undefined => ("chat" in spec ? spec.chat : undefined);

const entries = Object.entries(COMMAND_TABLE) as [Action, CommandSpec<Action>][];

/** Every chat command, in help's order. */
export const COMMANDS: readonly ({ action: Action } & ChatSpec)[] = entries.flatMap(([action, spec]) => {
  const chat = chatOf(spec);
  return chat ? [{ action, ...chat }] : [];
});

/** The usage of a chat command, or of a card action (its verb): quoted in every usage error. */
export const usageOf = (action: Action): string => chatOf(specOf(action))?.usage ?? action;

/** The words a command starts with (`deploy`, `sample add`), for "did you mean". */
export const COMMAND_WORDS: readonly string[] = COMMANDS.map((c) => wordsOf(c.usage));

/** `sample add <endpoint> …` → `sample add`. */
export function wordsOf(usage: string): string {
  const words = usage.split(" ");
  const firstArgument = words.findIndex((w) => !/^[a-z]+$/.test(w));
  return words.slice(0, firstArgument < 0 ? words.length : firstArgument).join(" ");
}

/** Whether an allowed run of the action goes unaudited: looking at a card. */
export const isView = (action: Action): boolean => {
  const spec = specOf(action);
  return "view" in spec && spec.view === true;
};

/** What a refusal says the caller tried: `run \`deploy\``, or what a card's button does. */
export function whatItDoes(action: Action): string {
  const spec = specOf(action);
  return "does" in spec ? spec.does : `run \`${action.replace(".", " ")}\``;
}

/** Each chat verb (and other word for it) with the command it picks. */
export const CHAT_VERBS: ReadonlyMap<string, Action> = new Map(
  COMMANDS.flatMap((c) => c.verbs.map((verb) => [verb, c.action] as const)),
);

/** Every Action.Execute verb GreenLight's cards send, with what it reads and the action it runs. */
export const CARD_VERBS: ReadonlyMap<string, CardVerbSpec<Action> & { action: Action }> = new Map(
  entries.flatMap(([action, spec]) =>
    Object.entries(spec.cardVerbs ?? {}).map(([verb, form]) => [verb, { action, ...form }] as const),
  ),
);

/** Each decision button's word (and its verb as the card sends it, `rollout.approve`), with the cards that have it. */
export const CARD_BUTTON_WORDS: ReadonlyMap<string, { button: string; cards: ButtonCard[] }> = (() => {
  const found = new Map<string, { button: string; cards: ButtonCard[] }>();
  for (const [, spec] of entries) {
    if (!("card" in spec)) continue;
    for (const [verb, { typed = [] }] of Object.entries(spec.cardVerbs)) {
      const [button = verb] = typed;
      for (const word of [...typed, verb]) {
        const entry = found.get(word) ?? { button: word.includes(".") ? button : word, cards: [] };
        if (!entry.cards.includes(spec.card)) entry.cards.push(spec.card);
        found.set(word, entry);
      }
    }
  }
  return found;
})();

// Every command and card action, by every role and by an unknown user: allowed or denied exactly as the table below
// says (written out, never computed from POLICY, so a loosened or emptied policy fails), each decision audited.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POLICY, type Action } from "../../src/core/commands/policy.js";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { lastAudit, only, patientPayload, readReply } from "../support/bot-fixtures.js";
import type { Member, SentActivity } from "../support/connector-server.js";

/** One role each, so a permission can come from nowhere else; Adele stays known by UPN only. */
const CALLERS: { label: string; user: Member }[] = [
  { label: "viewer", user: USERS.viewer },
  { label: "operator", user: USERS.operator },
  { label: "approver", user: USERS.approver },
  { label: "admin", user: USERS.admin },
  // Not in the roles file: the default roles (viewer).
  { label: "unknown user", user: USERS.unknown },
];
const ROLES_FILE = {
  defaultRoles: ["viewer"],
  users: [
    { user: USERS.viewer.aadObjectId, name: USERS.viewer.name, roles: ["viewer"] },
    { user: USERS.operator.aadObjectId, name: USERS.operator.name, roles: ["operator"] },
    { user: USERS.approver.aadObjectId, name: USERS.approver.name, roles: ["approver"] },
    { user: USERS.admin.userPrincipalName, name: USERS.admin.name, roles: ["admin"] },
  ],
};

interface Attempt {
  /** The POLICY action it needs. */
  action: Action;
  /** The audit row's action. */
  audited: string;
  target?: string;
  /** The audit outcome when the caller is allowed ("ok" unless the handler refuses for another reason). */
  allowedOutcome?: string;
  run(h: BotHarness, user: Member, label: string): Promise<SentActivity[]>;
}

const chat = (action: Action, text: (label: string) => string, target?: string): Attempt => ({
  action,
  audited: action,
  ...(target ? { target } : {}),
  run: (h, user, label) => h.say(user, text(label)),
});

const card = (action: Action, verb: string, data: Record<string, unknown>, target?: string): Attempt => ({
  action,
  audited: `card:${verb}`,
  ...(target ? { target } : {}),
  run: async (h, user) => {
    const { invoke, sent } = await h.click(user, verb, data);
    expect(invoke.status).toBe(200);
    // A click is answered in the invoke itself: a card in place of the clicked one, or (a refusal) a message.
    const body = invoke.body as { type: string; value: unknown };
    expect(sent).toEqual([]);
    const activity =
      body.type === "application/vnd.microsoft.card.adaptive"
        ? { attachments: [{ contentType: body.type, content: body.value }] }
        : { text: String(body.value) };
    return [{ conversationId: "", kind: "send", activity }];
  },
});

const ATTEMPTS: Attempt[] = [
  chat("help", () => "help"),
  chat("whoami", () => "whoami"),
  chat("endpoints", () => "endpoints"),
  chat("show", () => "show diabetes-prod", "diabetes-prod"),
  chat("models", () => "models diabetes", "diabetes"),
  chat("samples", () => "samples diabetes-prod", "diabetes-prod"),
  chat("audit", () => "audit diabetes-prod", "diabetes-prod"),
  chat(
    "sample.add",
    (label) => `sample add diabetes-prod by-${label.replace(/\W/g, "-")} \`\`\`${patientPayload()}\`\`\``,
    "diabetes-prod",
  ),
  chat("invoke", () => "invoke diabetes-prod sample typical-patient", "diabetes-prod"),
  chat("logs", () => "logs diabetes-prod blue tail 3", "diabetes-prod"),
  card("endpoints", "endpoints", { filter: "", page: "1" }),
  card("show", "show", { endpoint: "diabetes-prod" }, "diabetes-prod"),
  card("invoke", "invoke", { endpoint: "diabetes-prod", deployment: "blue", sample: "high-risk" }, "diabetes-prod"),
  card("logs", "logs", { endpoint: "diabetes-prod", deployment: "blue", tail: "3" }, "diabetes-prod"),
  // Allowed callers get as far as the handler: a model version that does not exist, no rollout to act on.
  {
    ...chat("deploy", () => "deploy diabetes:99 to diabetes-prod", "diabetes-prod"),
    allowedOutcome: "model_version_not_found",
  },
  chat("status", () => "status diabetes-prod", "diabetes-prod"),
  chat("plan", () => "plan diabetes-prod", "diabetes-prod"),
  { ...chat("rollback", () => "rollback diabetes-prod", "diabetes-prod"), allowedOutcome: "no_active_rollout" },
  { ...chat("continue", () => "continue diabetes-prod", "diabetes-prod"), allowedOutcome: "no_active_rollout" },
  // In a personal chat: an admin is told to run them in a channel.
  { ...chat("subscribe", () => "subscribe diabetes-prod", "diabetes-prod"), allowedOutcome: "usage" },
  { ...chat("unsubscribe", () => "unsubscribe diabetes-prod", "diabetes-prod"), allowedOutcome: "usage" },
  { ...chat("subscriptions", () => "subscriptions"), allowedOutcome: "usage" },
  { ...chat("delete", () => "delete no-such-endpoint", "no-such-endpoint"), allowedOutcome: "endpoint_not_found" },
  chat("samples.remove", () => "samples remove no-such-endpoint", "no-such-endpoint"),
  ...(["approve", "reject"] as const).map((verb) => ({
    ...card(`deletion.${verb}`, `deletion.${verb}`, {
      deletion: "0f0e0d0c-0000-4000-8000-00000000dead",
      version: 1,
      ...(verb === "approve" ? { confirm: "no-such-endpoint" } : {}),
    }),
    allowedOutcome: "stale_card",
  })),
  ...(["approve", "reject", "retire", "override", "end_bake", "resume", "restore"] as const).map((verb) => ({
    ...card(`rollout.${verb}`, `rollout.${verb}`, {
      rollout: "0f0e0d0c-0000-4000-8000-00000000dead",
      step: 0,
      version: 1,
      ...(verb === "override" || verb === "end_bake" ? { reason: "known limit of the sample" } : {}),
    }),
    allowedOutcome: "stale_card",
  })),
  // Asking for one's own view of a card: anyone who may see rollouts; an unknown card is out of date.
  {
    ...card("rollout.view", "rollout.view", { rollout: "0f0e0d0c-0000-4000-8000-00000000dead" }),
    allowedOutcome: "stale_card",
  },
  {
    ...card("deletion.view", "deletion.view", { deletion: "0f0e0d0c-0000-4000-8000-00000000dead" }),
    allowedOutcome: "stale_card",
  },
];

type Verdict = "allowed" | "denied";
const Y: Verdict = "allowed";
const N: Verdict = "denied";

/** Who may make each attempt (by its audit name). Columns: viewer, operator, approver, admin, unknown user. */
// prettier-ignore
const EXPECTED: Record<string, [Verdict, Verdict, Verdict, Verdict, Verdict]> = {
  //                 viewer  operator  approver  admin  unknown
  "help":           [Y,      Y,        Y,        Y,     Y],
  "whoami":         [Y,      Y,        Y,        Y,     Y],
  "endpoints":      [Y,      Y,        Y,        Y,     Y],
  "show":           [Y,      Y,        Y,        Y,     Y],
  "models":         [Y,      Y,        Y,        Y,     Y],
  "samples":        [Y,      Y,        Y,        Y,     Y],
  "audit":          [Y,      Y,        Y,        Y,     Y],
  "sample.add":     [N,      Y,        N,        Y,     N],
  "invoke":         [N,      Y,        N,        Y,     N],
  "logs":           [N,      Y,        N,        Y,     N],
  "card:endpoints": [Y,      Y,        Y,        Y,     Y],
  "card:show":      [Y,      Y,        Y,        Y,     Y],
  "card:invoke":    [N,      Y,        N,        Y,     N],
  "card:logs":      [N,      Y,        N,        Y,     N],
  "deploy":         [N,      Y,        N,        Y,     N],
  "status":         [Y,      Y,        Y,        Y,     Y],
  "plan":           [Y,      Y,        Y,        Y,     Y],
  "rollback":       [N,      Y,        N,        Y,     N],
  "continue":       [N,      Y,        Y,        Y,     N],
  "card:rollout.approve":  [N, N,      Y,        Y,     N],
  "card:rollout.reject":   [N, N,      Y,        Y,     N],
  "card:rollout.retire":   [N, N,      Y,        Y,     N],
  "card:rollout.override": [N, N,      N,        Y,     N],
  "card:rollout.end_bake": [N, N,      N,        Y,     N],
  "card:rollout.resume":   [N, N,      Y,        Y,     N],
  "card:rollout.restore":  [N, Y,      N,        Y,     N],
  "card:rollout.view":     [Y, Y,      Y,        Y,     Y],
  "card:deletion.view":    [Y, Y,      Y,        Y,     Y],
  "subscribe":      [N,      N,        N,        Y,     N],
  "unsubscribe":    [N,      N,        N,        Y,     N],
  "subscriptions":  [N,      N,        N,        Y,     N],
  "delete":         [N,      N,        N,        Y,     N],
  "samples.remove": [N,      N,        N,        Y,     N],
  "card:deletion.approve": [N, N,      Y,        Y,     N],
  "card:deletion.reject":  [N, N,      Y,        Y,     N],
};
const COLUMNS = CALLERS.map((c) => c.label);

/** What a denial says: the roles needed and the people (from the roles file) who hold one. */
const OPERATORS = "People who hold it: Alex Wilber, Adele Vance.";
const APPROVERS = "People who hold it: Megan Bowen, Adele Vance.";
const DENIALS: Partial<Record<Action, string>> = {
  "sample.add": `You need the operator or admin role to run \`sample add\`. ${OPERATORS}`,
  invoke: `You need the operator or admin role to run \`invoke\`. ${OPERATORS}`,
  logs: `You need the operator or admin role to run \`logs\`. ${OPERATORS}`,
  deploy: `You need the operator or admin role to run \`deploy\`. ${OPERATORS}`,
  rollback: `You need the operator or admin role to run \`rollback\`. ${OPERATORS}`,
  continue:
    "You need the operator, approver or admin role to run `continue`. People who hold it: Alex Wilber, Megan Bowen, Adele Vance.",
  "rollout.approve": `You need the approver or admin role to approve a rollout step. ${APPROVERS}`,
  "rollout.reject": `You need the approver or admin role to reject a rollout step. ${APPROVERS}`,
  "rollout.retire": `You need the approver or admin role to retire or keep the old deployment. ${APPROVERS}`,
  "rollout.override": "You need the admin role to override a failed smoke test. People who hold it: Adele Vance.",
  "rollout.end_bake": "You need the admin role to end a step's bake early. People who hold it: Adele Vance.",
  "rollout.resume": `You need the approver or admin role to continue a paused rollout from the traffic Azure has. ${APPROVERS}`,
  "rollout.restore": `You need the operator or admin role to put back a rollout's starting traffic. ${OPERATORS}`,
  subscribe: "You need the admin role to run `subscribe`. People who hold it: Adele Vance.",
  unsubscribe: "You need the admin role to run `unsubscribe`. People who hold it: Adele Vance.",
  subscriptions: "You need the admin role to run `subscriptions`. People who hold it: Adele Vance.",
  delete: "You need the admin role to run `delete`. People who hold it: Adele Vance.",
  "samples.remove": "You need the admin role to run `samples remove`. People who hold it: Adele Vance.",
  "deletion.approve": `You need the approver or admin role to confirm an endpoint's deletion. ${APPROVERS}`,
  "deletion.reject": `You need the approver or admin role to keep an endpoint someone asked to delete. ${APPROVERS}`,
};

function expected(attempt: Attempt, label: string): Verdict {
  const verdict = EXPECTED[attempt.audited]?.[COLUMNS.indexOf(label)];
  if (!verdict) throw new Error(`the table has no verdict for ${label} × ${attempt.audited}`);
  return verdict;
}

let h: BotHarness;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "greenlight-roles-"));
  await writeFile(join(dir, "roles.json"), JSON.stringify(ROLES_FILE));
  h = await BotHarness.start({ env: { ROLES_FILE: join(dir, "roles.json") } });
});
afterAll(async () => {
  await h?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("the matrix", () => {
  it("attempts every POLICY action in chat, and has a verdict for every attempt", () => {
    const attempted = new Set(ATTEMPTS.map((a) => a.action));
    expect([...attempted].sort()).toEqual(Object.keys(POLICY).sort());
    expect(ATTEMPTS.map((a) => a.audited).sort()).toEqual(Object.keys(EXPECTED).sort());
  });
});

describe.each(CALLERS)("$label", ({ label, user }) => {
  it.each(ATTEMPTS.map((a) => [a.audited, a] as const))("%s", async (_name, attempt) => {
    const allowed = expected(attempt, label) === "allowed";
    const replies = await attempt.run(h, user, label);
    const text = readReply(only(replies));
    const row = await lastAudit(h);
    expect(row).toMatchObject({
      actor: { id: user.id, name: user.name },
      action: attempt.audited,
      outcome: allowed ? (attempt.allowedOutcome ?? "ok") : "denied",
    });
    expect(row?.target).toBe(attempt.target);
    if (allowed) {
      expect(text).not.toContain("Not allowed");
      expect(text).not.toContain("Nothing changed: you");
      expect(text).not.toMatch(/You need the .* role/);
    } else {
      const denial = DENIALS[attempt.action];
      if (!denial) throw new Error(`no denial text written for ${attempt.action}`);
      expect(text).toContain("Not allowed");
      expect(text).toContain(denial);
    }
  });
});

describe("denials change nothing", () => {
  it("does not store a sample for a viewer", async () => {
    await h.say(USERS.viewer, `sample add diabetes-prod sneaky \`\`\`${patientPayload()}\`\`\``);
    expect(await h.store.records.getSample("diabetes-prod", "sneaky")).toBeUndefined();
  });

  it("does not score for an approver who is not an operator", async () => {
    const before = h.emulator.scoring.metrics("diabetes-prod");
    await h.say(USERS.approver, "invoke diabetes-prod sample typical-patient");
    expect(h.emulator.scoring.metrics("diabetes-prod")).toEqual(before);
  });
});

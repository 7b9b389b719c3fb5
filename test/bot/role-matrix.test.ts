// Every command and card action, by every role and by an unknown user: allowed or denied exactly as POLICY says,
// each decision in the audit log.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVERYONE, POLICY, type Action } from "../../src/core/access/policy.js";
import type { Role } from "../../src/core/access/roles.js";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { lastAudit, only, patientPayload, readReply } from "../support/bot-fixtures.js";
import type { Member, SentActivity } from "../support/connector-server.js";

/** One role each, so a permission can come from nowhere else; Adele stays known by UPN only. */
const CALLERS: { label: string; user: Member; roles: Role[] }[] = [
  { label: "viewer", user: USERS.viewer, roles: ["viewer"] },
  { label: "operator", user: USERS.operator, roles: ["operator"] },
  { label: "approver", user: USERS.approver, roles: ["approver"] },
  { label: "admin", user: USERS.admin, roles: ["admin"] },
  { label: "unknown user", user: USERS.unknown, roles: ["viewer"] },
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
    // `endpoints` answers in the invoke itself (it replaces the card); the others post a new message.
    const body = invoke.body as { type: string; value: unknown };
    if (body.type === "application/vnd.microsoft.card.adaptive") {
      return [
        {
          conversationId: "",
          kind: "send",
          activity: { attachments: [{ contentType: body.type, content: body.value }] },
        },
      ];
    }
    return sent;
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
];

/** Fixed expectations, so the matrix cannot pass with an emptied or loosened POLICY. */
const SPOT_CHECKS: [label: string, action: Action, allowed: boolean][] = [
  ["viewer", "endpoints", true],
  ["viewer", "invoke", false],
  ["viewer", "logs", false],
  ["viewer", "sample.add", false],
  ["operator", "invoke", true],
  ["operator", "logs", true],
  ["operator", "sample.add", true],
  ["approver", "invoke", false],
  ["approver", "show", true],
  ["admin", "invoke", true],
  ["admin", "logs", true],
  ["unknown user", "audit", true],
  ["unknown user", "invoke", false],
];

const allowedBy = (roles: readonly Role[], action: Action): boolean => {
  const rule: readonly Role[] | typeof EVERYONE = POLICY[action];
  return rule === EVERYONE || rule.some((r) => roles.includes(r));
};

/** What a denial must say: the roles needed and the people (from the roles file) who hold one. */
function denialText(action: Action): { roles: string; holders: string[] } {
  const rule: readonly Role[] | typeof EVERYONE = POLICY[action];
  const needed = rule === EVERYONE ? [] : rule;
  const holders = ROLES_FILE.users.filter((u) => u.roles.some((r) => needed.includes(r as Role))).map((u) => u.name);
  return { roles: needed.join(" or "), holders };
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

describe("the policy under test", () => {
  it("is the one the spot checks describe", () => {
    for (const [label, action, allowed] of SPOT_CHECKS) {
      const roles = CALLERS.find((c) => c.label === label)?.roles ?? [];
      expect(allowedBy(roles, action), `${label} ${action}`).toBe(allowed);
    }
  });

  it("is fully exercised: every POLICY action is attempted in chat", () => {
    const attempted = new Set(ATTEMPTS.filter((a) => !a.audited.startsWith("card:")).map((a) => a.action));
    expect([...attempted].sort()).toEqual(Object.keys(POLICY).sort());
  });
});

describe.each(CALLERS)("$label", ({ label, user, roles }) => {
  it.each(ATTEMPTS.map((a) => [a.audited, a] as const))("%s", async (_name, attempt) => {
    const allowed = allowedBy(roles, attempt.action);
    const replies = await attempt.run(h, user, label);
    const text = readReply(only(replies));
    const row = await lastAudit(h);
    expect(row).toMatchObject({
      actor: { id: user.id, name: user.name },
      action: attempt.audited,
      outcome: allowed ? "ok" : "denied",
    });
    expect(row?.target).toBe(attempt.target);
    if (allowed) {
      expect(text).not.toContain("Not allowed");
      expect(text).not.toMatch(/You need the .* role/);
    } else {
      const { roles: needed, holders } = denialText(attempt.action);
      expect(text).toContain("Not allowed");
      expect(text).toContain(`You need the ${needed} role to run \`${attempt.action.replace(".", " ")}\`.`);
      expect(text).toContain(`People who hold it: ${holders.join(", ")}.`);
    }
  });
});

describe("denials change nothing", () => {
  it("does not store a sample for a viewer", async () => {
    await h.say(USERS.viewer, `sample add diabetes-prod sneaky \`\`\`${patientPayload()}\`\`\``);
    expect(await h.store.getSample("diabetes-prod", "sneaky")).toBeUndefined();
  });

  it("does not score for an approver who is not an operator", async () => {
    const before = h.emulator.scoring.metrics("diabetes-prod");
    await h.say(USERS.approver, "invoke diabetes-prod sample typical-patient");
    expect(h.emulator.scoring.metrics("diabetes-prod")).toEqual(before);
  });
});

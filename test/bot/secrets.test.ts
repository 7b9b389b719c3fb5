// Endpoint keys never leave the workspace adapter: not in a message, a card, a log line or an audit row — before or
// after a key is regenerated.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardOf } from "../support/bot-harness.js";
import { WorkspaceAdmin, cardText, fact, only, patientPayload, readReply, teamsFile } from "../support/bot-fixtures.js";

let h: BotHarness;
let admin: WorkspaceAdmin;
const keys = new Set<string>();

/** Every command and card action, by someone allowed and by someone who is not, plus a few failures. */
async function runEverything(round: string): Promise<void> {
  const op = USERS.operator;
  h.connector.files.set(`${round}.json`, patientPayload());
  for (const text of [
    "help",
    "whoami",
    "endpoints",
    "endpoints diabetes",
    "show diabetes-prod",
    "models",
    "models diabetes",
    "samples diabetes-prod",
    `sample add diabetes-prod ${round} \`\`\`${patientPayload()}\`\`\``,
    "invoke diabetes-prod sample typical-patient",
    `invoke diabetes-prod blue sample ${round}`,
    `invoke diabetes-prod green \`\`\`${patientPayload()}\`\`\``,
    "invoke diabetes-prod sample nope",
    "invoke diabetes-prod purple sample typical-patient",
    "logs diabetes-prod blue tail 50",
    "logs diabetes-prod green",
    "audit",
    "audit diabetes-prod",
    "show diabetes-prd",
  ]) {
    expect(await h.say(op, text), text).toHaveLength(1);
  }
  await h.say(op, "invoke diabetes-prod", { attachments: [teamsFile(h, `${round}.json`)] });
  await h.say(USERS.viewer, "invoke diabetes-prod sample typical-patient");
  await h.say(USERS.viewer, "logs diabetes-prod blue");
  await h.say(USERS.admin, "whoami", { channel: true });
  await h.click(op, "endpoints", { filter: "", page: "1" });
  await h.click(op, "show", { endpoint: "diabetes-prod" });
  await h.click(op, "invoke", { endpoint: "diabetes-prod", deployment: "", sample: "high-risk" });
  await h.click(op, "invoke", { endpoint: "diabetes-prod", deployment: "green", sample: "borderline" });
  await h.click(op, "logs", { endpoint: "diabetes-prod", deployment: "blue", tail: "20" });
  await h.click(USERS.viewer, "invoke", { endpoint: "diabetes-prod", sample: "high-risk" });
}

/** The places a key could leak to: what users saw, what was logged, what was audited. */
async function haystacks(): Promise<Record<string, string>> {
  return {
    "messages and cards": JSON.stringify(h.connector.sent),
    "log lines": h.logLines.join("\n"),
    "audit rows": JSON.stringify(await h.store.records.latestAudit({ limit: 10_000 })),
  };
}

beforeAll(async () => {
  h = await BotHarness.start();
  admin = new WorkspaceAdmin(h);
  await admin.createDeployment("diabetes-prod", "green", 2);
  for (const k of await admin.keys("diabetes-prod")) keys.add(k);

  await runEverything("before-rotation");
  await admin.regenerateKey("diabetes-prod", "Primary");
  for (const k of await admin.keys("diabetes-prod")) keys.add(k);
  await runEverything("after-rotation");
});
afterAll(async () => {
  await h?.close();
});

describe("endpoint keys", () => {
  it("are real: both keys before rotation and the regenerated primary", () => {
    expect(keys.size).toBe(3);
    for (const k of keys) expect(k.length).toBeGreaterThanOrEqual(16);
  });

  it("keep invoke working after the primary key is regenerated", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod sample typical-patient")));
    expect(cardText(card)).toContain("200 OK");
    expect(fact(card, "Answered by")).toBe("blue (by traffic)");
  });

  it("were looked for in what the bot actually sent, logged and audited", async () => {
    const all = await haystacks();
    expect(all["messages and cards"]).toContain("200 OK");
    expect(all["messages and cards"]).toContain("Scoring URI");
    expect(all["messages and cards"]).toContain("Scoring request");
    expect(all["log lines"]).toContain('"message":"command"');
    expect(all["audit rows"]).toContain('"action":"card:invoke"');
    expect(all["audit rows"]).toContain('"outcome":"denied"');
  });

  it("appear in no message, card, log line or audit row", async () => {
    for (const [where, text] of Object.entries(await haystacks())) {
      for (const key of keys) {
        expect(text.includes(key), `a key (${key.slice(0, 4)}…) leaked into ${where}`).toBe(false);
        // Also not in the standard base64 spelling of the same bytes.
        const base64 = Buffer.from(key, "base64url").toString("base64").replace(/=+$/, "");
        expect(text.includes(base64), `a key (${key.slice(0, 4)}…) leaked into ${where} as base64`).toBe(false);
      }
    }
  });

  it("show no card with an unexpanded template expression", () => {
    const unexpanded = h.connector.sent.filter((s) => JSON.stringify(s.activity).includes("${"));
    expect(unexpanded.map((s) => readReply(s).slice(0, 200))).toEqual([]);
  });
});

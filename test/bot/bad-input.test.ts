// Bad input of every kind gets a short message saying what was wrong — never a stack trace, never silence — and the
// bot keeps serving.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardAction, cardOf } from "../support/bot-harness.js";
import {
  auditCount,
  cardText,
  fact,
  lastAudit,
  looksLikeStackTrace,
  only,
  patientPayload,
  readReply,
  teamsFile,
} from "../support/bot-fixtures.js";
import type { SentActivity } from "../support/connector-server.js";

const MAX_PAYLOAD_BYTES = 2048;

/** A payload bigger than the limit that is still valid JSON (so only its size is wrong). */
const oversized = (): string =>
  JSON.stringify({ input_data: { columns: ["Age"], index: [0], data: Array.from({ length: 600 }, () => [31]) } });

let h: BotHarness;

/** Scoring requests blue has served so far, from the emulator's own counters. */
function blueRequests(): number {
  const blue = h.emulator.scoring.metrics("diabetes-prod").blue;
  if (!blue) throw new Error("the emulator has no counters for diabetes-prod/blue");
  return blue.requests;
}

beforeAll(async () => {
  h = await BotHarness.start({ env: { MAX_PAYLOAD_BYTES: String(MAX_PAYLOAD_BYTES) } });
});
afterAll(async () => {
  await h?.close();
});

/** The one reply to a bad message: it must say `expected`, show no internals, and the bot must answer `help` after. */
async function expectClearAnswer(sent: SentActivity[], expected: string | RegExp): Promise<string> {
  const text = readReply(only(sent));
  if (typeof expected === "string") expect(text).toContain(expected);
  else expect(text).toMatch(expected);
  expect(looksLikeStackTrace(text), text).toBe(false);
  expect(text).not.toContain("Something went wrong");
  const help = readReply(only(await h.say(USERS.operator, "help")));
  expect(help).toContain("GreenLight commands");
  return text;
}

describe("chat", () => {
  it("says an unknown command is unknown and points to help", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "frobnicate the endpoints"),
      "I don't know the command 'frobnicate'. Type `help` for the commands you can use.",
    );
    expect(await lastAudit(h)).toMatchObject({ action: "help", outcome: "ok" });
    const rows = await h.store.records.latestAudit({ limit: 2 });
    expect(rows[1]).toMatchObject({ action: "unparsed", outcome: "unknown_command", actor: { id: USERS.operator.id } });
  });

  it("refuses `deploy` without `to`, and starts no rollout", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "deploy diabetes:2 diabetes-prod"),
      "Write `to` before the endpoint, like `deploy diabetes:2 to diabetes-prod`; nothing was started. " +
        "Usage: `deploy <model>:<version> to <endpoint>`",
    );
    expect(await h.store.rollouts.current("diabetes-prod")).toBeUndefined();
    const [, refused] = await h.store.records.latestAudit({ limit: 2 });
    expect(refused).toMatchObject({ action: "unparsed", outcome: "usage" });
  });

  it("says to put JSON typed as text in a code block, without sending it", async () => {
    const requests = blueRequests();
    await expectClearAnswer(
      await h.say(USERS.operator, `<p>invoke diabetes-prod ${patientPayload().replaceAll('"', "&quot;")}</p>`),
      "That JSON is not in a code block, so GreenLight did not read it. Put it in a code block (```json … ```), " +
        "or attach a .json file.",
    );
    await expectClearAnswer(
      await h.say(USERS.operator, `sample add diabetes-prod plain-text ${patientPayload()}`),
      "Put it in a code block",
    );
    expect(blueRequests()).toBe(requests);
    expect(await h.store.records.getSample("diabetes-prod", "plain-text")).toBeUndefined();
  });

  it("points `approve` typed in chat to the card, in the channel it is in", async () => {
    await expectClearAnswer(
      await h.say(USERS.approver, "approve"),
      "`approve` is a button on a rollout's card or a deletion's card, not a command: approvals are given on the card " +
        "itself, in the channel the endpoint's cards go to — the release channel, unless `subscribe` named another. " +
        "Type `status` to see what is under way.",
    );
    const [, refused] = await h.store.records.latestAudit({ limit: 2 });
    expect(refused).toMatchObject({ action: "unparsed", outcome: "card_button_typed" });
  });

  it("says an unknown endpoint does not exist", async () => {
    const text = await expectClearAnswer(
      await h.say(USERS.operator, "show nothing-like-this"),
      "There is no endpoint named 'nothing-like-this'. Type `endpoints` to list them.",
    );
    expect(text).not.toContain("Did you mean");
  });

  it("rejects malformed JSON in a code block, without sending a scoring request", async () => {
    const requests = blueRequests();
    await expectClearAnswer(
      await h.say(USERS.operator, 'invoke diabetes-prod ```{"input_data": [1,2```'),
      /That payload is not valid JSON \(.+\)\. Put the JSON in a code block, or attach a \.json file\./,
    );
    expect(blueRequests()).toBe(requests);
  });

  it("rejects malformed JSON in Markdown inline code, as the Playground sends it", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, 'invoke diabetes-prod `{"input_data": [1,2`'),
      "That payload is not valid JSON",
    );
  });

  it("rejects malformed JSON in Teams' inline code", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "<p>invoke diabetes-prod <code>{&quot;input_data&quot;: [1,2</code></p>"),
      "That payload is not valid JSON",
    );
  });

  it("refuses a payload over MAX_PAYLOAD_BYTES, inline or as a sample", async () => {
    const requests = blueRequests();
    await expectClearAnswer(
      await h.say(USERS.operator, `invoke diabetes-prod \`\`\`${oversized()}\`\`\``),
      /That payload is \d+ KB; the most GreenLight sends is 2 KB\. Send a smaller sample\./,
    );
    await expectClearAnswer(
      await h.say(USERS.operator, `sample add diabetes-prod too-big \`\`\`${oversized()}\`\`\``),
      "the most GreenLight sends is 2 KB",
    );
    expect(await h.store.records.getSample("diabetes-prod", "too-big")).toBeUndefined();
    expect(blueRequests()).toBe(requests);
  });

  it("refuses an attached file over MAX_PAYLOAD_BYTES", async () => {
    h.connector.files.set("big.json", oversized());
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod", { attachments: [teamsFile(h, "big.json")] }),
      "I could not read the attached file 'big.json' (it is larger than 2 KB)",
    );
  });

  it("asks for the sample's name after `sample`", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod sample"),
      "Say which sample to send after `sample`. Usage: `invoke <endpoint>",
    );
  });

  it("names the samples there are when the one asked for is missing", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod sample nope"),
      /Endpoint diabetes-prod has no sample named 'nope'\. Its samples: .*typical-patient/,
    );
  });

  it("says what to send when invoke has no payload", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod"),
      "Say what to send to diabetes-prod: `invoke diabetes-prod sample",
    );
  });

  it("names the deployments there are when the one asked for is missing", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod purple sample typical-patient"),
      "Endpoint diabetes-prod has no deployment named 'purple'. Its deployments: blue.",
    );
  });

  it("explains a bad log tail", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "logs diabetes-prod blue tail lots"),
      "After the deployment, write `tail N` with N a whole number.",
    );
  });

  it("says an attached file could not be downloaded", async () => {
    await expectClearAnswer(
      await h.say(USERS.operator, "invoke diabetes-prod", {
        attachments: [teamsFile(h, "gone.json", "json", h.connector.fileUrl("never-uploaded.json"))],
      }),
      "I could not read the attached file 'gone.json' (the download failed with status 404)",
    );
  });

  it("refuses an attached file that is not .json", async () => {
    h.connector.files.set("patients.csv", "Age\n31\n");
    await expectClearAnswer(
      await h.say(USERS.operator, "sample add diabetes-prod from-csv", {
        attachments: [teamsFile(h, "patients.csv", "csv")],
      }),
      "I could not read the attached file 'patients.csv' (it is a .csv file, not .json)",
    );
    expect(await h.store.records.getSample("diabetes-prod", "from-csv")).toBeUndefined();
    expect(await lastAudit(h)).toMatchObject({ action: "help" });
    const [, rejected] = await h.store.records.latestAudit({ limit: 2 });
    expect(rejected).toMatchObject({ action: "sample.add", outcome: "attachment_unreadable" });
  });
});

describe("forged card actions", () => {
  /** A forged click is refused in the invoke answer itself (Universal Actions' 400), and nothing is posted. */
  async function clickAndRead(verb: unknown, data: unknown): Promise<string> {
    const { invoke, sent } = await h.click(USERS.operator, verb as string, data as Record<string, unknown>);
    expect(invoke.status).toBe(200);
    expect(invoke.body).toMatchObject({ statusCode: 400, type: "application/vnd.microsoft.error" });
    expect(sent).toEqual([]);
    const message = (invoke.body as { value: { message: string } }).value.message;
    expect(message).toContain("That card action is not valid");
    expect(looksLikeStackTrace(message), message).toBe(false);
    expect(readReply(only(await h.say(USERS.operator, "help")))).toContain("GreenLight commands");
    return message;
  }

  it("rejects a verb no card has", async () => {
    const text = await clickAndRead("deleteEverything", { endpoint: "diabetes-prod" });
    expect(text).toContain("unknown action 'deleteEverything'");
    expect((await h.store.records.latestAudit({ limit: 2 }))[1]).toMatchObject({
      action: "card:deleteEverything",
      outcome: "invalid_card_action",
      actor: { id: USERS.operator.id },
    });
  });

  it("refuses and audits a verb that is not a string, and keeps serving", async () => {
    for (const verb of [123, {}, null, ["show"]]) {
      const before = await auditCount(h);
      expect(await clickAndRead(verb, { endpoint: "diabetes-prod" })).toContain("unknown action");
      const [, rejected] = await h.store.records.latestAudit({ limit: 2 });
      expect(await auditCount(h)).toBe(before + 2);
      expect(rejected).toMatchObject({
        action: "card:invalid",
        outcome: "invalid_card_action",
        actor: { id: USERS.operator.id },
      });
    }
  });

  it("refuses and audits card data that is not an object, or a click without an action", async () => {
    expect(await clickAndRead("show", "diabetes-prod")).toContain("data");
    const before = await auditCount(h);
    const activity = cardAction(h.connector.url, USERS.operator, "show", {});
    activity.value = { trigger: "manual" };
    const answer = await h.post(activity);
    expect(answer).toMatchObject({ status: 200, body: { statusCode: 400 } });
    expect(await auditCount(h)).toBe(before + 1);
  });

  it("rejects data of the wrong type", async () => {
    expect(await clickAndRead("invoke", { endpoint: 42, sample: "typical-patient" })).toContain("endpoint");
    expect(await clickAndRead("endpoints", { page: "many" })).toContain("page");
    expect(await clickAndRead("logs", { endpoint: "diabetes-prod", deployment: ["blue"] })).toContain("deployment");
  });

  it("rejects an endpoint name that tries to walk the ARM path", async () => {
    const requests = blueRequests();
    const text = await clickAndRead("invoke", { endpoint: "../diabetes-prod", sample: "typical-patient" });
    expect(text).toContain("endpoint");
    await clickAndRead("show", { endpoint: "diabetes-prod/../../onlineEndpoints" });
    expect(blueRequests()).toBe(requests);
  });
});

describe("redelivery", () => {
  it("runs a redelivered message once: one reply, one audit row", async () => {
    const id = "redelivered-message-1";
    const rows = await auditCount(h);
    const first = await h.say(USERS.operator, "invoke diabetes-prod sample typical-patient", { id });
    expect(fact(cardOf(only(first)), "Answered by")).toBe("blue (by traffic)");
    const second = await h.say(USERS.operator, "invoke diabetes-prod sample typical-patient", { id });
    expect(second).toEqual([]);
    expect(await auditCount(h)).toBe(rows + 1);
  });

  it("runs a redelivered card action once", async () => {
    const id = "redelivered-click-1";
    const rows = await auditCount(h);
    const data = { endpoint: "diabetes-prod", sample: "typical-patient" };
    const first = await h.click(USERS.operator, "invoke", data, { id });
    expect(cardText((first.invoke.body as { value: Record<string, unknown> }).value)).toContain("200 OK");
    const second = await h.click(USERS.operator, "invoke", data, { id });
    expect(second.invoke.status).toBe(200);
    expect(cardText((second.invoke.body as { value: Record<string, unknown> }).value)).toContain(
      "That click was already handled.",
    );
    expect(second.sent).toEqual([]);
    expect(await auditCount(h)).toBe(rows + 1);
  });
});

describe("payload limit", () => {
  it("still accepts a payload under the limit", async () => {
    const card = cardOf(only(await h.say(USERS.operator, `invoke diabetes-prod \`\`\`${patientPayload()}\`\`\``)));
    expect(fact(card, "Row 0")).toMatch(/^label 0/);
  });
});

describe("when the workspace stops answering", () => {
  let down: BotHarness;
  beforeAll(async () => {
    down = await BotHarness.start();
  });
  afterAll(async () => {
    await down?.close();
  });

  it("says the workspace did not answer, and keeps serving", async () => {
    expect(readReply(only(await down.say(USERS.viewer, "endpoints")))).toContain("diabetes-prod");
    await down.emulator.close();
    const text = readReply(only(await down.say(USERS.viewer, "endpoints")));
    expect(text).toContain("The Azure ML workspace did not answer");
    expect(text).toContain("Try again in a minute");
    expect(looksLikeStackTrace(text)).toBe(false);
    expect(await lastAudit(down)).toMatchObject({ action: "endpoints", outcome: "workspace_unreachable" });
    expect(readReply(only(await down.say(USERS.viewer, "help")))).toContain("GreenLight commands");
    expect(readReply(only(await down.say(USERS.viewer, "whoami")))).toContain("Roles: viewer");
  });
});

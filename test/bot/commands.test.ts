// What each command does for a user, over the bot's real HTTP path: activities in, replies at the connector, the
// emulator behind the real SDK, a real store.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardOf } from "../support/bot-harness.js";
import {
  WorkspaceAdmin,
  buttonsOf,
  cardText,
  fact,
  factsOf,
  lastAudit,
  only,
  patientPayload,
  readReply,
  teamsFile,
} from "../support/bot-fixtures.js";

const PAGING = Array.from({ length: 11 }, (_, i) => `paging-${String(i + 1).padStart(2, "0")}`);
const SEEDED_SAMPLES = [
  "batch-of-3",
  "borderline",
  "columns-in-any-order",
  "high-risk",
  "many-pregnancies",
  "typical-patient",
];

let h: BotHarness;
let admin: WorkspaceAdmin;

beforeAll(async () => {
  h = await BotHarness.start();
  admin = new WorkspaceAdmin(h);
  // Beside the seeded blue (diabetes:1, 100%): green runs diabetes:2 and faulty the broken diabetes:3, both at 0%.
  await admin.createDeployment("diabetes-prod", "green", 2);
  await admin.createDeployment("diabetes-prod", "faulty", 3);
  await Promise.all(PAGING.map((name) => admin.createEndpoint(name)));
});
afterAll(async () => {
  await h?.close();
});

/** The bold usage lines of the help card. */
function usagesOf(card: Record<string, unknown>): string[] {
  return cardText(card)
    .split("\n")
    .filter((l) => /^\*\*.*\*\*$/.test(l))
    .map((l) => l.slice(2, -2));
}

describe("help", () => {
  it("shows a viewer only the commands a viewer may run", async () => {
    const usages = usagesOf(cardOf(only(await h.say(USERS.viewer, "help"))));
    expect(usages).toEqual([
      "help",
      "endpoints [filter]",
      "show <endpoint>",
      "models [name]",
      "samples <endpoint>",
      "plan <endpoint>",
      "status [endpoint]",
      "whoami",
      "audit [endpoint]",
    ]);
  });

  it("shows an operator invoke, logs and sample add as well", async () => {
    const usages = usagesOf(cardOf(only(await h.say(USERS.operator, "help"))));
    expect(usages).toHaveLength(15);
    expect(usages).toContain("deploy <model>:<version> to <endpoint>");
    expect(usages).toContain("rollback <endpoint>");
    expect(usages).toContain("continue <endpoint>");
    expect(usages.some((u) => u.startsWith("invoke <endpoint>"))).toBe(true);
    expect(usages.some((u) => u.startsWith("logs <endpoint> <deployment>"))).toBe(true);
    expect(usages.some((u) => u.startsWith("sample add <endpoint> <name>"))).toBe(true);
  });

  it("shows an approver without operator rights no invoke", async () => {
    const text = readReply(only(await h.say(USERS.approver, "help")));
    expect(text).toContain("Your roles: approver");
    expect(text).not.toContain("invoke <endpoint>");
    expect(text).toContain("continue <endpoint>");
  });
});

describe("endpoints", () => {
  it("lists diabetes-prod with blue taking 100% on diabetes:1", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "endpoints diabetes")));
    const text = cardText(card);
    expect(text).toContain("**diabetes-prod**");
    expect(text).toContain("Traffic: blue 100%");
    expect(fact(card, "blue")).toBe("diabetes:1 · 100% · Succeeded");
    expect(fact(card, "green")).toBe("diabetes:2 · 0% · Succeeded");
  });

  it("keeps only the endpoints whose name matches the filter", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "endpoints paging-1")));
    expect(text).toContain("Matching 'paging-1' · 2 endpoint(s)");
    expect(text).toContain("**paging-10**");
    expect(text).toContain("**paging-11**");
    expect(text).not.toContain("paging-01");
    expect(text).not.toContain("diabetes-prod");
  });

  it("says so when nothing matches", async () => {
    expect(readReply(only(await h.say(USERS.viewer, "endpoints no-such-thing")))).toContain("No endpoints to show.");
  });

  it("pages a long list, and Next replaces the card with page 2", async () => {
    const first = cardOf(only(await h.say(USERS.viewer, "endpoints")));
    expect(cardText(first)).toContain("12 endpoint(s) · page 1 of 2");
    expect(cardText(first).match(/^\*\*[^*]+\*\*$/gm)).toHaveLength(10);
    const next = buttonsOf(first).find((b) => b.title === "Next");
    expect(next, "a Next button").toBeDefined();
    expect(buttonsOf(first).some((b) => b.title === "Previous")).toBe(false);

    const { invoke, sent } = await h.click(USERS.viewer, next?.verb ?? "", next?.data ?? {});
    expect(invoke.status).toBe(200);
    const body = invoke.body as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(body.type).toBe("application/vnd.microsoft.card.adaptive");
    const second = cardText(body.value);
    expect(second).toContain("page 2 of 2");
    expect(second).toContain("**paging-10**");
    expect(second).toContain("**paging-11**");
    expect(second).not.toContain("**diabetes-prod**");
    expect(buttonsOf(body.value).map((b) => b.title)).toEqual(["Previous"]);
    expect(sent, "the page replaces the card; no extra message").toEqual([]);
  });
});

describe("show", () => {
  it("shows the scoring URI, traffic and each deployment's model and instances", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "show diabetes-prod")));
    expect(fact(card, "Scoring URI")).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/endpoints\/diabetes-prod\/score$/);
    expect(fact(card, "Traffic")).toBe("blue 100%");
    expect(fact(card, "Auth mode")).toBe("Key");
    const text = cardText(card);
    expect(text).toContain("**blue** · 100% traffic");
    expect(text).toContain("**green** · 0% traffic");
    const models = factsOf(card)
      .filter((f) => f.title === "Model")
      .map((f) => f.value);
    expect(models).toEqual(expect.arrayContaining(["diabetes:1", "diabetes:2", "diabetes:3"]));
    expect(factsOf(card).find((f) => f.title === "Instances")?.value).toBe("1 × Standard_DS3_v2");
  });

  it("offers an operator Invoke and Logs buttons", async () => {
    const titles = buttonsOf(cardOf(only(await h.say(USERS.operator, "show diabetes-prod")))).map((b) => b.title);
    expect(titles).toEqual(expect.arrayContaining(["Invoke", "Logs", "Refresh"]));
  });

  it("offers a viewer neither Invoke nor Logs", async () => {
    const titles = buttonsOf(cardOf(only(await h.say(USERS.viewer, "show diabetes-prod")))).map((b) => b.title);
    expect(titles).toEqual(["Refresh"]);
  });
});

describe("models and samples", () => {
  it("lists the registered models", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "models")));
    expect(cardText(card)).toContain("**diabetes**");
  });

  it("lists a model's versions newest first", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "models diabetes")));
    expect(factsOf(card).map((f) => f.title)).toEqual(["diabetes:3", "diabetes:2", "diabetes:1"]);
    expect(fact(card, "diabetes:3")).toContain("Faulty on purpose");
  });

  it("lists the samples seeded for diabetes-prod", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "samples diabetes-prod")));
    const names = factsOf(card).map((f) => f.title);
    expect(names).toEqual(expect.arrayContaining(SEEDED_SAMPLES));
  });
});

describe("sample add", () => {
  it("stores a sample from a JSON code block, which invoke then sends", async () => {
    const stored = readReply(
      only(
        await h.say(
          USERS.operator,
          `sample add diabetes-prod my-sample\n\`\`\`json\n${patientPayload([8, 183, 64, 28, 200, 40.1, 1.2, 52])}\n\`\`\``,
        ),
      ),
    );
    expect(stored).toMatch(/Stored sample 'my-sample' for diabetes-prod \(\d+ bytes\)/);
    expect(await lastAudit(h)).toMatchObject({ action: "sample.add", target: "diabetes-prod", outcome: "ok" });

    const card = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod sample my-sample")));
    expect(fact(card, "Payload")).toBe("sample my-sample");
    expect(fact(card, "Row 0")).toMatch(/^label 1 · p = 0\.\d{3}$/);
  });

  it("stores a sample from an attached Teams .json file", async () => {
    h.connector.files.set("older-patient.json", patientPayload([6, 148, 72, 35, 160, 33.6, 0.627, 50]));
    const stored = readReply(
      only(
        await h.say(USERS.operator, "sample add diabetes-prod from-file", {
          attachments: [teamsFile(h, "older-patient.json")],
        }),
      ),
    );
    expect(stored).toContain("Stored sample 'from-file' for diabetes-prod");
    const samples = cardOf(only(await h.say(USERS.viewer, "samples diabetes-prod")));
    expect(fact(samples, "from-file")).toContain("From older-patient.json");

    const card = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod sample from-file")));
    expect(fact(card, "Row 0")).toMatch(/^label 1/);
  });

  it("replaces a sample stored under the same name", async () => {
    const block = `\`\`\`${patientPayload()}\`\`\``;
    await h.say(USERS.operator, `sample add diabetes-prod twice ${block}`);
    expect(readReply(only(await h.say(USERS.operator, `sample add diabetes-prod twice ${block}`)))).toContain(
      "Replaced sample 'twice'",
    );
  });
});

describe("invoke", () => {
  it("scores a stored sample by traffic and shows status, who answered, latency and the prediction", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod sample typical-patient")));
    const text = cardText(card);
    expect(text).toContain("200 OK");
    expect(fact(card, "Answered by")).toBe("blue (by traffic)");
    expect(fact(card, "Latency")).toMatch(/^\d+ ms$/);
    expect(fact(card, "Row 0")).toMatch(/^label 0 · p = 0\.\d{3}$/);
    expect(await lastAudit(h)).toMatchObject({
      action: "invoke",
      target: "diabetes-prod",
      outcome: "ok",
      detail: "sample typical-patient, status 200",
      actor: { id: USERS.operator.id, name: USERS.operator.name },
    });
  });

  it("sends inline JSON to the named deployment", async () => {
    const card = cardOf(only(await h.say(USERS.operator, `invoke diabetes-prod blue \`\`\`${patientPayload()}\`\`\``)));
    expect(fact(card, "Answered by")).toBe("blue (targeted)");
    expect(fact(card, "Payload")).toBe("inline JSON");
    expect(fact(card, "Row 0")).toMatch(/^label 0/);
  });

  it("sends an attached .json file", async () => {
    h.connector.files.set("one.json", patientPayload());
    const card = cardOf(
      only(await h.say(USERS.operator, "invoke diabetes-prod", { attachments: [teamsFile(h, "one.json")] })),
    );
    expect(fact(card, "Payload")).toBe("file one.json");
    expect(cardText(card)).toContain("200 OK");
  });

  it("reaches a deployment that takes no traffic, without moving traffic", async () => {
    // borderline: diabetes:1 (blue) says 0, diabetes:2 (green) says 1.
    const byTraffic = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod sample borderline")));
    expect(fact(byTraffic, "Row 0")).toMatch(/^label 0/);
    const green = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod green sample borderline")));
    expect(fact(green, "Answered by")).toBe("green (targeted)");
    expect(fact(green, "Row 0")).toMatch(/^label 1/);
    const show = cardOf(only(await h.say(USERS.viewer, "show diabetes-prod")));
    expect(fact(show, "Traffic")).toBe("blue 100%");
  });

  it("shows the faulty model's 424 and its error", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "invoke diabetes-prod faulty sample many-pregnancies")));
    const text = cardText(card);
    expect(text).toContain("424 Model error");
    expect(fact(card, "Answered by")).toBe("faulty (targeted)");
    expect(factsOf(card).some((f) => f.title === "Row 0")).toBe(false);
    // The model's message, as text a person reads (not a JSON string with escaped quotes).
    expect(text.toLowerCase()).toMatch(/pregnanc/);
    expect(text).not.toContain('\\"');
    expect(text).not.toMatch(/^\{"message"/m);
    // The audit log says the call failed, with its status.
    expect(await lastAudit(h)).toMatchObject({
      action: "invoke",
      outcome: "http_424",
      detail: "deployment faulty, sample many-pregnancies, status 424",
    });
  });
});

describe("logs, whoami, audit", () => {
  it("shows at most the requested tail of a deployment's log, with real lines", async () => {
    await h.say(USERS.operator, "invoke diabetes-prod blue sample high-risk");
    const card = cardOf(only(await h.say(USERS.operator, "logs diabetes-prod blue tail 5")));
    const text = cardText(card);
    expect(text).toContain("Logs · diabetes-prod / blue");
    const run = text.split("\n").find((l) => l.includes("Scoring request"));
    expect(run, "the log mentions the scoring requests").toBeDefined();
    const block = (card.body as { type: string; inlines?: { text: string }[] }[]).find(
      (b) => b.type === "RichTextBlock",
    );
    const lines = (block?.inlines?.[0]?.text ?? "").split("\n").filter(Boolean);
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.length).toBeLessThanOrEqual(5);
    expect(lines.every((l) => /^\d{4}-\d{2}-\d{2}T/.test(l))).toBe(true);
  });

  it("tells an operator their roles", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "whoami")));
    expect(fact(card, "Roles")).toBe("operator");
    expect(fact(card, "Entra object id")).toBe(USERS.operator.aadObjectId);
  });

  it("finds Adele, listed by UPN only, through the Teams roster", async () => {
    const card = cardOf(only(await h.say(USERS.admin, "whoami")));
    expect(fact(card, "Roles")).toBe("operator, approver, admin");
    expect(fact(card, "UPN")).toBe(USERS.admin.userPrincipalName);
  });

  it("tells an unknown user they have the default roles", async () => {
    const text = readReply(only(await h.say(USERS.unknown, "whoami")));
    expect(text).toContain("Roles: viewer");
    expect(text).toContain("You are not in GreenLight's roles file");
  });

  it("shows the latest audit entries for an endpoint", async () => {
    await h.say(USERS.operator, "show diabetes-prod");
    const text = readReply(only(await h.say(USERS.viewer, "audit diabetes-prod")));
    expect(text).toContain("Audit · diabetes-prod");
    expect(text).toContain("**Alex Wilber** · show diabetes-prod → ok");
    expect(text).toContain("**Alex Wilber** · invoke diabetes-prod → ok");
  });
});

describe("card actions", () => {
  /** The card an invoke answer puts in place of the clicked one. */
  const answerCard = (body: unknown): Record<string, unknown> => {
    const answer = body as { statusCode: number; type: string; value: Record<string, unknown> };
    expect(answer).toMatchObject({ statusCode: 200, type: "application/vnd.microsoft.card.adaptive" });
    return answer.value;
  };
  /** The value an Input.ChoiceSet shows as picked. */
  const picked = (card: Record<string, unknown>, id: string): unknown => {
    let value: unknown;
    JSON.stringify(card, (key, v: unknown) => {
      if (v && typeof v === "object" && (v as { id?: unknown }).id === id) value = (v as { value?: unknown }).value;
      return v;
    });
    return value;
  };
  /**
   * What an Input.ChoiceSet's dropdown shows: the title of the choice its value picks. A value of "" shows as a blank
   * in Teams and the Agents Playground, even when a choice has that value.
   */
  const shown = (card: Record<string, unknown>, id: string): string => {
    let found: unknown;
    JSON.stringify(card, (_key, v: unknown) => {
      if (v && typeof v === "object" && (v as { id?: unknown }).id === id) found = v;
      return v;
    });
    const input = found as { value?: string; choices?: { title: string; value: string }[] } | undefined;
    if (!input?.value) return "";
    return input.choices?.find((c) => c.value === input.value)?.title ?? "";
  };

  it("shows 'By traffic' in the Deployment dropdown until a deployment is picked, also on the redrawn card", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "show diabetes-prod")));
    expect(shown(card, "deployment")).toBe("By traffic (no header)");

    // The client sends the inputs as the card shows them.
    const data = { endpoint: "diabetes-prod", deployment: picked(card, "deployment"), sample: picked(card, "sample") };
    const invoked = answerCard((await h.click(USERS.operator, "invoke", data)).invoke.body);
    expect(fact(invoked, "Answered by")).toBe("blue (by traffic)");
    expect(shown(invoked, "deployment")).toBe("By traffic (no header)");
    const refreshed = answerCard((await h.click(USERS.operator, "show", data)).invoke.body);
    expect(shown(refreshed, "deployment")).toBe("By traffic (no header)");

    const logs = answerCard((await h.click(USERS.operator, "logs", data)).invoke.body);
    expect(cardText(logs)).toContain("Pick a deployment on the card");
  });

  it("still reads an empty Deployment as by traffic (cards posted before the choice had a value)", async () => {
    const card = answerCard(
      (
        await h.click(USERS.operator, "invoke", {
          endpoint: "diabetes-prod",
          deployment: "",
          sample: "typical-patient",
        })
      ).invoke.body,
    );
    expect(fact(card, "Answered by")).toBe("blue (by traffic)");
    expect(shown(card, "deployment")).toBe("By traffic (no header)");
  });

  it("answers Invoke on the details card itself, with the result and the inputs as they were", async () => {
    const { invoke, sent } = await h.click(USERS.operator, "invoke", {
      endpoint: "diabetes-prod",
      deployment: "green",
      sample: "borderline",
    });
    expect(invoke.status).toBe(200);
    const card = answerCard(invoke.body);
    expect(cardText(card)).toContain("Invoke · 200 OK");
    expect(fact(card, "Answered by")).toBe("green (targeted)");
    expect(fact(card, "Payload")).toBe("sample borderline");
    expect(picked(card, "deployment")).toBe("green");
    expect(picked(card, "sample")).toBe("borderline");
    expect(buttonsOf(card).map((b) => b.title)).toEqual(["Invoke", "Logs", "Refresh"]);
    // Nothing new is posted in a personal chat: the clicked card is the answer.
    expect(sent).toEqual([]);
    expect(await lastAudit(h)).toMatchObject({ action: "card:invoke", target: "diabetes-prod", outcome: "ok" });
  });

  it("keeps the picked deployment, so Logs after Invoke reads that deployment's log", async () => {
    const first = answerCard(
      (
        await h.click(USERS.operator, "invoke", {
          endpoint: "diabetes-prod",
          deployment: "green",
          sample: "borderline",
        })
      ).invoke.body,
    );
    // The client sends the inputs as the card shows them.
    const logs = answerCard(
      (
        await h.click(USERS.operator, "logs", {
          endpoint: "diabetes-prod",
          deployment: picked(first, "deployment"),
          sample: picked(first, "sample"),
        })
      ).invoke.body,
    );
    expect(cardText(logs)).toContain("Logs · green");
    expect(cardText(logs)).not.toContain("No deployment was picked");
    expect(picked(logs, "deployment")).toBe("green");
  });

  it("answers Refresh (show) with the endpoint's card in place of the clicked one", async () => {
    const { invoke, sent } = await h.click(USERS.viewer, "show", { endpoint: "diabetes-prod" });
    expect(invoke.status).toBe(200);
    expect(fact(answerCard(invoke.body), "Traffic")).toBe("blue 100%");
    expect(sent).toEqual([]);
    expect(await lastAudit(h)).toMatchObject({ action: "card:show", outcome: "ok", actor: { id: USERS.viewer.id } });
  });

  it("asks for a deployment when Logs is clicked with none picked, on the same card", async () => {
    const card = answerCard(
      (await h.click(USERS.operator, "logs", { endpoint: "diabetes-prod", deployment: "" })).invoke.body,
    );
    expect(cardText(card)).toContain("Pick a deployment on the card");
    expect(fact(card, "Traffic")).toBe("blue 100%");
  });

  it("updates the clicked card for everyone in a channel", async () => {
    const { invoke, sent } = await h.click(
      USERS.operator,
      "logs",
      { endpoint: "diabetes-prod", deployment: "blue" },
      { channel: true },
    );
    expect(cardText(answerCard(invoke.body))).toContain("Logs · blue");
    const update = only(sent);
    expect(update.kind).toBe("update");
    expect(update.activity.id).toBe(h.lastCardId);
    expect(readReply(update)).toContain("Logs · blue");
  });
});

describe("how people type", () => {
  it("answers an @mention in a channel, in the channel", async () => {
    const sent = await h.say(USERS.viewer, "show diabetes-prod", { channel: true });
    const reply = only(sent);
    expect(reply.conversationId).toContain("channel-releases-0001;messageid=");
    expect(fact(cardOf(reply), "Traffic")).toBe("blue 100%");
  });

  it("reads Teams HTML with &nbsp;", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "<p>endpoints&nbsp;diabetes</p>")));
    expect(text).toContain("Matching 'diabetes' · 1 endpoint(s)");
  });

  it("reads words and JSON in Markdown inline code", async () => {
    expect(fact(cardOf(only(await h.say(USERS.viewer, "show `diabetes-prod`"))), "Traffic")).toBe("blue 100%");
    const card = cardOf(only(await h.say(USERS.operator, `invoke diabetes-prod \`${patientPayload()}\``)));
    expect(fact(card, "Payload")).toBe("inline JSON");
  });

  it("ignores extra spaces and upper case", async () => {
    expect(readReply(only(await h.say(USERS.viewer, "   endpoints     diabetes   ")))).toContain(
      "Matching 'diabetes' · 1 endpoint(s)",
    );
    expect(readReply(only(await h.say(USERS.viewer, "ENDPOINTS")))).toContain("12 endpoint(s)");
  });

  it("suggests the command meant by a typo", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "endpoint")));
    expect(text).toContain("I don't know the command 'endpoint'. Did you mean `endpoints`?");
  });

  it("suggests the endpoint meant by a typo", async () => {
    const text = readReply(only(await h.say(USERS.viewer, "show diabetes-prd")));
    expect(text).toContain("There is no endpoint named 'diabetes-prd'. Did you mean 'diabetes-prod'?");
  });
});

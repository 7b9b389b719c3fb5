// What an attacker can reach at the Teams edge: attachment downloads, Markdown in shared cards, oversized and
// malformed input, and identities that are not what they claim. Each case failed before its fix.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardOf, personalMessage } from "../support/bot-harness.js";
import { activeMarkup, renderedCardHtml } from "../support/card-markdown.js";
import {
  auditCount,
  cardText,
  lastAudit,
  looksLikeStackTrace,
  only,
  patientPayload,
  readReply,
  teamsFile,
} from "../support/bot-fixtures.js";
import type { Member } from "../support/connector-server.js";

let h: BotHarness;
/** Another server on this machine: what a forged attachment URL or a redirect would point at. */
let elsewhere: Server;
let elsewhereUrl: string;
const elsewhereHits: string[] = [];

beforeAll(async () => {
  h = await BotHarness.start();
  elsewhere = createServer((req, res) => {
    elsewhereHits.push(req.url ?? "");
    res.writeHead(200, { "content-type": "application/json" });
    res.end(patientPayload());
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", () => resolve()));
  elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await h?.close();
  await new Promise<void>((resolve) => elsewhere?.close(() => resolve()));
});

const attachment = (url: string, name = "payload.json"): unknown => ({
  contentType: "application/json",
  name,
  contentUrl: url,
});

describe("attachments", () => {
  it("downloads nothing for a command that takes no payload", async () => {
    h.connector.files.set("probe.json", patientPayload());
    const before = h.connector.fileRequests.length;
    await h.say(USERS.viewer, "endpoints", { attachments: [teamsFile(h, "probe.json")] });
    await h.say(USERS.operator, "whoami", { attachments: [teamsFile(h, "probe.json")] });
    await h.say(USERS.operator, "frobnicate", { attachments: [teamsFile(h, "probe.json")] });
    expect(h.connector.fileRequests.length).toBe(before);
  });

  it("downloads nothing for someone the policy refuses", async () => {
    h.connector.files.set("probe.json", patientPayload());
    const before = h.connector.fileRequests.length;
    const reply = readReply(
      only(await h.say(USERS.viewer, "invoke diabetes-prod", { attachments: [teamsFile(h, "probe.json")] })),
    );
    expect(reply).toContain("You need the operator or admin role");
    expect(h.connector.fileRequests.length).toBe(before);
  });

  it("fetches nothing from a host Teams does not serve files from", async () => {
    const reply = readReply(
      only(
        await h.say(USERS.operator, "invoke diabetes-prod", { attachments: [attachment(`${elsewhereUrl}/x.json`)] }),
      ),
    );
    expect(reply).toContain("GreenLight downloads only files that Teams stores");
    expect(elsewhereHits).toEqual([]);
    expect(await lastAudit(h)).toMatchObject({ action: "invoke", outcome: "attachment_unreadable" });
  });

  it("does not follow a redirect to another host", async () => {
    // The connector (an allowed origin in local mode) redirects the download elsewhere.
    h.connector.redirects.set("moved.json", `${elsewhereUrl}/stolen.json`);
    const reply = readReply(
      only(await h.say(USERS.operator, "invoke diabetes-prod", { attachments: [teamsFile(h, "moved.json")] })),
    );
    expect(reply).toContain("redirected to a host GreenLight does not download from");
    expect(elsewhereHits).toEqual([]);
  });

  it("never echoes the body of a file that is not JSON", async () => {
    h.connector.files.set("secret.json", "internal-secret-4711 and more text that is not JSON");
    const reply = readReply(
      only(await h.say(USERS.operator, "invoke diabetes-prod", { attachments: [teamsFile(h, "secret.json")] })),
    );
    expect(reply).toContain("That payload is not valid JSON");
    expect(reply).not.toContain("internal-secret");
    expect(reply).not.toContain("more text");
  });
});

describe("Markdown in shared cards", () => {
  it("shows a command argument in the audit card as text, not as a link", async () => {
    // A filter is free text, so it reaches the audit row as typed.
    await h.say(USERS.viewer, "endpoints [Approve rollout](https://evil.example/approve)");
    await h.say(USERS.viewer, "endpoints <img src=x onerror=alert(1)> https://evil.example/x");
    const card = cardOf(only(await h.say(USERS.approver, "audit")));
    expect(activeMarkup(card)).toEqual([]);
    expect(renderedCardHtml(card)).not.toContain("href");
    expect(cardText(card)).toContain("[Approve rollout](https://evil.example/approve)");
  });

  it("shows a display name and an attachment's name as text", async () => {
    const mallory: Member = {
      id: "user-mallory",
      name: "**Megan Bowen** [approved](https://evil.example)",
      aadObjectId: "8f6c4a52-0b1e-4c3d-9a7e-1a2b3c4d5e99",
    };
    h.connector.members.set(mallory.id, mallory);
    expect(activeMarkup(cardOf(only(await h.say(mallory, "whoami"))))).toEqual([]);

    const name = "[click me](https://evil.example).json";
    h.connector.files.set(name, patientPayload());
    await h.say(USERS.operator, "sample add diabetes-prod linked", { attachments: [teamsFile(h, name)] });
    const samples = cardOf(only(await h.say(USERS.viewer, "samples diabetes-prod")));
    expect(activeMarkup(samples)).toEqual([]);
    expect(cardText(samples)).toContain("From [click me](https://evil.example).json");
  });

  it("shows the help card's <placeholders> instead of dropping them as HTML", async () => {
    const card = cardOf(only(await h.say(USERS.operator, "help")));
    expect(activeMarkup(card)).toEqual([]);
    expect(renderedCardHtml(card)).toContain("show &lt;endpoint&gt;");
    const samples = cardOf(only(await h.say(USERS.viewer, "samples diabetes-prod")));
    expect(renderedCardHtml(samples)).toContain("sample &lt;name&gt;");
  });

  it("keeps an error that quotes the user free of their Markdown", async () => {
    const card = cardOf(only(await h.say(USERS.viewer, "show ![x](https://evil.example/p.png)")));
    expect(activeMarkup(card)).toEqual([]);
  });
});

describe("size limits", () => {
  it("keeps the shared audit card working after a 25 KB argument", async () => {
    await h.say(USERS.viewer, `endpoints ${"A".repeat(25 * 1024)}`);
    const audit = only(await h.say(USERS.viewer, "audit"));
    expect(readReply(audit)).not.toContain("too large for a Teams card");
    expect(Buffer.byteLength(JSON.stringify(cardOf(audit)))).toBeLessThan(28 * 1024);
  });

  it("refuses a message over Teams' size before reading it, and says how to send a big payload", async () => {
    const text = readReply(only(await h.say(USERS.operator, `invoke diabetes-prod <pre>${"{".repeat(200_000)}`)));
    expect(text).toMatch(/That message is \d+ K characters long; GreenLight reads at most 28 K\./);
    expect(text).toContain("attach a .json file");
    expect(await lastAudit(h)).toMatchObject({ action: "unparsed", outcome: "message_too_long" });
  });
});

describe("malformed activities", () => {
  const malformed: [string, (a: Record<string, unknown>) => void][] = [
    ["text is a number", (a) => (a.text = 42)],
    ["from is null", (a) => (a.from = null)],
    ["from has no id", (a) => (a.from = {})],
    ["attachments is not an array", (a) => (a.attachments = { contentUrl: "x" })],
    ["conversation is null", (a) => (a.conversation = null)],
    ["type is missing", (a) => delete a.type],
    ["serviceUrl is not a URL", (a) => (a.serviceUrl = "not a url")],
    ["the name is 100 KB", (a) => (a.from = { id: "user-x", name: "n".repeat(100_000) })],
  ];

  it.each(malformed)("answers 400 when %s, and keeps serving", async (_, spoil) => {
    const activity = personalMessage(h.connector.url, USERS.operator, "whoami");
    spoil(activity);
    const sentBefore = h.connector.sent.length;
    const auditBefore = await auditCount(h);
    const answer = await h.post(activity);
    expect(answer.status).toBe(400);
    expect(JSON.stringify(answer.body)).toContain("Malformed activity");
    expect(looksLikeStackTrace(JSON.stringify(answer.body))).toBe(false);
    expect(h.connector.sent.length).toBe(sentBefore);
    expect(await auditCount(h)).toBe(auditBefore);
    expect(readReply(only(await h.say(USERS.operator, "whoami")))).toContain("operator");
  });
});

describe("who is calling", () => {
  it("does not take an object id that is really someone's UPN as that person", async () => {
    const forger: Member = { id: "user-forger", name: "Not Adele", aadObjectId: USERS.admin.userPrincipalName };
    h.connector.members.set(forger.id, { id: forger.id, name: forger.name });
    const card = cardOf(only(await h.say(forger, "whoami")));
    expect(cardText(card)).toContain("Roles: viewer");
    expect(readReply(only(await h.say(forger, "invoke diabetes-prod sample typical-patient")))).toContain(
      "You need the operator or admin role",
    );
  });

  it("shows each demo user's UPN from the Teams roster", async () => {
    expect(cardText(cardOf(only(await h.say(USERS.operator, "whoami"))))).toContain(
      `UPN: ${USERS.operator.userPrincipalName}`,
    );
  });
});

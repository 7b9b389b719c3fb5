// Bot Framework auth as deployed (infra/: MicrosoftAppType=UserAssignedMSI on App Service), offline: the channel's
// signing keys come from a local OpenID metadata server and the bot's own tokens from a local managed identity
// endpoint, both read by botbuilder's and @azure/identity's own code.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardAction, channelMessage, personalMessage } from "../support/bot-harness.js";
import { auditCount, lastAudit, only, readReply } from "../support/bot-fixtures.js";
import type { SentActivity } from "../support/connector-server.js";
import {
  EMULATOR_ISSUER,
  EMULATOR_METADATA_URL,
  FakeBotFrameworkLogin,
  untrustedKey,
} from "../support/fake-botframework-login.js";
import { FakeManagedIdentity } from "../support/fake-managed-identity.js";

const APP_ID = "3f1e5c2a-7b4d-4e8f-9a1b-2c3d4e5f6a7b";
const APP_TENANT = "7d3c2b1a-0000-4000-8000-000000000001";
/** What a refusal's body must never show: token checks' reasons, fetch errors, hosts, stacks. */
const INTERNALS =
  /fetch|ENOTFOUND|ECONNREFUSED|getaddrinfo|127\.0\.0\.1|login\.|openid|well-known|signature|jwt|issuer|audience|\n\s+at /i;

describe("Bot Framework auth with MicrosoftAppId set (a user-assigned managed identity, as infra/ deploys)", () => {
  let h: BotHarness;
  const login = new FakeBotFrameworkLogin();
  const identity = new FakeManagedIdentity(APP_ID);

  beforeAll(async () => {
    await login.install();
    // Before the bot starts: @azure/identity reads App Service's variables when the credential is built.
    await identity.install();
    h = await BotHarness.start({
      env: { MicrosoftAppId: APP_ID, MicrosoftAppType: "UserAssignedMSI", MicrosoftAppTenantId: APP_TENANT },
    });
  });
  afterAll(async () => {
    await h?.close();
    await identity.uninstall();
    await login.uninstall();
  });

  /** POSTs `activity` with `authorization`, checks the bot did nothing with it, and returns the answer's body. */
  async function expectRejected(
    activity: Record<string, unknown>,
    authorization: string | undefined,
    status: 401 | 503 = 401,
  ): Promise<string> {
    const sentBefore = h.connector.sent.length;
    const auditBefore = await auditCount(h);
    const answer = await h.post(activity, authorization ? { authorization } : {});
    await h.app.bot.idle();
    const body = typeof answer.body === "string" ? answer.body : JSON.stringify(answer.body);
    expect(answer.status, body).toBe(status);
    expect(body, "no internal detail in the answer").not.toMatch(INTERNALS);
    expect(h.connector.sent.length, "nothing reached the connector").toBe(sentBefore);
    expect(await auditCount(h), "no audit row").toBe(auditBefore);
    const conversation = (activity.conversation as { id: string }).id;
    // The activity id was never recorded as processed: marking it now succeeds (it would be refused if seen).
    expect(await h.store.records.markActivityProcessed(`${conversation}|${String(activity.id)}`, new Date())).toBe(
      true,
    );
    return body;
  }

  /** POSTs `activity` with a genuine channel token and returns what reached its conversation once the bot is idle. */
  async function postSigned(activity: Record<string, unknown>): Promise<{ status: number; sent: SentActivity[] }> {
    const token = login.token({ appId: APP_ID, serviceUrl: h.connector.url });
    const from = h.connector.sent.length;
    const answer = await h.post(activity, { authorization: `Bearer ${token}` });
    await h.app.bot.idle();
    const conversation = (activity.conversation as { id: string }).id;
    return {
      status: answer.status,
      sent: h.connector.sent.slice(from).filter((s) => s.conversationId === conversation),
    };
  }

  it("refuses a message without an Authorization header", async () => {
    await expectRejected(
      personalMessage(h.connector.url, USERS.operator, "invoke diabetes-prod sample typical-patient"),
      undefined,
    );
  });

  it("refuses a card action without an Authorization header", async () => {
    await expectRejected(
      cardAction(h.connector.url, USERS.operator, "invoke", { endpoint: "diabetes-prod", sample: "typical-patient" }),
      undefined,
    );
  });

  it("refuses a token signed with a key the Bot Framework never published", async () => {
    const token = login.token({
      appId: APP_ID,
      serviceUrl: h.connector.url,
      kid: "not-a-published-kid",
      signWith: untrustedKey(),
    });
    await expectRejected(personalMessage(h.connector.url, USERS.operator, "help"), `Bearer ${token}`);
  });

  it("refuses a token that reuses a published key id but carries a forged signature", async () => {
    const token = login.token({ appId: APP_ID, serviceUrl: h.connector.url, signWith: untrustedKey() });
    await expectRejected(personalMessage(h.connector.url, USERS.operator, "help"), `Bearer ${token}`);
  });

  it("refuses a token from an issuer the Bot Framework does not use", async () => {
    const token = login.token({ appId: APP_ID, serviceUrl: h.connector.url, issuer: "https://evil.example" });
    await expectRejected(personalMessage(h.connector.url, USERS.operator, "help"), `Bearer ${token}`);
  });

  it("refuses a genuine token issued to another bot", async () => {
    const token = login.token({ appId: "00000000-0000-0000-0000-0000000000ff", serviceUrl: h.connector.url });
    await expectRejected(personalMessage(h.connector.url, USERS.operator, "help"), `Bearer ${token}`);
  });

  it("answers 503, with no internal detail, a forged token whose issuer's signing keys cannot be reached", async () => {
    await login.cutOff(EMULATOR_METADATA_URL);
    const token = login.token({ appId: APP_ID, serviceUrl: h.connector.url, issuer: EMULATOR_ISSUER });

    const body = await expectRejected(personalMessage(h.connector.url, USERS.operator, "help"), `Bearer ${token}`, 503);

    expect(body).toContain("cannot check Bot Framework tokens right now");
    // The operator gets the reason in the log instead.
    const logged = h.logLines.filter((l) => l.includes("could not check a Bot Framework token"));
    expect(logged.at(-1)).toMatch(/"level":"error".*ECONNREFUSED/);
  });

  it("delivers the reply to a correctly signed message, with a token of the bot's managed identity", async () => {
    const { status, sent } = await postSigned(personalMessage(h.connector.url, USERS.viewer, "whoami"));

    expect(status).toBe(200);
    const reply = only(sent);
    expect(readReply(reply)).toContain(USERS.viewer.name);
    expect(readReply(reply)).toMatch(/Roles: viewer/);
    expect(reply.authorization).toBeDefined();
    expect(identity.issued.map((t) => `Bearer ${t}`)).toContain(reply.authorization);
    expect(identity.requests).toContainEqual(
      expect.objectContaining({ resource: "https://api.botframework.com", clientId: APP_ID }),
    );
    expect(await lastAudit(h)).toMatchObject({ action: "whoami", outcome: "ok", actor: { id: USERS.viewer.id } });
  });

  it("delivers a card click's answer to everyone in a channel, with a token of the bot's managed identity", async () => {
    // In a channel the answer reaches the others after the invoke, through a proactive turn (its own token request).
    const channel = channelMessage(h.connector.url, USERS.viewer, "");
    const click = {
      ...cardAction(h.connector.url, USERS.viewer, "show", { endpoint: "diabetes-prod" }),
      conversation: channel.conversation,
      channelData: channel.channelData,
      replyToId: "card-message-0001",
    };

    const { status, sent } = await postSigned(click);

    expect(status).toBe(200);
    const reply = only(sent);
    expect(readReply(reply)).toContain("diabetes-prod");
    expect(identity.issued.map((t) => `Bearer ${t}`)).toContain(reply.authorization);
  });
});

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, USERS, cardAction, personalMessage } from "../support/bot-harness.js";
import { auditCount } from "../support/bot-fixtures.js";
import { FakeBotFrameworkLogin, untrustedKey } from "../support/fake-botframework-login.js";

const APP_ID = "3f1e5c2a-7b4d-4e8f-9a1b-2c3d4e5f6a7b";

describe("Bot Framework auth with MicrosoftAppId set", () => {
  let h: BotHarness;
  const login = new FakeBotFrameworkLogin();

  beforeAll(async () => {
    await login.install();
    h = await BotHarness.start({ appId: APP_ID });
  });
  afterAll(async () => {
    await h?.close();
    await login.uninstall();
  });

  /** POSTs `activity` with `authorization` and checks the bot did nothing at all with it. */
  async function expectRejected(activity: Record<string, unknown>, authorization: string | undefined): Promise<void> {
    const sentBefore = h.connector.sent.length;
    const auditBefore = await auditCount(h);
    const answer = await h.post(activity, authorization ? { authorization } : {});
    await h.app.bot.bot.idle();
    expect(answer.status).toBe(401);
    expect(h.connector.sent.length, "nothing reached the connector").toBe(sentBefore);
    expect(await auditCount(h), "no audit row").toBe(auditBefore);
    const conversation = (activity.conversation as { id: string }).id;
    // The activity id was never recorded as processed: marking it now succeeds (it would be refused if seen).
    expect(await h.store.markActivityProcessed(`${conversation}|${String(activity.id)}`, new Date())).toBe(true);
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

  it("lets a correctly signed token through (so the refusals above are the token's fault)", async () => {
    const activity = personalMessage(h.connector.url, USERS.viewer, "whoami");
    const token = login.token({ appId: APP_ID, serviceUrl: h.connector.url });
    const answer = await h.post(activity, { authorization: `Bearer ${token}` });
    await h.app.bot.bot.idle();
    expect(answer.status).toBe(200);
    const [row] = await h.store.latestAudit({ limit: 1 });
    expect(row).toMatchObject({ action: "whoami", outcome: "ok", actor: { id: USERS.viewer.id } });
  });
});

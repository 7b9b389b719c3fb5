import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { BotHarness, personalMessage, USERS, visibleText } from "../support/bot-harness.js";
import { ConnectorServer } from "../support/connector-server.js";

const RELEASE_TENANT = "7d3c2b1a-0000-4000-8000-000000000002";
const OTHER_TENANT = "7d3c2b1a-0000-4000-8000-000000000003";

describe("the release channel", () => {
  let releases: ConnectorServer;
  let h: BotHarness;

  beforeAll(async () => {
    // The release channel lives in another tenant with its own connector, as the approver's Playground does.
    releases = await new ConnectorServer().start();
  });
  afterAll(async () => {
    await releases.close();
  });
  // A bot of its own per case: GreenLight may greet at most once in a while, so an earlier greeting must not be what
  // keeps a later case quiet.
  beforeEach(async () => {
    h = await BotHarness.start({
      env: {
        RELEASE_CHANNEL_ID: "channel-releases-0002",
        RELEASE_CHANNEL_SERVICE_URL: releases.url,
        RELEASE_CHANNEL_TENANT_ID: RELEASE_TENANT,
      },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  /** GreenLight being installed in a personal chat, as Teams tells the bot (the greeting is sent within that turn). */
  async function install(serviceUrl: string, tenantId: string): Promise<void> {
    const activity = {
      ...personalMessage(serviceUrl, USERS.approver, ""),
      type: "installationUpdate",
      action: "add",
      conversation: { id: `personal-chat-${tenantId.slice(-4)}`, conversationType: "personal", tenantId },
      channelData: { tenant: { id: tenantId } },
    };
    delete (activity as { text?: string }).text;
    expect((await h.post(activity)).status).toBe(200);
  }

  const greetings = (connector: ConnectorServer) => connector.sent.filter((s) => s.kind === "create");

  it("greets the release channel, through that tenant's own connector, when GreenLight is installed there", async () => {
    const before = greetings(releases).length;
    await install(releases.url, RELEASE_TENANT);

    const [created, ...more] = greetings(releases).slice(before);
    expect(more).toEqual([]);
    expect(created?.parameters).toMatchObject({
      isGroup: true,
      channelData: { channel: { id: "channel-releases-0002" }, tenant: { id: RELEASE_TENANT } },
    });
    expect(visibleText(created!)).toMatch(/GreenLight is online, managing the local workspace\. Approval requests/);
    expect(greetings(h.connector)).toHaveLength(0);
  });

  it("stays quiet when it is installed in another tenant that uses the same connector", async () => {
    const before = greetings(releases).length;
    await install(releases.url, OTHER_TENANT);

    expect(greetings(releases)).toHaveLength(before);
    expect(greetings(h.connector)).toHaveLength(0);
    // It could have greeted: installed in the release tenant right after, it does.
    await install(releases.url, RELEASE_TENANT);
    expect(greetings(releases)).toHaveLength(before + 1);
  });

  it("stays quiet when it is installed through another connector, even in the release channel's tenant", async () => {
    const before = greetings(releases).length;
    await install(h.connector.url, RELEASE_TENANT);

    expect(greetings(releases)).toHaveLength(before);
    expect(greetings(h.connector)).toHaveLength(0);
    await install(releases.url, RELEASE_TENANT);
    expect(greetings(releases)).toHaveLength(before + 1);
  });

  it("greets once when the Playground installs GreenLight twice on one page load", async () => {
    const before = greetings(releases).length;
    await install(releases.url, RELEASE_TENANT);
    await install(releases.url, RELEASE_TENANT);
    expect(greetings(releases)).toHaveLength(before + 1);
  });
});

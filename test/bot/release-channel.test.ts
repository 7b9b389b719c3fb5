import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BotHarness, personalMessage, USERS, visibleText } from "../support/bot-harness.js";
import { ConnectorServer } from "../support/connector-server.js";

describe("the release channel", () => {
  let releases: ConnectorServer;
  let h: BotHarness;

  beforeAll(async () => {
    // The release channel lives in another tenant with its own connector, as the approver's Playground does.
    releases = await new ConnectorServer().start();
    h = await BotHarness.start({
      env: {
        RELEASE_CHANNEL_ID: "channel-releases-0002",
        RELEASE_CHANNEL_SERVICE_URL: releases.url,
        RELEASE_CHANNEL_TENANT_ID: "7d3c2b1a-0000-4000-8000-000000000002",
      },
    });
  });
  afterAll(async () => {
    await h.close();
    await releases.close();
  });

  it("greets the release channel, through that tenant's own connector, when GreenLight is installed there", async () => {
    const install = {
      ...personalMessage(releases.url, USERS.approver, ""),
      type: "installationUpdate",
      action: "add",
      conversation: {
        id: "personal-chat-0002",
        conversationType: "personal",
        tenantId: "7d3c2b1a-0000-4000-8000-000000000002",
      },
    };
    delete (install as { text?: string }).text;
    expect((await h.post(install)).status).toBe(200);
    const [created] = await waitForCreate(releases);
    expect(created?.parameters).toMatchObject({
      isGroup: true,
      channelData: { channel: { id: "channel-releases-0002" }, tenant: { id: "7d3c2b1a-0000-4000-8000-000000000002" } },
    });
    expect(visibleText(created!)).toMatch(/GreenLight is online, managing the local workspace\. Approval requests/);
    expect(h.connector.sent.filter((s) => s.kind === "create")).toHaveLength(0);
  });

  it("stays quiet when it is installed in another tenant", async () => {
    const before = releases.sent.length;
    await h.post({
      ...personalMessage(h.connector.url, USERS.operator, ""),
      type: "installationUpdate",
      action: "add",
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(releases.sent.length).toBe(before);
    expect(h.connector.sent.filter((s) => s.kind === "create")).toHaveLength(0);
  });
});

async function waitForCreate(connector: ConnectorServer): Promise<ConnectorServer["sent"]> {
  for (let i = 0; i < 100; i++) {
    const created = connector.sent.filter((s) => s.kind === "create");
    if (created.length > 0) return created;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error("the bot posted nothing to the release channel");
}

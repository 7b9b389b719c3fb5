import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { Clock } from "../../src/ports/clock.js";
import { BotHarness, personalMessage, TENANT, USERS, visibleText } from "../support/bot-harness.js";
import { ConnectorServer } from "../support/connector-server.js";

const RELEASE_TENANT = "7d3c2b1a-0000-4000-8000-000000000002";
const OTHER_TENANT = "7d3c2b1a-0000-4000-8000-000000000003";
const RELEASES = "channel-releases-0002";

describe("the release channel", () => {
  let releases: ConnectorServer;
  let h: BotHarness;
  let now = Date.parse("2026-11-29T12:00:00Z");
  const clock: Clock = { now: () => new Date(now) };

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
      clock,
      env: {
        RELEASE_CHANNEL_ID: RELEASES,
        RELEASE_CHANNEL_SERVICE_URL: releases.url,
        RELEASE_CHANNEL_TENANT_ID: RELEASE_TENANT,
        // Both Playgrounds' tenants, as npm start serves them.
        ALLOWED_TENANT_IDS: `${TENANT},${RELEASE_TENANT}`,
      },
    });
  });
  afterEach(async () => {
    await h.close();
  });

  /**
   * GreenLight being installed in a conversation, as the Playground tells the bot the first time a page opens it: the
   * release channel, or the personal chat every page opens with (the greeting is sent within that turn).
   */
  async function install(serviceUrl: string, tenantId: string, where: "releases" | "personal chat"): Promise<void> {
    const conversation =
      where === "releases"
        ? { id: RELEASES, conversationType: "channel", isGroup: true, name: "Releases", tenantId }
        : { id: `personal-chat-${tenantId.slice(-4)}`, conversationType: "personal", tenantId };
    const activity = {
      ...personalMessage(serviceUrl, USERS.approver, ""),
      type: "installationUpdate",
      action: "add",
      conversation,
      channelData: {
        tenant: { id: tenantId },
        ...(where === "releases" ? { team: { id: "team-0002" }, channel: { id: RELEASES } } : {}),
      },
    };
    delete (activity as { text?: string }).text;
    expect((await h.post(activity)).status).toBe(200);
  }

  const greetings = (connector: ConnectorServer) => connector.sent.filter((s) => s.kind === "create");

  it("greets the release channel, through that tenant's own connector, when GreenLight is installed in it", async () => {
    const before = greetings(releases).length;
    await install(releases.url, RELEASE_TENANT, "releases");

    const [created, ...more] = greetings(releases).slice(before);
    expect(more).toEqual([]);
    expect(created?.parameters).toMatchObject({
      isGroup: true,
      channelData: { channel: { id: RELEASES }, tenant: { id: RELEASE_TENANT } },
    });
    expect(visibleText(created!)).toMatch(/GreenLight is online, managing the local workspace\. Approval requests/);
    expect(greetings(h.connector)).toHaveLength(0);
  });

  it("stays quiet when it is installed in another tenant that uses the same connector", async () => {
    const before = greetings(releases).length;
    await install(releases.url, OTHER_TENANT, "releases");

    expect(greetings(releases)).toHaveLength(before);
    expect(greetings(h.connector)).toHaveLength(0);
    // It could have greeted: installed in the release tenant right after, it does.
    await install(releases.url, RELEASE_TENANT, "releases");
    expect(greetings(releases)).toHaveLength(before + 1);
  });

  it("stays quiet when it is installed through another connector, even in the release channel's tenant", async () => {
    const before = greetings(releases).length;
    await install(h.connector.url, RELEASE_TENANT, "releases");

    expect(greetings(releases)).toHaveLength(before);
    expect(greetings(h.connector)).toHaveLength(0);
    await install(releases.url, RELEASE_TENANT, "releases");
    expect(greetings(releases)).toHaveLength(before + 1);
  });

  it("greets once when the Playground installs GreenLight in Releases twice in a row", async () => {
    const before = greetings(releases).length;
    await install(releases.url, RELEASE_TENANT, "releases");
    await install(releases.url, RELEASE_TENANT, "releases");
    expect(greetings(releases)).toHaveLength(before + 1);
  });

  it("greets once per page load: when Releases is first opened, not for the personal chat the page opens with", async () => {
    const before = greetings(releases).length;
    await install(releases.url, RELEASE_TENANT, "personal chat");
    expect(greetings(releases)).toHaveLength(before);
    // Whenever Releases is first opened on that page, the greeting arrives while it is on screen.
    now += 60_000;
    await install(releases.url, RELEASE_TENANT, "releases");
    expect(greetings(releases)).toHaveLength(before + 1);

    // A reload is a new page, which has not seen the greeting: it gets one when Releases is opened again.
    now += 60_000;
    await install(releases.url, RELEASE_TENANT, "personal chat");
    await install(releases.url, RELEASE_TENANT, "releases");
    expect(greetings(releases)).toHaveLength(before + 2);
  });
});

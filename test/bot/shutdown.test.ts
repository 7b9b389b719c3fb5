// SIGTERM to a bot process (PGlite, one instance) in the middle of a rollout step, as App Service stops an instance:
// it stops taking work at once (/readyz and /api/messages answer 503, /healthz still 200), finishes the Azure action in
// progress or gives the rollout back before starting one, and exits 0 well within SHUTDOWN_TIMEOUT_MS. The lease is
// given back, not left to run out: the next start on the same data takes the rollout up at once, though
// WORKER_LEASE_MS is ten minutes. A second SIGTERM exits at once.
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { createArmClient, localCredential } from "../../src/workspace/arm-client.js";
import { ArmWorkspace } from "../../src/workspace/arm-workspace.js";
import { WorkspaceAdmin } from "../support/bot-fixtures.js";
import { personalMessage, USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess } from "../support/bot-process.js";
import { BotProcessStage } from "../support/bot-process-stage.js";
import type { ConnectorServer } from "../support/connector-server.js";
import { startLocalWorkspace, type LocalWorkspace } from "../support/local-workspace.js";
import { answerText } from "../support/rollout-fixtures.js";
import { BLUE_ONLY, anEndpoint, cardShows, clickOnCard, STEPS } from "../support/rollout-process-fixtures.js";

const SHUTDOWN_TIMEOUT_MS = 20_000;
const ENV = { WORKER_LEASE_MS: String(10 * 60_000), SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS) };

describe("a bot process stopped with SIGTERM in the middle of a rollout step", { timeout: 120_000 }, () => {
  const endpoint = "stop-mid-step";
  let stage: BotProcessStage;
  let connector: ConnectorServer;
  let admin: WorkspaceAdmin;
  let bot: BotProcess;

  // The same data folder each time: a new start finds the rollout the last one left.
  const start = (): Promise<BotProcess> => stage.startBot("bot", ENV, "bot");
  /** The leases on the endpoint's active rollout, from that folder's PGlite database (only while no bot has it open). */
  const leasesOn = async (name: string) => {
    const db = await PgliteClient.open(join(stage.root, "bot", "pglite"));
    try {
      const { rows } = await db.query<{ lease_owner: string | null; lease_until: Date | null }>(
        "SELECT lease_owner, lease_until FROM rollouts WHERE lower(endpoint) = lower($1) AND active",
        [name],
      );
      return rows;
    } finally {
      await db.close();
    }
  };

  beforeAll(async () => {
    stage = await BotProcessStage.create("shutdown");
    ({ connector, admin } = stage);
    bot = await start();
  });
  afterAll(() => stage?.close());

  it("stops taking work at once, and exits 0 once the step's Azure action in progress has ended", async () => {
    await anEndpoint(admin, bot, endpoint);
    await bot.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await cardShows(connector, endpoint, "to approve step 1 of 3");
    // Every ARM call now takes 1.5 s: the step (a read of the endpoint, then the traffic change) takes several.
    await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 1500, count: 1000 });
    expect(answerText(await clickOnCard(bot, connector, endpoint, "Approve step 1"))).toContain("approved step 1");
    await sleep(2000);

    const signalled = performance.now();
    bot.signal("SIGTERM");
    const stopping = await waitFor(async () => {
      const answer = await bot.get("/readyz");
      return answer?.status === 503 ? answer : undefined;
    }, "/readyz to answer 503");
    expect(stopping.body).toEqual({ status: "stopping" });
    expect((await bot.post(personalMessage(connector.url, USERS.viewer, "whoami"))).status).toBe(503);
    expect((await bot.get("/healthz"))?.status).toBe(200);

    expect(await bot.ended()).toEqual({ code: 0, signal: null });
    expect(performance.now() - signalled).toBeLessThan(SHUTDOWN_TIMEOUT_MS);
    await admin.clearFaults();
    // Whether the traffic change had begun or not, it was made at most once.
    expect([[], [STEPS[0]]]).toContainEqual((await admin.trafficChanges(endpoint)).slice(2));
    expect(bot.problems().filter((l) => l.includes('"level":"error"'))).toEqual([]);
  });

  it("is taken up at once by the next start on the same data: the lease was given back, not left to run out", async () => {
    // What the stopped process left in its store: no one holds the rollout (else ten minutes would).
    expect(await leasesOn(endpoint)).toEqual([{ lease_owner: null, lease_until: null }]);

    bot = await start();
    await cardShows(connector, endpoint, "to approve step 2 of 3");
    expect(await admin.trafficChanges(endpoint)).toEqual([{}, BLUE_ONLY, STEPS[0]]);
  });

  // Last: it leaves the rollout leased for ten minutes.
  it("exits at once on a second SIGTERM, without waiting for the Azure action in progress", async () => {
    await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 10_000, count: 1000 });
    expect(answerText(await clickOnCard(bot, connector, endpoint, "Approve step 2"))).toContain("approved step 2");
    await sleep(1000);
    bot.signal("SIGTERM");
    await waitFor(async () => (await bot.get("/readyz"))?.status === 503, "/readyz to answer 503");
    const signalled = performance.now();
    bot.signal("SIGTERM");
    expect(await bot.ended()).toEqual({ code: 143, signal: null });
    expect(performance.now() - signalled).toBeLessThan(2000);
    await admin.clearFaults();
  });
});

// What makes giving back safe when an action is abandoned: once the instance has given its rollouts back, no call of
// its own may reach Azure behind the back of the instance that took over.
describe("the Azure calls of a stopping instance that abandons its actions", () => {
  let local: LocalWorkspace;
  let admin: WorkspaceAdmin;
  beforeAll(async () => {
    local = await startLocalWorkspace({ provisioningDelayMs: 0, retryAfterSeconds: 0 });
    admin = new WorkspaceAdmin({ emulator: local.emulator });
  });
  afterAll(async () => {
    admin?.close();
    await local?.close();
  });

  it("are cut short in flight, and no other is sent: a delete asked for after it changes nothing", async () => {
    const e = local.emulator;
    const stop = new AbortController();
    const client = createArmClient({
      subscriptionId: e.subscriptionId,
      credential: localCredential(),
      endpoint: e.armBaseUrl,
      caCertPem: e.caCertPem,
      stopSignal: stop.signal,
    });
    const ws = new ArmWorkspace({
      client,
      resourceGroup: e.resourceGroup,
      workspaceName: e.workspaceName,
      credential: localCredential(),
      invokeTimeoutMs: 5000,
      caCertPem: e.caCertPem,
    });
    try {
      const writes = await admin.writes("diabetes-prod");
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 10_000, count: 1 });
      const slow = ws.getEndpoint("diabetes-prod");
      await sleep(300);
      const aborted = performance.now();
      stop.abort();
      expect(await slow).toEqual({ ok: false, error: { code: "workspace_unreachable", detail: "no answer in time" } });
      expect(performance.now() - aborted).toBeLessThan(1000);

      expect(await ws.deleteEndpoint("diabetes-prod")).toMatchObject({
        ok: false,
        error: { code: "workspace_unreachable" },
      });
      expect(await admin.writes("diabetes-prod")).toEqual(writes);
      expect(await admin.trafficOf("diabetes-prod")).toEqual(BLUE_ONLY);
    } finally {
      ws.close();
    }
  });

  it("may be many at once without Node warning of a listener leak", async () => {
    const e = local.emulator;
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(`${w.name}: ${w.message}`);
    process.on("warning", onWarning);
    const client = createArmClient({
      subscriptionId: e.subscriptionId,
      credential: localCredential(),
      endpoint: e.armBaseUrl,
      caCertPem: e.caCertPem,
      stopSignal: new AbortController().signal,
    });
    const ws = new ArmWorkspace({
      client,
      resourceGroup: e.resourceGroup,
      workspaceName: e.workspaceName,
      credential: localCredential(),
      invokeTimeoutMs: 5000,
      caCertPem: e.caCertPem,
    });
    try {
      // Held by the emulator, so all 25 are in flight together (Node warns above 10 listeners on one signal).
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 300, count: 25 });
      const reads = await Promise.all(Array.from({ length: 25 }, () => ws.getEndpoint("diabetes-prod")));
      expect(reads.every((r) => r.ok)).toBe(true);
      // A warning is emitted on the next tick.
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.includes("MaxListenersExceeded"))).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      await admin.clearFaults();
      ws.close();
    }
  });
});

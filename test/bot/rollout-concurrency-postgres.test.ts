// Two bot processes on one PostgreSQL database (as behind a load balancer), both sent the same deploy and clicks at
// once: one rollout, one card, and each step's traffic changed exactly once, whichever process took a click or drove
// the rollout. With a short lease and a slow Azure, a step outlasts the lease: the process driving it keeps it, and a
// rollback stored meanwhile is not overtaken by the step. Skipped unless TEST_DATABASE_URL names a database the test
// may create and drop a schema in (`.ci/run` starts a throwaway server and sets it); the run gets a schema of its own.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/emulator.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { readReply, type WorkspaceAdmin } from "../support/bot-fixtures.js";
import { USERS } from "../support/bot-harness.js";
import { waitFor, type BotProcess, type ClickAnswer } from "../support/bot-process.js";
import type { ConnectorServer } from "../support/connector-server.js";
import { answerText } from "../support/rollout-fixtures.js";
import {
  accepted,
  BLUE_ONLY,
  anEndpoint,
  buttonOnView,
  cardShows,
  clickOnCard,
  expectFinishedOnce,
  STEPS,
} from "../support/rollout-process-fixtures.js";
import { SharedDatabase } from "../support/shared-database.js";

const databaseUrl = process.env["TEST_DATABASE_URL"];
/** Clicks per process per step. */
const CLICKS = 10;
/** Short, so a step can take longer than a lease: a process must keep the rollout while it drives it. */
const LEASE_MS = "2000";

describe.runIf(databaseUrl)("two bot processes on one PostgreSQL (TEST_DATABASE_URL set)", { timeout: 120_000 }, () => {
  let shared: SharedDatabase;
  let emulator: RunningEmulator;
  let connector: ConnectorServer;
  let admin: WorkspaceAdmin;
  let bots: [BotProcess, BotProcess];
  let store: GreenLightStore;

  beforeAll(async () => {
    shared = await SharedDatabase.create("two-bots", databaseUrl);
    ({ emulator, connector, admin, store } = shared);
    // Both migrate the new schema at once as they start. A smoke test's answers may take a while (see "a smoke test
    // that takes longer than a lease").
    const start = (name: string): Promise<BotProcess> =>
      shared.startBot(`bot ${name}`, { WORKER_LEASE_MS: LEASE_MS, INVOKE_TIMEOUT_MS: "15000" });
    bots = await Promise.all([start("A"), start("B")]);
  });
  afterAll(() => shared?.close());

  describe("both sent the same deploy and clicks", () => {
    const endpoint = "two-processes";

    /** The same button of the card as it is now, clicked CLICKS times on each process at once. */
    /** The same button of the approver's view, clicked CLICKS times on each process at once. */
    async function clickEverywhere(title: string): Promise<string[]> {
      const { post, button } = await buttonOnView(bots[0], connector, endpoint, title);
      const answers = await Promise.all(
        bots.flatMap((bot) =>
          Array.from({ length: CLICKS }, (): Promise<ClickAnswer> =>
            bot.click(post, USERS.approver, button.verb, button.data),
          ),
        ),
      );
      return answers.map(answerText);
    }

    it("start one rollout when both are asked to deploy at once", async () => {
      const [a, b] = bots;
      await anEndpoint(admin, a, endpoint);
      const replies = await Promise.all(
        [a, b].map(async (bot) => (await bot.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`)).map(readReply)),
      );
      const texts = replies.flat();
      expect(texts.filter((t) => t.includes(`Started the rollout of diabetes:2 to ${endpoint}`))).toHaveLength(1);
      expect(texts.filter((t) => t.includes(`${endpoint} already has a rollout under way`))).toHaveLength(1);
      await cardShows(connector, endpoint, "to approve step 1 of 3");
    });

    it("apply each step once however many clicks reach either process", async () => {
      for (const [i, traffic] of STEPS.entries()) {
        const step = i + 1;
        const texts = await clickEverywhere(`Approve step ${step}`);
        expect(texts.filter((t) => accepted(t, `approved step ${step}`))).toHaveLength(1);
        expect(texts.filter((t) => t.includes("Nothing changed: that card is out of date"))).toHaveLength(
          2 * CLICKS - 1,
        );
        await cardShows(
          connector,
          endpoint,
          step < STEPS.length ? `to approve step ${step + 1} of 3` : "All traffic on green",
        );
        expect(await admin.trafficOf(endpoint)).toEqual(traffic);
      }
      const retire = await clickEverywhere("Retire blue");
      expect(retire.filter((t) => accepted(t, "retiring blue"))).toHaveLength(1);
      await cardShows(connector, endpoint, "Completed");

      await expectFinishedOnce(admin, connector, endpoint);
      const audit = await store.records.latestAudit({ target: endpoint, limit: 500 });
      const byPeople = (action: string): string[] =>
        audit.filter((a) => a.action === action && a.actor.id !== "greenlight").map((a) => a.actor.name);
      expect(byPeople("rollout.request")).toEqual(["Alex Wilber"]);
      expect(byPeople("rollout.approve")).toHaveLength(3);
      expect(byPeople("rollout.retire")).toHaveLength(1);
      expect(audit.filter((a) => a.action === "rollout.shift")).toHaveLength(3);
      for (const bot of bots)
        expect(
          bot.problems().filter((l) => l.includes('"level":"error"')),
          bot.name,
        ).toEqual([]);
    });
  });

  describe("a smoke test that takes longer than a lease", () => {
    const endpoint = "slow-smoke";

    it("is run once, by the process that took it: the other does not take the rollout over meanwhile", async () => {
      const [a] = bots;
      await anEndpoint(admin, a, endpoint);
      // green answers after twice the lease: the smoke test outlasts the lease of the process running it.
      await admin.injectFault({ kind: "scoringDelay", endpoint, deployment: "green", delayMs: 2 * Number(LEASE_MS) });
      await a.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      const shown = await cardShows(connector, endpoint, "to approve step 1 of 3");
      await admin.clearFaults();
      expect(shown).toContain("1 of 1 samples passed on green");
      // One sample: one request to each deployment, not one per process.
      const metrics = emulator.scoring.metrics(endpoint);
      expect([metrics.green?.requests, metrics.blue?.requests]).toEqual([1, 1]);
    });
  });

  describe("a rollback while a process takes an approved step, Azure answering slowly", () => {
    const endpoint = "slow-rollback";

    // Last: it stops both processes.
    it("wins: the step is never applied, and the traffic is what the card says, though the step outlasted a lease", async () => {
      const [a, b] = bots;
      await anEndpoint(admin, a, endpoint);
      await a.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
      await cardShows(connector, endpoint, "to approve step 1 of 3");

      // Every ARM call takes a second: reading the endpoint, then changing its traffic, outlasts the lease.
      await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 1000, count: 1000 });
      expect(answerText(await clickOnCard(a, connector, endpoint, "Approve step 1"))).toContain("approved step 1");
      // One of them has taken the step and is reading Azure; the operator rolls back on the other in the meantime.
      await waitFor(() => leaseOf(endpoint), "a process to take the approved step");
      const rolledBack = (await b.say(USERS.operator, `rollback ${endpoint}`)).map(readReply).join("\n");
      expect(rolledBack).toContain(`Rolling back ${endpoint}: putting back blue 100`);

      const shown = await cardShows(connector, endpoint, "Rolled back: starting traffic restored");
      expect(shown).toContain("Traffic now: blue 100");
      // A graceful stop waits for each process's round in progress: after it, no bot changes the traffic.
      await Promise.all(bots.map((bot) => bot.stop()));
      await admin.clearFaults();
      expect(await admin.trafficOf(endpoint)).toEqual(BLUE_ONLY);
      // The process that took the step saw the rollback before it changed anything.
      expect((await admin.trafficChanges(endpoint)).slice(2)).toEqual([]);
    });
  });

  /** The process holding the endpoint's active rollout's lease, if one does (read from the database). */
  async function leaseOf(endpoint: string): Promise<string | undefined> {
    const [row] = await shared.query<{ lease_owner: string | null }>(
      "SELECT lease_owner FROM rollouts WHERE lower(endpoint) = lower($1) AND active AND phase = 'shifting'",
      [endpoint],
    );
    return row?.lease_owner ?? undefined;
  }
});

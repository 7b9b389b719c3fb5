// Many clicks on one approval at once, over the bot's real HTTP path: the compare-and-set on the stored rollout lets
// exactly one through; and a rollback stored while the worker takes an approved step is not overtaken by the step.
// Counted where a user or operator would look: the click answers, the traffic changes the workspace accepted (the
// emulator's write log), the traffic read back, and the audit rows.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Rollout, RolloutStore } from "../../src/ports/rollouts.js";
import type { GreenLightStore } from "../../src/store/open-store.js";
import { BotHarness, USERS } from "../support/bot-harness.js";
import { WorkspaceAdmin, buttonsOf, only, readReply } from "../support/bot-fixtures.js";
import {
  anEndpoint,
  answerText,
  cardMessages,
  clickWith,
  settle,
  startRolloutHarness,
  viewOfCard,
  waitForRollout,
} from "../support/rollout-fixtures.js";

const CLICKS = 50;

/**
 * Once armed, holds reads of a rollout until `readers` of them wait, then lets them all go: every click reads the same
 * version before any of them writes, so only the compare-and-set can keep a second one from applying the step.
 */
class ReadBarrier {
  private waiting: (() => void)[] = [];
  private readers = 0;

  arm(readers: number): void {
    this.readers = readers;
  }

  wrap(store: GreenLightStore): GreenLightStore {
    const rollouts = new Proxy(store.rollouts, {
      get: (target, key, receiver) => {
        const value: unknown = Reflect.get(target, key, receiver);
        if (typeof value !== "function") return value;
        const method = value as (...args: unknown[]) => unknown;
        if (key !== "get") return method.bind(target);
        return async (...args: unknown[]) => {
          await this.pass();
          return method.apply(target, args);
        };
      },
    });
    return { ...store, rollouts };
  }

  private pass(): Promise<void> {
    if (this.readers === 0) return Promise.resolve();
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      if (this.waiting.length < this.readers) return;
      this.readers = 0;
      for (const go of this.waiting.splice(0)) go();
    });
  }
}

/** Resolves a wait once the worker has claimed an endpoint's rollout in a given phase: it is about to read Azure. */
class ClaimWatch {
  private waiters: { endpoint: string; phase: Rollout["phase"]; resolve: () => void }[] = [];

  next(endpoint: string, phase: Rollout["phase"]): Promise<void> {
    return new Promise((resolve) => this.waiters.push({ endpoint, phase, resolve }));
  }

  wrap(store: GreenLightStore): GreenLightStore {
    const rollouts = new Proxy(store.rollouts, {
      get: (target, key, receiver) => {
        if (key !== "claimDue") return Reflect.get(target, key, receiver) as unknown;
        return async (...args: Parameters<RolloutStore["claimDue"]>) => {
          const claimed = await target.claimDue(...args);
          for (const r of claimed) {
            const found = this.waiters.filter((w) => w.endpoint === r.endpoint && w.phase === r.phase);
            this.waiters = this.waiters.filter((w) => !found.includes(w));
            for (const w of found) w.resolve();
          }
          return claimed;
        };
      },
    });
    return { ...store, rollouts };
  }
}

let h: BotHarness;
let admin: WorkspaceAdmin;
const barrier = new ReadBarrier();
const claims = new ClaimWatch();

beforeAll(async () => {
  // The answer budget is Teams' limit: 50 clicks queued on one embedded database may take a moment, and every click
  // should be answered with its own outcome rather than "working on it".
  h = await startRolloutHarness({
    env: { CARD_ANSWER_BUDGET_MS: "4500" },
    wrapStore: (store) => claims.wrap(barrier.wrap(store)),
  });
  admin = new WorkspaceAdmin(h);
});
afterAll(async () => {
  admin?.close();
  await h?.close();
});

describe(`${CLICKS} clicks on one approval at once`, () => {
  const endpoint = "concurrent-approve";

  it("lets exactly one through: one traffic change, one approval in the audit, the others told the card is out of date", async () => {
    await anEndpoint(h, admin, endpoint);
    await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
    await settle(h);
    const before = await admin.trafficChanges(endpoint);
    expect(before).toEqual([{}, { blue: 100 }]);

    const { post } = cardMessages(h, endpoint);
    const approve = buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).find((b) => b.title === "Approve step 1");
    expect(approve).toBeDefined();
    // The approver and an admin, each clicking the same button of the same card many times.
    barrier.arm(CLICKS);
    const answers = await Promise.all(
      Array.from({ length: CLICKS }, (_, i) =>
        clickWith(h, post, i % 2 === 0 ? USERS.approver : USERS.admin, approve!.verb, approve!.data),
      ),
    );

    const texts = answers.map(answerText);
    const accepted = texts.filter((t) => t.includes("approved step 1"));
    const stale = texts.filter((t) => t.includes("Nothing changed: that card is out of date"));
    expect(accepted).toHaveLength(1);
    expect(stale).toHaveLength(CLICKS - 1);
    expect(answers.every((a) => a.status === 200 && a.body.statusCode === 200)).toBe(true);

    const r = await waitForRollout(h, endpoint, (x) => x.phase === "awaiting_approval" && x.step === 1, "step 2");
    await settle(h);
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 90, green: 10 });
    expect((await admin.trafficChanges(endpoint)).slice(before.length)).toEqual([{ blue: 90, green: 10 }]);
    expect(r.approvals).toHaveLength(1);
    const audit = await h.store.records.latestAudit({ target: endpoint, limit: 200 });
    expect(audit.filter((a) => a.action === "rollout.approve")).toHaveLength(1);
    expect(audit.filter((a) => a.action === "rollout.shift")).toHaveLength(1);
    expect(buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).map((b) => b.title)).toEqual([
      "Approve step 2",
      "Reject",
    ]);
  });
});

describe("a rollback typed while the worker takes the approved step", () => {
  const endpoint = "concurrent-rollback";

  it("wins: the step's traffic is never applied, not even for a moment", async () => {
    await anEndpoint(h, admin, endpoint);
    await h.say(USERS.operator, `deploy diabetes:2 to ${endpoint}`);
    await waitForRollout(h, endpoint, (r) => r.phase === "awaiting_approval", "the first approval");
    await settle(h);
    const before = (await admin.trafficChanges(endpoint)).length;

    // Every ARM call takes a second: the worker is still reading the endpoint when the rollback is stored.
    await admin.injectFault({ kind: "controlPlaneDelay", delayMs: 1000, count: 1000 });
    const taken = claims.next(endpoint, "shifting");
    const { post } = cardMessages(h, endpoint);
    const approve = buttonsOf(await viewOfCard(h, endpoint, USERS.approver)).find((b) => b.title === "Approve step 1");
    expect(answerText(await clickWith(h, post, USERS.approver, approve!.verb, approve!.data))).toContain(
      "approved step 1",
    );
    await taken;
    expect(readReply(only(await h.say(USERS.operator, `rollback ${endpoint}`)))).toContain(
      `Rolling back ${endpoint}: putting back blue 100`,
    );

    await waitForRollout(h, endpoint, (r) => r.phase === "rolled_back", "the rollback");
    await settle(h);
    await admin.clearFaults();
    expect(await admin.trafficOf(endpoint)).toEqual({ blue: 100 });
    expect((await admin.trafficChanges(endpoint)).slice(before)).toEqual([]);
  });
});

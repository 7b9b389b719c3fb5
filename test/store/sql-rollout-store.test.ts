// SqlRolloutStore behaviour beyond the RolloutStore port's contract.
import { asMarkdown } from "../support/card-markdown.js";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { Rollout } from "../../src/ports/rollouts.js";
import { aRollout } from "../support/a-rollout.js";
import { PgliteClient } from "../../src/store/pglite-client.js";
import { openSqlStore, type GreenLightStore } from "../../src/store/open-store.js";

const at = new Date("2026-01-15T10:00:00.000Z");

const rollout: Rollout = aRollout({
  id: "rollout-1",
  phase: "deploying",
  requestedBy: { id: "29:1megan", name: "Megan Bowen" },
  requestedAt: at,
  timeline: [],
  updatedAt: at,
});

describe("SqlRolloutStore effects", () => {
  let store: GreenLightStore;

  beforeEach(async () => {
    store = await openSqlStore(await PgliteClient.open());
  });

  afterEach(async () => {
    await store.close();
  });

  it("refuses a transition that sends a message about another rollout, and writes nothing of it", async () => {
    const audit = {
      at,
      actor: { id: "29:1megan", name: "Megan Bowen" },
      action: "deploy",
      outcome: "ok",
      correlationId: "c1",
    };
    const stray = {
      kind: "update_card" as const,
      rolloutId: "rollout-2",
      notice: { kind: "text" as const, text: asMarkdown("hi") },
    };
    await expect(store.rollouts.createRollout(rollout, { audit: [audit], outbox: [stray] })).rejects.toThrow(
      /rollout rollout-1 cannot send a message \(update_card\) about rollout rollout-2/,
    );
    expect(await store.rollouts.getRollout("rollout-1")).toBeUndefined();
    expect(await store.records.latestAudit({ limit: 10 })).toEqual([]);
  });
});

// One way to write a moment across cards and messages: "2026-11-29 10:00 UTC" (and "10:00 UTC" beside a moment of
// the last hours), never an ISO string or a date without its time zone.
import { describe, expect, it } from "vitest";
import { deletionCardView } from "../../../src/core/deletion/deletion-card.js";
import { rolloutCardView } from "../../../src/core/rollout/rollout-card.js";
import { aDeletion, DELETION_T0 } from "../../support/a-deletion.js";
import { aRollout, ROLLOUT_T0 } from "../../support/a-rollout.js";

describe("dates on cards", () => {
  it("dates each line of a rollout's timeline with its day, minute and UTC", () => {
    const card = rolloutCardView(aRollout({ timeline: [{ at: ROLLOUT_T0, what: "requested diabetes:2" }] }));
    expect(card.timeline.map((line) => line.at)).toEqual(["2026-11-29 10:00 UTC"]);
  });

  it("dates a deletion's timeline the same way", () => {
    const card = deletionCardView(aDeletion({ timeline: [{ at: DELETION_T0, what: "asked to delete" }] }));
    expect(card.timeline.map((line) => line.at)).toEqual(["2026-11-29 10:00 UTC"]);
  });
});

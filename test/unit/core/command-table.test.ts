import { describe, expect, it } from "vitest";
import {
  CARD_VERBS,
  CHAT_VERBS,
  COMMAND_TABLE,
  COMMANDS,
  whatItDoes,
} from "../../../src/core/commands/command-table.js";

describe("the command table", () => {
  it("gives every word typed first in chat to one command only", () => {
    const verbs = COMMANDS.flatMap((c) => c.verbs);
    expect(verbs).toHaveLength(CHAT_VERBS.size);
  });

  it("gives every verb a card sends to one action only", () => {
    const verbs = Object.values(COMMAND_TABLE).flatMap((spec) =>
      Object.keys("cardVerbs" in spec ? spec.cardVerbs : {}),
    );
    expect(verbs).toHaveLength(CARD_VERBS.size);
  });

  it("says what a refused caller tried, in their words", () => {
    expect(whatItDoes("sample.add")).toBe("run `sample add`");
    expect(whatItDoes("rollout.approve")).toBe("approve a rollout step");
  });
});

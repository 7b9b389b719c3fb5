import { describe, expect, it } from "vitest";
import { parseCardAction } from "../../../src/core/commands/parse-card-action.js";

describe("validating card actions", () => {
  it("turns an invoke button with its picked inputs into an invoke of a stored sample", () => {
    expect(parseCardAction("invoke", { endpoint: "diabetes-prod", deployment: "", sample: "typical-patient" })).toEqual(
      {
        ok: true,
        value: {
          name: "invoke",
          endpoint: "diabetes-prod",
          payload: { kind: "sample", name: "typical-patient" },
          onCard: { sample: "typical-patient" },
        },
      },
    );
  });

  it("refuses unknown verbs and forged data", () => {
    expect(parseCardAction("approve", {})).toMatchObject({ ok: false, error: { code: "invalid_card_action" } });
    expect(parseCardAction("show", { endpoint: "../../etc" })).toMatchObject({
      ok: false,
      error: { code: "invalid_card_action" },
    });
    expect(parseCardAction("show", { endpoint: 42 })).toMatchObject({
      ok: false,
      error: { code: "invalid_card_action" },
    });
    expect(parseCardAction("endpoints", { page: -1 })).toMatchObject({
      ok: false,
      error: { code: "invalid_card_action" },
    });
    expect(parseCardAction("__proto__", {})).toMatchObject({ ok: false, error: { code: "invalid_card_action" } });
  });

  it("refuses a verb that is not a string, or a prototype key, without crashing", () => {
    for (const verb of [123, {}, null, undefined, ["show"], "toString", "constructor", "x".repeat(10_000)]) {
      const result = parseCardAction(verb, { endpoint: "diabetes-prod" });
      expect(result).toMatchObject({ ok: false, error: { code: "invalid_card_action" } });
      expect(JSON.stringify(result).length).toBeLessThan(300);
    }
  });

  it("keeps the details card's inputs with every button, and ignores inputs that are not names", () => {
    expect(parseCardAction("logs", { endpoint: "diabetes-prod", deployment: "green", sample: "s1" })).toEqual({
      ok: true,
      value: {
        name: "logs",
        endpoint: "diabetes-prod",
        deployment: "green",
        tail: 50,
        onCard: { deployment: "green", sample: "s1" },
      },
    });
    expect(parseCardAction("logs", { endpoint: "diabetes-prod", deployment: "<b>x</b>" })).toMatchObject({
      ok: false,
      error: { code: "invalid_card_action" },
    });
  });
});

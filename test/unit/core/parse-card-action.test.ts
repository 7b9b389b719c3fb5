import { describe, expect, it } from "vitest";
import { parseCardAction } from "../../../src/core/commands/parse-card-action.js";

describe("validating card actions", () => {
  it("turns an invoke button with its picked inputs into an invoke of a stored sample", () => {
    expect(parseCardAction("invoke", { endpoint: "diabetes-prod", deployment: "", sample: "typical-patient" })).toEqual(
      {
        ok: true,
        value: { name: "invoke", endpoint: "diabetes-prod", payload: { kind: "sample", name: "typical-patient" } },
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

  it("asks for a deployment before reading logs from a card", () => {
    expect(parseCardAction("logs", { endpoint: "diabetes-prod", deployment: "" })).toMatchObject({
      ok: false,
      error: { code: "usage", command: "logs" },
    });
  });
});

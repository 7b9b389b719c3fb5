import { describe, expect, it } from "vitest";
import { describeError, type UserError } from "../../../src/core/errors.js";

describe("error messages", () => {
  const samples: UserError[] = [
    { code: "endpoint_not_found", endpoint: "diabetes-prd", known: ["diabetes-prod", "fraud-scoring"] },
    { code: "deployment_not_found", endpoint: "e", deployment: "red", known: ["blue", "green"] },
    { code: "workspace_unreachable", detail: "connection refused" },
    { code: "workspace_throttled", retryAfterSeconds: 5 },
    { code: "workspace_auth_failed", detail: "no credential" },
    { code: "workspace_rejected", status: 400, message: "Traffic must sum to 100." },
    { code: "invoke_timeout", endpoint: "e", timeoutMs: 30_000 },
    { code: "unknown_command", input: "endpoint", suggestion: "endpoints" },
    { code: "usage", command: "show", usage: "show <endpoint>", problem: "Say which endpoint to show." },
    { code: "forbidden", action: "run `invoke`", needed: ["operator", "admin"], holders: ["Alex"] },
    { code: "invalid_json", detail: "Unexpected end of JSON input" },
    { code: "payload_too_large", bytes: 300_000, limitBytes: 262_144 },
    { code: "sample_not_found", endpoint: "e", sample: "x", known: ["a"] },
    { code: "no_payload", endpoint: "e", samples: ["a"] },
    { code: "attachment_unreadable", name: "p.json", detail: "the download failed" },
    { code: "invalid_card_action", detail: "unknown action" },
  ];

  it("says what to do instead, for every code", () => {
    for (const error of samples) {
      const message = describeError(error);
      expect(message.length, error.code).toBeGreaterThan(20);
      expect(message, error.code).not.toMatch(/undefined|\[object/);
    }
  });

  it("suggests the endpoint the user probably meant", () => {
    expect(describeError(samples[0]!)).toContain("Did you mean 'diabetes-prod'?");
  });

  it("names the role needed and who holds it", () => {
    expect(describeError(samples[9]!)).toBe(
      "You need the operator or admin role to run `invoke`. People who hold it: Alex.",
    );
  });
});

import { describe, expect, it } from "vitest";
import { describeError, type ErrorCode, type UserError } from "../../../src/core/errors.js";
import { unescapeMarkdown } from "../../support/card-markdown.js";

/** One error of a code, the values its message must show, and the part that tells the user what to do. */
interface Example<C extends ErrorCode> {
  error: Extract<UserError, { code: C }>;
  mentions: string[];
  advice: RegExp;
}

// One example per code: a new code without one here fails to compile. Values avoid Markdown characters, so the
// message shows them as typed.
const EXAMPLES = {
  endpoint_not_found: {
    error: { code: "endpoint_not_found", endpoint: "diabetes-prd", known: ["diabetes-prod", "fraud-scoring"] },
    mentions: ["'diabetes-prd'", "'diabetes-prod'"],
    advice: /Type `endpoints`/,
  },
  deployment_not_found: {
    error: { code: "deployment_not_found", endpoint: "fraud-scoring", deployment: "red", known: ["blue", "green"] },
    mentions: ["fraud-scoring", "'red'"],
    advice: /deployments: blue, green/,
  },
  workspace_unreachable: {
    error: { code: "workspace_unreachable", detail: "connection refused" },
    mentions: ["connection refused"],
    advice: /Try again/,
  },
  workspace_throttled: {
    error: { code: "workspace_throttled", retryAfterSeconds: 7 },
    mentions: ["7 s"],
    advice: /Try again in 7 s/,
  },
  workspace_auth_failed: {
    error: { code: "workspace_auth_failed", detail: "no credential" },
    mentions: ["no credential"],
    advice: /Ask the platform team/,
  },
  metrics_unavailable: {
    error: { code: "metrics_unavailable", endpoint: "diabetes-prod", reason: "HTTP 403 AuthorizationFailed" },
    mentions: ["diabetes-prod", "403 AuthorizationFailed"],
    advice: /Monitoring Reader/,
  },
  workspace_rejected: {
    error: { code: "workspace_rejected", status: 400, message: "Traffic must sum to 100." },
    mentions: ["400"],
    // Azure's own message is what says how to fix it.
    advice: /Traffic must sum to 100\./,
  },
  invoke_timeout: {
    error: { code: "invoke_timeout", endpoint: "fraud-scoring", timeoutMs: 30_000 },
    mentions: ["fraud-scoring", "30 s"],
    advice: /`logs fraud-scoring <deployment>`/,
  },
  unsupported_auth_mode: {
    error: { code: "unsupported_auth_mode", endpoint: "fraud-scoring", authMode: "FutureMode" },
    mentions: ["fraud-scoring", "FutureMode"],
    advice: /Azure ML studio/,
  },
  unknown_command: {
    error: { code: "unknown_command", input: "endpoint", suggestion: "endpoints" },
    mentions: ["'endpoint'", "`endpoints`"],
    advice: /Type `help`/,
  },
  usage: {
    error: { code: "usage", command: "show", usage: "show <endpoint>", problem: "Say which endpoint to show." },
    mentions: ["Say which endpoint to show."],
    advice: /Usage: `show <endpoint>`/,
  },
  forbidden: {
    error: { code: "forbidden", action: "run `invoke`", needed: ["operator", "admin"], holders: ["Alex Wilber"] },
    mentions: ["operator or admin", "run `invoke`"],
    advice: /People who hold it: Alex Wilber\./,
  },
  invalid_json: {
    error: { code: "invalid_json", detail: "Unexpected end of JSON input" },
    mentions: ["Unexpected end of JSON input"],
    advice: /code block/,
  },
  json_outside_code_block: {
    error: { code: "json_outside_code_block", usage: "sample add <endpoint> <name> + a JSON code block or .json file" },
    mentions: ["not in a code block", "Usage: `sample add <endpoint> <name>"],
    advice: /Put it in a code block \(```json … ```\), or attach a \.json file\./,
  },
  card_button_typed: {
    error: { code: "card_button_typed", button: "approve", cards: ["rollout", "deletion"] },
    mentions: ["`approve` is a button on a rollout's card or a deletion's card, not a command"],
    advice:
      /on the card itself, in the channel the endpoint's cards go to — the release channel, unless `subscribe` named another\. Type `status` to see what is under way\./,
  },
  payload_too_large: {
    error: { code: "payload_too_large", bytes: 300_000, limitBytes: 262_144 },
    mentions: ["293 KB", "256 KB"],
    advice: /Send a smaller sample/,
  },
  message_too_long: {
    error: { code: "message_too_long", chars: 50_000, limitChars: 32_768 },
    mentions: ["49 K", "32 K"],
    advice: /attach a \.json file/i,
  },
  sample_not_found: {
    error: {
      code: "sample_not_found",
      endpoint: "fraud-scoring",
      sample: "old-patient",
      known: ["typical-patient", "high-risk"],
    },
    mentions: ["fraud-scoring", "'old-patient'", "typical-patient, high-risk"],
    advice: /`sample add fraud-scoring <name>`/,
  },
  no_payload: {
    error: { code: "no_payload", endpoint: "fraud-scoring", samples: ["typical-patient"] },
    mentions: ["fraud-scoring"],
    advice: /`invoke fraud-scoring sample typical-patient`/,
  },
  attachment_unreadable: {
    error: { code: "attachment_unreadable", name: "patients.csv", detail: "it is a .csv file, not .json" },
    mentions: ["'patients.csv'", "it is a .csv file, not .json"],
    advice: /Attach a UTF-8 \.json file/,
  },
  operation_in_progress: {
    error: { code: "operation_in_progress", endpoint: "fraud-scoring", retryAfterSeconds: 30 },
    mentions: ["fraud-scoring", "30 s"],
    advice: /Try again in 30 s/,
  },
  operation_failed: {
    error: {
      code: "operation_failed",
      endpoint: "fraud-scoring",
      deployment: "green",
      message: "Readiness probe failed",
    },
    mentions: ["fraud-scoring/green", "Readiness probe failed"],
    advice: /`logs fraud-scoring green`/,
  },
  model_version_not_found: {
    error: { code: "model_version_not_found", model: "diabetes", version: "9", known: ["1", "2", "3"] },
    mentions: ["diabetes", "version 9", "1, 2, 3"],
    advice: /`models diabetes`/,
  },
  stale_card: {
    error: { code: "stale_card", endpoint: "fraud-scoring", now: "step 2 of 3, waiting for approval" },
    mentions: ["fraud-scoring", "step 2 of 3, waiting for approval"],
    advice: /`status fraud-scoring`/,
  },
  self_approval: {
    error: { code: "self_approval", endpoint: "fraud-scoring", requester: "Alex Wilber", what: "rollout" },
    mentions: ["fraud-scoring"],
    advice: /Ask another approver/,
  },
  smoke_test_failed: {
    error: { code: "smoke_test_failed", endpoint: "fraud-scoring" },
    mentions: ["fraud-scoring"],
    advice: /override it with a reason.*`rollback fraud-scoring`/,
  },
  still_baking: {
    error: {
      code: "still_baking",
      endpoint: "fraud-scoring",
      until: new Date("2026-12-02T15:42:00Z"),
      leftMs: 7 * 60_000,
    },
    mentions: ["fraud-scoring", "15:42 UTC", "7 min left"],
    advice: /Approve the next step then/,
  },
  no_active_rollout: {
    error: { code: "no_active_rollout", endpoint: "fraud-scoring" },
    mentions: ["fraud-scoring"],
    advice: /`status fraud-scoring`/,
  },
  rollout_active: {
    error: {
      code: "rollout_active",
      endpoint: "fraud-scoring",
      model: "fraud:4",
      phase: "waiting for approval",
      requestedBy: "Alex Wilber",
    },
    mentions: ["fraud-scoring", "fraud:4", "Alex Wilber", "waiting for approval"],
    advice: /`rollback fraud-scoring`/,
  },
  cannot_deploy: {
    error: { code: "cannot_deploy", endpoint: "fraud-scoring", problem: "its traffic is split" },
    mentions: ["fraud-scoring", "its traffic is split"],
    advice: /cannot start a rollout/,
  },
  cannot_delete: {
    error: { code: "cannot_delete", endpoint: "fraud-scoring", problem: "a rollout is under way" },
    mentions: ["fraud-scoring", "a rollout is under way"],
    advice: /will not delete/,
  },
  deletion_pending: {
    error: { code: "deletion_pending", endpoint: "fraud-scoring", requestedBy: "Adele Vance" },
    mentions: ["fraud-scoring", "Adele Vance"],
    advice: /waits for an approver/,
  },
  confirmation_mismatch: {
    error: { code: "confirmation_mismatch", endpoint: "fraud-scoring" },
    mentions: ["is not fraud-scoring"],
    advice: /type the endpoint's name exactly/,
  },
  identity_unknown: {
    error: { code: "identity_unknown", endpoint: "fraud-scoring", what: "rollout" },
    mentions: ["rollout of fraud-scoring"],
    advice: /cannot tell whether you are the person who asked.*nothing changed/,
  },
  approval_expired: {
    error: {
      code: "approval_expired",
      endpoint: "fraud-scoring",
      expiredAt: new Date("2026-12-02T10:41:00Z"),
      what: "step",
    },
    mentions: ["fraud-scoring", "2026-12-02 10:41 UTC"],
    advice: /nothing changed: GreenLight puts the starting traffic .* back/,
  },
  cannot_roll_back: {
    error: { code: "cannot_roll_back", endpoint: "fraud-scoring", problem: "blue is being deleted" },
    mentions: ["fraud-scoring", "blue is being deleted"],
    advice: /cannot roll back/,
  },
  cannot_resume: {
    error: { code: "cannot_resume", endpoint: "fraud-scoring", problem: "red takes traffic too" },
    mentions: ["fraud-scoring", "red takes traffic too"],
    advice: /cannot continue the rollout/,
  },
  invalid_card_action: {
    error: { code: "invalid_card_action", detail: "unknown action 'frobnicate'" },
    mentions: ["unknown action 'frobnicate'"],
    advice: /Run the command again/,
  },
} satisfies { [C in ErrorCode]: Example<C> };

describe("error messages", () => {
  it.each(Object.entries(EXAMPLES))("%s: says what went wrong, with its values, and what to do", (code, example) => {
    // As the card shows it: Markdown escapes (`patients\.csv`) render as the plain characters.
    const message = unescapeMarkdown(describeError(example.error));

    expect(example.error.code).toBe(code);
    expect(message, code).not.toMatch(/undefined|null|NaN|\[object/);
    for (const value of example.mentions) expect(message, code).toContain(value);
    expect(message, code).toMatch(example.advice);
  });

  it("offers only the endpoint names close to what was typed", () => {
    const message = describeError(EXAMPLES.endpoint_not_found.error);

    expect(message).toContain("Did you mean 'diabetes-prod'?");
    expect(message).not.toContain("fraud-scoring");
  });

  it("names the role needed and who holds it", () => {
    expect(describeError(EXAMPLES.forbidden.error)).toBe(
      "You need the operator or admin role to run `invoke`. People who hold it: Alex Wilber.",
    );
  });

  it("lists three roles as one of them", () => {
    expect(describeError({ ...EXAMPLES.forbidden.error, needed: ["operator", "approver", "admin"] })).toContain(
      "You need the operator, approver or admin role to run `invoke`.",
    );
  });

  it("says to ask the platform team when nobody holds the role", () => {
    const message = describeError({ ...EXAMPLES.forbidden.error, holders: [] });

    expect(message).toContain("You need the operator or admin role to run `invoke`.");
    expect(message).toContain("ask the platform team");
  });

  it("names the channel of a typed card button's card, and its endpoint, once they are known", () => {
    const typed = {
      code: "card_button_typed",
      button: "retire",
      cards: ["rollout"],
      endpoint: "fraud-scoring",
    } as const;

    expect(describeError({ ...typed, where: "in the channel subscribed to it" })).toBe(
      "`retire` is a button on a rollout's card, not a command: approvals for fraud-scoring are given on the card " +
        "itself, in the channel subscribed to it. Type `status fraud-scoring` to see what is under way.",
    );
    // Until it is looked up, `keep it` names no endpoint for all GreenLight knows.
    expect(describeError(typed)).not.toContain("fraud-scoring");
  });
});

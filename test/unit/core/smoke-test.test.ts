// Grading the smoke test without I/O: fixture answers (the seeded diabetes models' real answers, and other shapes)
// graded and shown on the rollout card as the release channel sees it.
import { describe, expect, it } from "vitest";
import type { Rollout, SmokeSample } from "../../../src/ports/rollouts.js";
import type { InvokeResult, WorkspaceError } from "../../../src/ports/workspace.js";
import { rolloutCardView } from "../../../src/core/rollout/rollout-card.js";
import { smokeTested } from "../../../src/core/rollout/reconcile.js";
import { gradeSample, smokeTestOf, type ScoringAnswer } from "../../../src/core/rollout/smoke-test.js";
import { toRollout, type RolloutRow } from "../../../src/store/rollout-rows.js";
import { CardRenderer } from "../../../src/teams/cards/render-card.js";
import { MAX_CARD_BYTES } from "../../../src/teams/render-reply.js";
import { judge } from "../../../src/core/evidence/judge.js";
import { DEFAULT_THRESHOLDS } from "../../../src/core/evidence/gate-settings.js";

const DAY_MS = 24 * 3_600_000;
import { aRollout, ROLLOUT_T0 } from "../../support/a-rollout.js";
import { cardText } from "../../support/bot-fixtures.js";
import { activeMarkup } from "../../support/card-markdown.js";
import { smokeLines, smokeSummary } from "../../support/rollout-fixtures.js";

const renderer = new CardRenderer();

const answer = (body: string, status = 200, more: Partial<InvokeResult> = {}): ScoringAnswer => ({
  ok: true,
  value: { status, latencyMs: 12, body, ...more },
});
const noAnswer = (error: WorkspaceError): ScoringAnswer => ({ ok: false, error });
const records = (...rows: [number, number][]): ScoringAnswer =>
  answer(JSON.stringify(rows.map(([label, probability]) => ({ label, probability }))));

/** What diabetes:1 (live) and diabetes:2 (new) answer to the six seeded samples, as the emulator's ONNX runtime does. */
const V1 = {
  "typical-patient": records([0, 0.06502476]),
  "high-risk": records([1, 0.9580854]),
  borderline: records([0, 0.46993786]),
  "batch-of-3": records([1, 0.7503322], [0, 0.07892743], [1, 0.7513014]),
  "many-pregnancies": records([1, 0.7466825]),
  "columns-in-any-order": records([0, 0.06502476]),
};
const V2: typeof V1 = {
  "typical-patient": records([0, 0.03916973]),
  "high-risk": records([1, 0.9832014]),
  borderline: records([1, 0.4813917]),
  "batch-of-3": records([1, 0.8538108], [0, 0.053125024], [1, 0.7970909]),
  "many-pregnancies": records([1, 0.7987817]),
  "columns-in-any-order": records([0, 0.03916973]),
};
/** diabetes:3 on many-pregnancies: its scoring script raises; Azure's front door answers 424 and names the 500. */
const V3_MANY_PREGNANCIES = answer(
  '{"message":"An unexpected error occurred in scoring script. Check the logs for more info."}',
  424,
  { modelErrorStatus: "500" },
);

/** The rollout card, waiting for the first approval after a smoke test of these samples. */
function cardAfter(samples: SmokeSample[], overrides: Partial<Rollout> = {}): Record<string, unknown> {
  const r = aRollout({ phase: "awaiting_approval", smoke: smokeTestOf(samples, ROLLOUT_T0), ...overrides });
  return renderer.render("rollout", rolloutCardView(r));
}

describe("grading answers as predictions", () => {
  it("shows the same answer when the label is the same and the probability moved less than the tolerance", () => {
    const card = cardAfter([gradeSample("typical-patient", records([0, 0.0659]), records([0, 0.065]))]);
    expect(smokeLines(card, "typical-patient")).toEqual([
      "typical-patient: pass · same answer",
      "blue (live): label 0 (0.065) · 200 · 12 ms",
      "green (new): label 0 (0.066) · 200 · 12 ms",
    ]);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 1 of 1 samples passed on green · 0 of 1 changed label · every number within 0.001",
    );
  });

  it("shows a probability that moved beyond the tolerance, with the label the same", () => {
    const card = cardAfter([gradeSample("typical-patient", V2["typical-patient"], V1["typical-patient"])]);
    expect(smokeLines(card, "typical-patient")).toEqual([
      "typical-patient: pass · same label, probability -0.026",
      "blue (live): label 0 (0.065) · 200 · 12 ms",
      "green (new): label 0 (0.039) · 200 · 12 ms",
    ]);
    expect(smokeSummary(card)).toContain("0 of 1 changed label · largest probability change 0.026 (typical-patient)");
  });

  it("shows a changed label, and the smoke test still passes: it is for the approver to judge", () => {
    const samples = [gradeSample("borderline", V2.borderline, V1.borderline)];
    const card = cardAfter(samples);
    expect(smokeLines(card, "borderline")).toEqual([
      "borderline: pass · label changed 0 → 1",
      "blue (live): label 0 (0.470) · 200 · 12 ms",
      "green (new): label 1 (0.481) · 200 · 12 ms",
    ]);
    expect(smokeSummary(card)).toContain("1 of 1 samples passed on green · 1 of 1 changed label (borderline: 0 → 1)");
    expect(cardText(card)).toContain(
      "Passed: green answered every sample. Changed labels and numbers do not fail the smoke test; they are for the approver to judge.",
    );
    expect(smokeTestOf(samples, ROLLOUT_T0).passed).toBe(true);
  });

  it("sums up diabetes:1 against diabetes:2 on the six seeded samples in one line", () => {
    const samples = Object.entries(V2).map(([name, green]) => gradeSample(name, green, V1[name as keyof typeof V1]));
    const card = cardAfter(samples);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 6 of 6 samples passed on green · 1 of 6 changed label (borderline: 0 → 1) · largest probability change 0.103 (batch-of-3)",
    );
    expect(smokeLines(card, "batch-of-3")).toEqual([
      "batch-of-3: pass · same labels, probability +0.103 (row 0)",
      "blue (live): labels 1 (0.750), 0 (0.079), 1 (0.751) · 200 · 12 ms",
      "green (new): labels 1 (0.854), 0 (0.053), 1 (0.797) · 200 · 12 ms",
    ]);
    // The timeline says it too.
    const t = smokeTested(aRollout({ phase: "smoke_testing" }), samples, {
      now: ROLLOUT_T0,
      people: { approvers: [], admins: [] },
      approvalTtlMs: 60_000,
      correlationId: "test",
      pollMs: 1000,
      metricsDelayMs: 60_000,
      notify: [],
    });
    expect(cardText(renderer.render("rollout", rolloutCardView(t.next)))).toContain(
      "smoke test passed (6 of 6 samples; 1 changed label)",
    );
  });

  it("names the rows whose label changed in a batch", () => {
    const card = cardAfter([
      gradeSample("batch", records([1, 0.8], [1, 0.6], [0, 0.2]), records([1, 0.8], [0, 0.4], [1, 0.7])),
    ]);
    expect(smokeLines(card, "batch")[0]).toBe(
      "batch: pass · label changed in 2 of 3 rows (row 1: 0 → 1, row 2: 1 → 0)",
    );
    expect(smokeSummary(card)).toContain("1 of 1 changed label (batch row 1: 0 → 1, batch row 2: 1 → 0)");
  });

  it("takes the tolerance as absolute up to 1 and relative to the number beyond", () => {
    const live = answer("[0.5, 10000]");
    expect(smokeLines(cardAfter([gradeSample("s", answer("[0.5009, 10009]"), live)]), "s")[0]).toBe(
      "s: pass · same answer",
    );
    expect(smokeLines(cardAfter([gradeSample("s", answer("[0.5012, 10000]"), live)]), "s")[0]).toBe(
      "s: pass · value +0.001 (row 0)",
    );
    expect(smokeLines(cardAfter([gradeSample("s", answer("[0.5, 10011]"), live)]), "s")[0]).toBe(
      "s: pass · value +11 (row 1)",
    );
  });

  it("reads bare numbers and MLflow 2's {predictions: …} as predictions", () => {
    const card = cardAfter([gradeSample("prices", answer('{"predictions": [1.5, 2.75]}'), answer("[1.5, 2.25]"))]);
    expect(smokeLines(card, "prices")).toEqual([
      "prices: pass · value +0.500 (row 1)",
      "blue (live): values 1.500, 2.250 · 200 · 12 ms",
      "green (new): values 1.500, 2.750 · 200 · 12 ms",
    ]);
  });
});

describe("grading answers that are not predictions", () => {
  it("compares other JSON as values: key order and number spelling aside, numbers within the tolerance", () => {
    const live = answer('{"scores": {"a": 1, "b": [1, 2]}, "model": "m"}');
    const same = cardAfter([gradeSample("s", answer('{"model":"m","scores":{"b":[1.0,2.0000001],"a":1}}'), live)]);
    expect(smokeLines(same, "s")).toEqual([
      "s: pass · same answer",
      'blue (live): {"scores":{"a":1,"b":[1,2]},"model":"m"} · 200 · 12 ms',
      'green (new): {"model":"m","scores":{"b":[1,2.0000001],"a":1}} · 200 · 12 ms',
    ]);
    expect(smokeSummary(same)).toBe("Smoke test: 1 of 1 samples passed on green · 0 of 1 answered differently");
    const changed = cardAfter([gradeSample("s", answer('{"scores": {"a": 1, "b": [1, 3]}, "model": "m"}'), live)]);
    expect(smokeLines(changed, "s")[0]).toBe("s: pass · answer differs");
    expect(smokeSummary(changed)).toBe("Smoke test: 1 of 1 samples passed on green · 1 of 1 answered differently");
  });

  it("compares answers that are not JSON as texts", () => {
    expect(smokeLines(cardAfter([gradeSample("s", answer("ok\n"), answer("ok"))]), "s")).toEqual([
      "s: pass · same answer",
      "blue (live): ok · 200 · 12 ms",
      "green (new): ok · 200 · 12 ms",
    ]);
    expect(smokeLines(cardAfter([gradeSample("s", answer("negative"), answer("positive"))]), "s")[0]).toBe(
      "s: pass · answer differs",
    );
  });

  it("says the answer differs when the new one has another number of rows", () => {
    const card = cardAfter([gradeSample("s", records([1, 0.9], [0, 0.1]), records([1, 0.9], [0, 0.1], [1, 0.7]))]);
    expect(smokeLines(card, "s")[0]).toBe("s: pass · answer differs (3 rows → 2 rows)");
  });
});

describe("failing samples and samples without an answer", () => {
  it("fails a sample the new deployment answers with an error, and shows the container's error text", () => {
    const samples = [
      gradeSample("typical-patient", V2["typical-patient"], V1["typical-patient"]),
      gradeSample("many-pregnancies", V3_MANY_PREGNANCIES, V1["many-pregnancies"]),
    ];
    const card = cardAfter(samples);
    expect(smokeLines(card, "many-pregnancies")).toEqual([
      "many-pregnancies: FAIL · green answered 424",
      "blue (live): label 1 (0.747) · 200 · 12 ms",
      "green (new): 424 Model error: the scoring container answered 500 · 12 ms",
      "green: An unexpected error occurred in scoring script. Check the logs for more info.",
    ]);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 1 of 2 samples passed on green (failed: many-pregnancies) · 0 of 1 compared changed label · largest probability change 0.026 (typical-patient)",
    );
    expect(cardText(card)).toContain(
      "Failed: green must answer every stored sample with 2xx, so step 1 needs an admin's override with a reason.",
    );
    expect(smokeTestOf(samples, ROLLOUT_T0).passed).toBe(false);
  });

  it("says why a deployment gave no answer", () => {
    const unreachable = noAnswer({ code: "workspace_unreachable", detail: "socket hang up (ECONNRESET)" });
    const timedOut = noAnswer({ code: "invoke_timeout", endpoint: "diabetes-prod", timeoutMs: 30_000 });
    const card = cardAfter([
      gradeSample("new-silent", unreachable, V1.borderline),
      gradeSample("live-silent", V2.borderline, timedOut),
    ]);
    expect(smokeLines(card, "new-silent")).toEqual([
      "new-silent: FAIL · no answer from green",
      "blue (live): label 0 (0.470) · 200 · 12 ms",
      "green (new): no answer",
      "green: No answer: socket hang up (ECONNRESET)",
    ]);
    expect(smokeLines(card, "live-silent")).toEqual([
      "live-silent: pass · not compared: blue did not answer",
      "blue (live): no answer",
      "green (new): label 1 (0.481) · 200 · 12 ms",
      "blue: No answer within 30 s.",
    ]);
    expect(smokeSummary(card)).toBe(
      "Smoke test: 1 of 2 samples passed on green (failed: new-silent) · 1 not compared: blue did not answer",
    );
  });

  it("cuts a long error text short without splitting a character", () => {
    const long = `${"x".repeat(298)}😀${"y".repeat(5000)}`;
    const sample = gradeSample(
      "s",
      answer(JSON.stringify({ message: long }), 424, { modelErrorStatus: "500" }),
      V1.borderline,
    );
    const [, , , error] = smokeLines(cardAfter([sample]), "s");
    expect(error).toBe(`green: ${"x".repeat(298)}😀…`);
  });
});

describe("the card", () => {
  it("stays under Teams' 28 KB with ten samples, long error texts, large batches and long labels", () => {
    const longError = answer(JSON.stringify({ message: "Traceback (most recent call last): ".repeat(200) }), 424, {
      modelErrorStatus: "500",
    });
    const bigBatch = (label: string, offset: number): ScoringAnswer =>
      answer(
        JSON.stringify(
          Array.from({ length: 1000 }, (_, i) => ({
            label: `${label}-${i}-${"z".repeat(300)}`,
            probability: (i % 100) / 100 + offset,
            ...Object.fromEntries(Array.from({ length: 50 }, (_, k) => [`score_${k}_${"w".repeat(40)}`, k + offset])),
          })),
        ),
      );
    const samples = Array.from({ length: 10 }, (_, i) => {
      const name = `sample-${i}-${"n".repeat(50)}`;
      return i % 2 === 0
        ? gradeSample(name, longError, longError)
        : gradeSample(name, bigBatch("new", 0.001 * i), bigBatch("old", 0));
    });
    // The rest of the card at its largest: a full timeline, an override with the longest reason.
    const person = { id: "u1", name: "A".repeat(100) };
    const card = cardAfter(samples, {
      timeline: Array.from({ length: 12 }, (_, i) => ({
        at: ROLLOUT_T0,
        what: `event ${i} ${"e".repeat(120)}`,
        by: person,
      })),
      override: { by: person, reason: "r".repeat(300), at: ROLLOUT_T0 },
      // And the gates' evidence at its largest: a day of minutes, every figure, a chart and an earlier baseline.
      appliedAt: ROLLOUT_T0,
      evidence: judge({
        live: "blue",
        candidate: "green",
        window: { from: ROLLOUT_T0, to: new Date(ROLLOUT_T0.getTime() + DAY_MS), minutes: 1440 },
        thresholds: DEFAULT_THRESHOLDS,
        earlierLive: {
          window: { from: new Date(ROLLOUT_T0.getTime() - 3_600_000), to: ROLLOUT_T0, minutes: 60 },
          figures: { requests: 90_000, failed: 12, failedShare: 12 / 90_000, p50Ms: 11, p95Ms: 40, minutes: 60 },
        },
        metrics: {
          green: Array.from({ length: 1440 }, (_, i) => ({
            at: new Date(ROLLOUT_T0.getTime() + i * 60_000),
            requests: 1000 + i,
            failed: i % 7,
            p50Ms: 10 + (i % 13) / 3,
            p95Ms: 40 + (i % 17) / 7,
          })),
        },
      }),
    });
    expect(cardText(card)).toContain("Smoke test: 5 of 10 samples passed on green");
    expect(cardText(card)).toContain("Failed share per minute");
    expect(Buffer.byteLength(JSON.stringify(card))).toBeLessThan(MAX_CARD_BYTES);
  });

  it("shows names, labels and error texts from Azure and the model as their own characters", () => {
    const name = "[Approve](https://evil.example) **now**";
    const label = "<img src=x onerror=alert(1)> _x_";
    const error = "<b>boom</b> [docs](https://evil.example)";
    const card = cardAfter([
      gradeSample(
        name,
        answer(JSON.stringify([{ label, "p#1": 0.5 }])),
        answer(JSON.stringify([{ label: "1", "p#1": 0.5 }])),
      ),
      gradeSample("err", answer(JSON.stringify({ message: error }), 424, { modelErrorStatus: "<500>" }), V1.borderline),
    ]);
    expect(activeMarkup(card)).toEqual([]);
    // Escaped exactly once: read as Markdown, each shows as typed (twice would show backslashes).
    expect(smokeLines(card, name)).toEqual([
      `${name}: pass · label changed 1 → ${label}`,
      "blue (live): label 1 (0.500) · 200 · 12 ms",
      `green (new): label ${label} (0.500) · 200 · 12 ms`,
    ]);
    // The error text is a TextRun (plain text, not Markdown): as it came.
    expect(smokeLines(card, "err").slice(2)).toEqual([
      "green (new): 424 Model error: the scoring container answered <500> · 12 ms",
      `green: ${error}`,
    ]);
  });

  it("reads a smoke test stored before answers were compared as predictions", () => {
    // A stored row's state as GreenLight wrote it then: per sample only status, latency, passed and differs.
    const state = JSON.parse(
      JSON.stringify({
        ...aRollout({ phase: "awaiting_approval" }),
        smoke: {
          at: "2026-01-15T10:02:30.500Z",
          passed: false,
          samples: [
            {
              sample: "typical",
              candidate: { status: 200, latencyMs: 12.5 },
              live: { status: 200, latencyMs: 9 },
              passed: true,
              differs: true,
            },
            { sample: "empty", candidate: { status: 424, latencyMs: 31 }, passed: false, differs: false },
          ],
        },
      }),
    ) as RolloutRow["state"];
    const r = toRollout({
      id: "r1",
      endpoint: "diabetes-prod",
      phase: "awaiting_approval",
      version: 3,
      requested_at: ROLLOUT_T0,
      updated_at: ROLLOUT_T0,
      next_run_at: null,
      state,
    });
    const card = renderer.render("rollout", rolloutCardView(r));
    expect(smokeSummary(card)).toBe(
      "Smoke test: 1 of 2 samples passed on green (failed: empty) · 1 of 1 compared answered differently",
    );
    expect(smokeLines(card, "typical")).toEqual([
      "typical: pass · answer differs",
      "blue (live): 200 · 9 ms",
      "green (new): 200 · 13 ms",
    ]);
    expect(smokeLines(card, "empty")).toEqual([
      "empty: FAIL · green answered 424",
      "blue (live): not asked",
      "green (new): 424 Model error: the scoring container answered an error · 31 ms",
    ]);
  });
});

// Grading the smoke test: the new deployment must answer every sample; its answers are compared with the live one's as
// predictions (label same or changed, numbers within a tolerance), so the approver sees what the new model changes.
import type { Result } from "../../ports/result.js";
import type { SmokeAnswer, SmokeComparison, SmokeSample, SmokeTest } from "../../ports/rollouts.js";
import type { InvokeResult, WorkspaceError } from "../../ports/workspace.js";
import { describeError } from "../errors.js";
import { markdownToPlain } from "../views/markdown.js";
import { readPredictions, readableBody, type PredictionRow } from "../scoring/scoring-answer.js";

/**
 * Two numbers are the same prediction when they differ by at most this: absolutely up to 1 (probabilities, scores),
 * relative to the larger beyond (regression outputs). The card shows probabilities to three decimals, so a smaller
 * change is nothing an approver could read; float32 scores of one model on another CPU or runtime build differ by
 * about 1e-6, far below it.
 */
export const SMOKE_TOLERANCE = 0.001;

export const sameNumber = (a: number, b: number): boolean =>
  Math.abs(a - b) <= SMOKE_TOLERANCE * Math.max(1, Math.abs(a), Math.abs(b));

/** What is kept of an answer: enough for the card, so a large batch does not grow the stored rollout. */
const KEPT = { rows: 3, numbers: 3, labelChars: 40, textChars: 120, errorChars: 300, labelChanges: 3 };

/** A scoring call's outcome: an HTTP answer, or why none came. */
export type ScoringAnswer = Result<InvokeResult, WorkspaceError>;

const answered2xx = (a: ScoringAnswer): a is { ok: true; value: InvokeResult } =>
  a.ok && a.value.status >= 200 && a.value.status < 300;

/**
 * Grades one sample: it passes when the new deployment answered 2xx. A changed answer does not fail it: it is
 * recorded for the approver to judge.
 */
export function gradeSample(sample: string, candidate: ScoringAnswer, live: ScoringAnswer): SmokeSample {
  const passed = answered2xx(candidate);
  const compared = passed && answered2xx(live) ? compareAnswers(live.value.body, candidate.value.body) : undefined;
  return {
    sample,
    candidate: keep(candidate),
    live: keep(live),
    passed,
    differs: compared?.differs ?? false,
    ...(compared ? { comparison: compared.comparison } : {}),
  };
}

/** The smoke test from its graded samples: passed when there were samples and the new deployment answered each. */
export function smokeTestOf(samples: SmokeSample[], at: Date, note?: string): SmokeTest {
  const passed = samples.length > 0 && samples.every((s) => s.passed);
  return { at, passed, samples, ...(note ? { note } : {}) };
}

/** The timeline's line: "smoke test passed (6 of 6 samples; 1 changed label)". */
export function smokeTimelineText(smoke: SmokeTest): string {
  const answered = smoke.samples.filter((s) => s.passed).length;
  const changed = smoke.samples.filter(
    (s) => s.comparison?.as === "predictions" && s.comparison.changedLabels > 0,
  ).length;
  const labels = changed > 0 ? `; ${changed} changed label` : "";
  return `smoke test ${smoke.passed ? "passed" : "failed"} (${answered} of ${smoke.samples.length} samples${labels})`;
}

/**
 * How the live deployment's answer and the new one's compare: as predictions when both read as predictions of the
 * same shape, else as JSON values, else as texts.
 */
export function compareAnswers(live: string, candidate: string): { comparison: SmokeComparison; differs: boolean } {
  const before = readPredictions(live);
  const after = readPredictions(candidate);
  if (before && after && sameShape(before, after)) return comparePredictions(before, after);
  const a = parseJson(live);
  const b = parseJson(candidate);
  if (a.ok && b.ok) return { comparison: { as: "json" }, differs: !sameJson(a.value, b.value) };
  return { comparison: { as: "text" }, differs: live.trim() !== candidate.trim() };
}

function comparePredictions(
  before: PredictionRow[],
  after: PredictionRow[],
): { comparison: SmokeComparison; differs: boolean } {
  let changedLabels = 0;
  const labelChanges: { row: number; from: string; to: string }[] = [];
  let largest: { name: string; row: number; from: number; to: number; size: number } | undefined;
  let moved = false;
  before.forEach((b, row) => {
    const a = after[row] as PredictionRow;
    if (b.label !== a.label) {
      changedLabels++;
      if (labelChanges.length < KEPT.labelChanges) {
        labelChanges.push({ row, from: cut(b.label ?? "", KEPT.labelChars), to: cut(a.label ?? "", KEPT.labelChars) });
      }
    }
    for (const [name, from] of Object.entries(b.numbers)) {
      const to = a.numbers[name] as number;
      if (!sameNumber(from, to)) moved = true;
      const size = Math.abs(to - from) / Math.max(1, Math.abs(from), Math.abs(to));
      if (!largest || size > largest.size) largest = { name, row, from, to, size };
    }
  });
  const largestChange = largest && { name: largest.name, row: largest.row, from: largest.from, to: largest.to };
  return {
    comparison: { as: "predictions", changedLabels, labelChanges, ...(largestChange ? { largestChange } : {}) },
    differs: changedLabels > 0 || moved,
  };
}

/** Same number of rows, each with a label or none as the other, and numbers of the same names. */
function sameShape(before: PredictionRow[], after: PredictionRow[]): boolean {
  if (before.length !== after.length) return false;
  return before.every((b, i) => {
    const a = after[i] as PredictionRow;
    const names = Object.keys(b.numbers);
    return (
      (a.label === undefined) === (b.label === undefined) &&
      names.length === Object.keys(a.numbers).length &&
      names.every((n) => n in a.numbers)
    );
  });
}

/** Equal as JSON values: key order aside, numbers within the tolerance. */
function sameJson(a: unknown, b: unknown): boolean {
  if (typeof a === "number" && typeof b === "number") return sameNumber(a, b);
  if (Array.isArray(a) || Array.isArray(b)) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => sameJson(x, b[i]));
  }
  if (a && b && typeof a === "object" && typeof b === "object") {
    const ka = Object.keys(a);
    const ob = b as Record<string, unknown>;
    return (
      ka.length === Object.keys(b).length &&
      ka.every((k) => Object.hasOwn(ob, k) && sameJson((a as Record<string, unknown>)[k], ob[k]))
    );
  }
  return a === b;
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false };
  }
}

/** What is stored of an answer: status and latency, and the start of its predictions, text or error. */
function keep(answer: ScoringAnswer): SmokeAnswer {
  if (!answer.ok) return { status: 0, latencyMs: 0, error: cut(noAnswer(answer.error), KEPT.errorChars) };
  const { status, latencyMs, body, modelErrorStatus } = answer.value;
  const kept: SmokeAnswer = { status, latencyMs, ...(modelErrorStatus !== undefined ? { modelErrorStatus } : {}) };
  if (!answered2xx(answer)) {
    const error = readableBody(body).trim();
    return error ? { ...kept, error: cut(error, KEPT.errorChars) } : kept;
  }
  const rows = readPredictions(body);
  if (rows) return { ...kept, rows: rows.length, predictions: rows.slice(0, KEPT.rows).map(keepRow) };
  const json = parseJson(body);
  const text = json.ok ? JSON.stringify(json.value) : body.replace(/\s+/g, " ").trim();
  return { ...kept, text: cut(text, KEPT.textChars) };
}

function keepRow(row: PredictionRow): NonNullable<SmokeAnswer["predictions"]>[number] {
  const numbers = Object.fromEntries(Object.entries(row.numbers).slice(0, KEPT.numbers));
  return row.label === undefined ? { numbers } : { label: cut(row.label, KEPT.labelChars), numbers };
}

/** Why no answer came, in plain text (stored, and escaped where it is shown as Markdown). */
function noAnswer(error: WorkspaceError): string {
  if (error.code === "workspace_unreachable") return `No answer: ${error.detail}`;
  if (error.code === "invoke_timeout") return `No answer within ${Math.round(error.timeoutMs / 1000)} s.`;
  return markdownToPlain(describeError(error));
}

/** At most `max` characters, never splitting a character (a surrogate pair), with "…" when cut. */
export function cut(text: string, max: number): string {
  const chars = Array.from(text);
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join("")}…`;
}

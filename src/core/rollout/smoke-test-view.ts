// The rollout card's smoke-test section: a summary line, the rule that decides pass or fail, and per sample the
// verdict and what the live and the new deployment answered.
import type { Rollout, SmokeAnswer, SmokeSample } from "../../ports/rollouts.js";
import { escapeMarkdown as md } from "../views/markdown.js";
import { describeStatus } from "../scoring/scoring-answer.js";
import { SMOKE_TOLERANCE, cut, sameNumber } from "./smoke-test.js";

/** One sample on the card. Markdown, but `errors` (a TextRun: plain text). */
export interface SmokeSampleView {
  sample: string;
  /** "pass · label changed 0 → 1", "FAIL · green answered 424". */
  verdict: string;
  /** The live deployment's answer, then the new one's: "blue (live)": "label 0 (0.470) · 200 · 11 ms". */
  answers: { title: string; value: string }[];
  /** The error text of each answer that has one, a line per deployment ("green: …"); "" when none. */
  errors: string;
}

export interface SmokeView {
  smoke: SmokeSampleView[];
  /** "6 of 6 samples passed on green · 1 of 6 changed label (borderline: 0 → 1) · largest probability change 0.104 …" */
  smokeSummary: string;
  /** Whether it passed, and what fails a smoke test and what does not. */
  smokeRule: string;
}

/** Samples named in a summary, at most. */
const NAMED = 3;
/** Numbers shown per row when a row has several, and the characters of their names. */
const SHOWN_NUMBERS = 2;
const NAME_CHARS = 24;

export function smokeView(r: Pick<Rollout, "smoke" | "live" | "candidate" | "override">): SmokeView {
  const smoke = r.smoke;
  if (!smoke) return { smoke: [], smokeSummary: "", smokeRule: "" };
  const candidate = md(r.candidate);
  let smokeRule = `Passed: ${candidate} answered every sample. Changed labels and numbers do not fail the smoke test; they are for the approver to judge.`;
  if (!smoke.passed) {
    smokeRule = `Failed: ${candidate} must answer every stored sample with 2xx, so step 1 needs an admin's override with a reason.`;
    if (r.override)
      smokeRule = `Failed: ${candidate} did not answer every stored sample with 2xx; overridden by ${md(r.override.by.name)}.`;
  }
  return {
    smoke: smoke.samples.map((s) => sampleView(s, r.live, r.candidate)),
    smokeSummary: smoke.note ? md(smoke.note) : summary(smoke.samples, r.live, r.candidate),
    smokeRule,
  };
}

function summary(samples: SmokeSample[], live: string, candidate: string): string {
  const failed = samples.filter((s) => !s.passed);
  const parts = [
    `${samples.length - failed.length} of ${samples.length} samples passed on ${md(candidate)}` +
      (failed.length ? ` (failed: ${named(failed.map((s) => md(s.sample)))})` : ""),
  ];
  const compared = samples.filter(wasCompared);
  const byPrediction = compared.filter((s) => s.comparison?.as === "predictions");
  const of = `of ${compared.length}${compared.length < samples.length ? " compared" : ""}`;
  if (byPrediction.length > 0) {
    const changed = byPrediction.filter((s) => labelChanges(s).changedLabels > 0);
    const which = changed.flatMap((s) => {
      const { labelChanges: first, changedLabels } = labelChanges(s);
      const rows = s.candidate.rows ?? 1;
      return first.map((c) =>
        rows > 1 || changedLabels > 1
          ? `${md(s.sample)} row ${c.row}: ${md(c.from)} → ${md(c.to)}`
          : `${md(s.sample)}: ${md(c.from)} → ${md(c.to)}`,
      );
    });
    const rowsChanged = changed.reduce((n, s) => n + labelChanges(s).changedLabels, 0);
    parts.push(`${changed.length} ${of} changed label` + (which.length ? ` (${named(which, rowsChanged)})` : ""));
    const others = compared.filter((s) => s.comparison?.as !== "predictions" && s.differs).length;
    if (others > 0) parts.push(`${others} other ${others === 1 ? "answer differs" : "answers differ"}`);
    const largest = largestChange(byPrediction);
    if (largest) {
      const { name, from, to } = largest.change;
      parts.push(
        sameNumber(from, to)
          ? `every number within ${SMOKE_TOLERANCE}`
          : `largest ${md(name)} change ${num(Math.abs(to - from))} (${md(largest.sample)})`,
      );
    }
  } else if (compared.length > 0) {
    parts.push(`${compared.filter((s) => s.differs).length} ${of} answered differently`);
  }
  const unanswered = samples.filter((s) => s.passed && !wasCompared(s)).length;
  if (unanswered > 0) parts.push(`${unanswered} not compared: ${md(live)} did not answer`);
  return parts.join(" · ");
}

function sampleView(s: SmokeSample, live: string, candidate: string): SmokeSampleView {
  const errors = [
    s.live?.error ? `${live}: ${s.live.error}` : "",
    s.candidate.error ? `${candidate}: ${s.candidate.error}` : "",
  ].filter(Boolean);
  return {
    sample: md(s.sample),
    verdict: verdict(s, live, candidate),
    answers: [
      { title: `${md(live)} (live)`, value: s.live ? answerText(s.live) : "not asked" },
      { title: `${md(candidate)} (new)`, value: answerText(s.candidate) },
    ],
    errors: errors.join("\n"),
  };
}

function verdict(s: SmokeSample, live: string, candidate: string): string {
  if (!s.passed) {
    return s.candidate.status === 0
      ? `FAIL · no answer from ${md(candidate)}`
      : `FAIL · ${md(candidate)} answered ${s.candidate.status}`;
  }
  const c = s.comparison;
  if (!c) {
    if (!wasCompared(s)) return `pass · not compared: ${md(live)} did not answer`;
    // Recorded before answers were compared as predictions: the bodies were compared as strings.
    return s.differs ? "pass · answer differs" : "pass · same answer";
  }
  if (c.as !== "predictions") {
    const rows = s.live?.rows !== undefined && s.candidate.rows !== undefined && s.live.rows !== s.candidate.rows;
    if (rows) return `pass · answer differs (${s.live?.rows} rows → ${s.candidate.rows} rows)`;
    return s.differs ? "pass · answer differs" : "pass · same answer";
  }
  if (!s.differs) return "pass · same answer";
  const rows = s.candidate.rows ?? 1;
  if (c.changedLabels > 0) {
    const [first] = c.labelChanges;
    if (rows === 1 && first) return `pass · label changed ${md(first.from)} → ${md(first.to)}`;
    const which = c.labelChanges.map((x) => `row ${x.row}: ${md(x.from)} → ${md(x.to)}`);
    return `pass · label changed in ${c.changedLabels} of ${rows} rows (${named(which, c.changedLabels)})`;
  }
  const m = c.largestChange;
  if (!m) return "pass · answer differs";
  const labelled = s.candidate.predictions?.some((p) => p.label !== undefined) ?? false;
  const delta = `${m.to >= m.from ? "+" : "-"}${num(Math.abs(m.to - m.from))}`;
  return `pass · ${labelled ? `same label${rows > 1 ? "s" : ""}, ` : ""}${md(m.name)} ${delta}${rows > 1 ? ` (row ${m.row})` : ""}`;
}

/** "label 0 (0.470) · 200 · 11 ms", "424 Model error: the scoring container answered 500 · 15 ms", "no answer". */
function answerText(a: SmokeAnswer): string {
  if (a.status === 0) return "no answer";
  const timing = `${Math.round(a.latencyMs)} ms`;
  if (a.status < 200 || a.status >= 300) return `${md(describeStatus(a))} · ${timing}`;
  const what = a.predictions ? predictionText(a.predictions, a.rows ?? a.predictions.length) : a.text && md(a.text);
  return [what, a.status, timing].filter((x) => x !== undefined && x !== "").join(" · ");
}

/** "label 0 (0.470)"; "labels 1 (0.750), 0 (0.079), 1 (0.751)"; "value 12.3"; "+ 7 more" past the rows kept. */
function predictionText(rows: NonNullable<SmokeAnswer["predictions"]>, total: number): string {
  if (rows.length === 0) return "no rows";
  const labelled = rows.some((r) => r.label !== undefined);
  const one = (r: (typeof rows)[number]): string => {
    const numbers = Object.entries(r.numbers);
    const only = numbers.length === 1 && numbers[0];
    const values = only
      ? num(only[1])
      : numbers
          .slice(0, SHOWN_NUMBERS)
          .map(([n, v]) => `${md(cut(n, NAME_CHARS))} ${num(v)}`)
          .join(", ") + (numbers.length > SHOWN_NUMBERS ? ", …" : "");
    if (r.label === undefined) return values;
    return values ? `${md(r.label)} (${values})` : md(r.label);
  };
  const noun = labelled ? "label" : "value";
  const more = total > rows.length ? `, + ${total - rows.length} more` : "";
  return `${noun}${total > 1 ? "s" : ""} ${rows.map(one).join(", ")}${more}`;
}

/** Both deployments answered 2xx, so their answers were compared. */
const wasCompared = (s: SmokeSample): boolean =>
  s.comparison !== undefined || (s.passed && s.live !== undefined && s.live.status >= 200 && s.live.status < 300);

function labelChanges(s: SmokeSample): {
  changedLabels: number;
  labelChanges: { row: number; from: string; to: string }[];
} {
  return s.comparison?.as === "predictions" ? s.comparison : { changedLabels: 0, labelChanges: [] };
}

/** The sample whose number moved most, relative to its size. */
function largestChange(
  samples: SmokeSample[],
): { sample: string; change: { name: string; from: number; to: number } } | undefined {
  let best: { sample: string; change: { name: string; from: number; to: number }; size: number } | undefined;
  for (const s of samples) {
    const m = s.comparison?.as === "predictions" ? s.comparison.largestChange : undefined;
    if (!m) continue;
    const size = Math.abs(m.to - m.from) / Math.max(1, Math.abs(m.from), Math.abs(m.to));
    if (!best || size > best.size) best = { sample: s.sample, change: m, size };
  }
  return best;
}

/** "a, b, c and 2 more". */
function named(items: string[], total = items.length): string {
  const shown = items.slice(0, NAMED);
  const rest = total - shown.length;
  return shown.join(", ") + (rest > 0 ? ` and ${rest} more` : "");
}

/** Three decimals for probabilities and scores; whole numbers as they are; one decimal from 1000 up. */
const num = (x: number): string =>
  Number.isInteger(x) ? String(x) : Math.abs(x) >= 1000 ? x.toFixed(1) : x.toFixed(3);

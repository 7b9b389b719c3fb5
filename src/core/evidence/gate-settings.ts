import type { GateThresholds } from "../../ports/evidence.js";

/** The endpoint tag that sets its gates, so they travel with the endpoint in Azure. */
export const GATES_TAG = "greenlight-gates";

/**
 * The gates when the tag sets none. The new deployment breaches on failed requests only above both live + 1 point and
 * 2 %: a version no worse than a live one that is already failing is not rolled back for it, and at low traffic a
 * couple of failures are not a breach. Its p95 may be 1.5 × the live one's + 20 ms: a ratio alone would flag a few
 * milliseconds of noise on a fast model. 50 requests in the window before any verdict: below that, one failure
 * swings the share by points (a "min-request guard", as canary tools use).
 */
export const DEFAULT_THRESHOLDS: Readonly<GateThresholds> = {
  failedPoints: 1,
  failedMaxPercent: 2,
  p95Ratio: 1.5,
  p95Ms: 20,
  minRequests: 50,
};

/** Azure's limit on a tag value. */
const TAG_MAX_CHARS = 256;
const ECHOED_CHARS = 60;

interface SettingSpec {
  key: keyof GateThresholds;
  min: number;
  max: number;
  /** What may follow the number ("2%", "20ms"); matched case-insensitively. */
  units: readonly string[];
  integer?: boolean;
  /** "0–100 %", as the problem says it. */
  range: string;
}

/** The tag's settings, by the name written in it. */
export const GATE_SETTINGS = {
  "failed-points": { key: "failedPoints", min: 0, max: 100, units: ["pt", "pts", "%"], range: "0–100 points" },
  "failed-max": { key: "failedMaxPercent", min: 0, max: 100, units: ["%"], range: "0–100 %" },
  "p95-ratio": { key: "p95Ratio", min: 1, max: 100, units: ["x", "×"], range: "1–100" },
  "p95-ms": { key: "p95Ms", min: 0, max: 60_000, units: ["ms"], range: "0–60000 ms" },
  "min-requests": { key: "minRequests", min: 1, max: 100_000, units: [], integer: true, range: "1–100000, whole" },
} as const satisfies Record<string, SettingSpec>;

export type GateSettingName = keyof typeof GATE_SETTINGS;

const NAMES = Object.keys(GATE_SETTINGS) as GateSettingName[];
const EXAMPLE = "failed-points=1, failed-max=2%, p95-ratio=1.5, p95-ms=20, min-requests=50";

export type ParsedGates =
  { ok: true; thresholds: GateThresholds; fromTag: GateSettingName[] } | { ok: false; problem: string };

/**
 * Reads a gates tag: `name=value` pairs separated by commas (or semicolons, or spaces), each name at most once, any
 * left out taking its default (`failed-points=0.5, p95-ms=50`). Names: failed-points, failed-max (a percentage,
 * "2%" or "2"), p95-ratio, p95-ms, min-requests. Defaults when the tag is absent or empty; a problem when it is
 * malformed, names something unknown or a value outside its range.
 */
export function parseGates(tag: string | undefined): ParsedGates {
  if (tag === undefined || tag.trim() === "") return { ok: true, thresholds: { ...DEFAULT_THRESHOLDS }, fromTag: [] };
  const refuse = (why: string): ParsedGates => ({
    ok: false,
    problem: `tag ${GATES_TAG} is '${echo(tag)}': ${why} (e.g. ${EXAMPLE})`,
  });
  if (tag.length > TAG_MAX_CHARS) return refuse(`it has ${tag.length} characters; a tag value holds ${TAG_MAX_CHARS}`);

  const thresholds: GateThresholds = { ...DEFAULT_THRESHOLDS };
  const fromTag: GateSettingName[] = [];
  const pairs = tag
    .trim()
    .replace(/\s*=\s*/g, "=")
    .split(/[,;\s]+/)
    .filter(Boolean);
  for (const pair of pairs) {
    const [name = "", value, ...rest] = pair.split("=");
    const known = NAMES.find((n) => n === name.toLowerCase());
    if (value === undefined || rest.length > 0 || name === "") {
      return refuse(`'${echo(pair)}' is not name=value; write name=value pairs separated by commas`);
    }
    if (!known) return refuse(`'${echo(name)}' is not a gate setting; the settings are ${NAMES.join(", ")}`);
    if (fromTag.includes(known)) return refuse(`${known} is set twice`);
    const spec: SettingSpec = GATE_SETTINGS[known];
    const number = readNumber(value, spec);
    if (number === undefined) return refuse(`${known} must be a number in ${spec.range}, not '${echo(value)}'`);
    thresholds[spec.key] = number;
    fromTag.push(known);
  }
  return { ok: true, thresholds, fromTag };
}

function readNumber(text: string, spec: SettingSpec): number | undefined {
  const m = /^(\d{1,6}(?:\.\d{1,4})?)(\D*)$/.exec(text);
  if (!m) return undefined;
  const unit = (m[2] ?? "").toLowerCase();
  if (unit !== "" && !spec.units.includes(unit)) return undefined;
  const n = Number(m[1]);
  if (spec.integer && !Number.isInteger(n)) return undefined;
  return n >= spec.min && n <= spec.max ? n : undefined;
}

/** A tag's text as a problem quotes it: its start, on one line. */
export const echo = (text: string): string => {
  const line = text.replace(/[\r\n\u2028\u2029]+/g, " ");
  return line.length > ECHOED_CHARS ? `${line.slice(0, ECHOED_CHARS)}…` : line;
};

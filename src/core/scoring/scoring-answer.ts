// A scoring answer as people read it: its status in words, its text, and the predictions in it. The `invoke` card and
// the rollout's smoke test read answers the same way.
import type { InvokeResult } from "../../ports/workspace.js";

/** One row of an answer read as a prediction: the class the model chose, and the numbers that came with it. */
export interface PredictionRow {
  /** The `label` of an MLflow record, or a bare string or boolean answer. */
  label?: string;
  /**
   * The row's numbers by output name (`probability`; an output with a value per class as `probability[0]`, …); a bare
   * number answer is `value`.
   */
  numbers: Record<string, number>;
}

/**
 * The rows of an answer that reads as predictions, one per input row: a JSON array — or MLflow 2's `{"predictions":
 * […]}` — of records (pandas `orient="records"`, as Azure's MLflow server answers: `[{"label":0,"probability":0.07}]`)
 * or of bare numbers, strings or booleans. A record has a `label` or only numbers; its other fields (text, nested
 * objects) are not read. Undefined for any other answer.
 */
export function readPredictions(body: string): PredictionRow[] | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (isRecord(parsed) && Array.isArray(parsed.predictions)) parsed = parsed.predictions;
  if (!Array.isArray(parsed)) return undefined;
  const rows: PredictionRow[] = [];
  for (const item of parsed) {
    const row = readRow(item);
    if (!row) return undefined;
    rows.push(row);
  }
  return rows;
}

function readRow(item: unknown): PredictionRow | undefined {
  if (typeof item === "number") return Number.isFinite(item) ? { numbers: { value: item } } : undefined;
  if (typeof item === "string" || typeof item === "boolean") return { label: String(item), numbers: {} };
  if (!isRecord(item)) return undefined;
  const { label, ...rest } = item;
  const numbers: Record<string, number> = {};
  for (const [name, value] of Object.entries(rest)) {
    if (typeof value === "number" && Number.isFinite(value)) numbers[name] = value;
    else if (Array.isArray(value) && value.length > 0 && value.every((v) => Number.isFinite(v))) {
      value.forEach((v: number, i) => (numbers[`${name}[${i}]`] = v));
    } else if (label === undefined) {
      return undefined;
    }
  }
  if (label === undefined) return Object.keys(numbers).length > 0 ? { numbers } : undefined;
  if (typeof label !== "string" && typeof label !== "number" && typeof label !== "boolean") return undefined;
  return { label: String(label), numbers };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** The status in words: "424 Model error: the scoring container answered 500". Plain text. */
export function describeStatus(r: Pick<InvokeResult, "status" | "modelErrorStatus">): string {
  switch (r.status) {
    case 200:
      return "200 OK";
    case 401:
      return "401 Unauthorized: the endpoint refused GreenLight's credential";
    case 404:
      return "404 Not found: no deployment takes traffic (or the deployment is gone)";
    case 408:
      return "408 Timed out: the model took longer than the deployment's request timeout";
    case 424:
      return `424 Model error: the scoring container answered ${r.modelErrorStatus ?? "an error"}`;
    case 429:
      return "429 Too many requests: the deployment is at its concurrency limit";
    default:
      return `${r.status}`;
  }
}

/**
 * The answer as a person reads it: JSON indented; a scoring error's message as plain text (Azure ML's front door and
 * the inference server answer `{"message": "…"}`, and MLflow servers `{"error": "…"}`), not as an escaped JSON string.
 */
export function readableBody(body: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body;
  }
  if (typeof parsed === "string") return parsed;
  if (isRecord(parsed)) {
    const fields = Object.entries(parsed);
    const [only] = fields;
    if (fields.length === 1 && only && typeof only[1] === "string" && /^(message|error|detail)$/i.test(only[0])) {
      return only[1];
    }
  }
  return JSON.stringify(parsed, null, 2);
}

import type { InferenceSession } from "onnxruntime-node";

type Outputs = InferenceSession.OnnxValueMapType;

/**
 * Renders the session's outputs as pandas `to_json(orient="records")` does on Azure's MLflow server: one object per
 * row, one key per model output (`[{"label":1,"probability":0.83}]`). An output with several values per row becomes
 * a list.
 */
export function createRecordsFormatter(outputNames: readonly string[]): (outputs: Outputs, rows: number) => string {
  const keys = outputNames.map((name, i) => `${i === 0 ? "{" : ","}${JSON.stringify(name)}:`);
  return (outputs, rows) => {
    const columns = outputNames.map((name) => {
      const tensor = outputs[name];
      if (tensor === undefined) throw new Error(`The model did not return output ${name}.`);
      const data = tensor.data as ArrayLike<unknown>;
      const perRow = rows === 0 ? 0 : data.length / rows;
      if (!Number.isInteger(perRow)) {
        throw new Error(`Output ${name} has ${data.length} values for ${rows} rows.`);
      }
      return { data, perRow, float32: tensor.type === "float32" };
    });
    let json = "[";
    for (let r = 0; r < rows; r++) {
      if (r > 0) json += ",";
      for (let k = 0; k < columns.length; k++) {
        const { data, perRow, float32 } = columns[k]!;
        json += keys[k]!;
        if (perRow === 1) json += formatValue(data[r], float32);
        else {
          json += "[";
          for (let j = 0; j < perRow; j++) json += (j > 0 ? "," : "") + formatValue(data[r * perRow + j], float32);
          json += "]";
        }
      }
      json += "}";
    }
    return json + "]";
  };
}

function formatValue(value: unknown, float32: boolean): string {
  switch (typeof value) {
    case "number":
      if (!Number.isFinite(value)) return "null";
      return float32 ? shortestFloat32(value) : String(value);
    case "bigint":
      return value.toString();
    case "boolean":
      return value ? "true" : "false";
    default:
      return JSON.stringify(value) ?? "null";
  }
}

/** The shortest decimal that reads back as the same float32: 0.83 rather than 0.8299999833106995. */
function shortestFloat32(value: number): string {
  for (let digits = 1; digits < 9; digits++) {
    const candidate = Number(value.toPrecision(digits));
    if (Math.fround(candidate) === value) return String(candidate);
  }
  return String(value);
}

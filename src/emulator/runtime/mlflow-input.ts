/** A request body turned into the model's input matrix, or the 400 message explaining why it could not be. */
export type ParsedInput =
  { ok: true; rows: number; values: Float32Array | Float64Array } | { ok: false; message: string };

export type InputElementType = "float32" | "float64";

/**
 * Builds the parser for Azure ML's MLflow payloads (https://learn.microsoft.com/azure/machine-learning/how-to-deploy-mlflow-models-online-endpoints,
 * "Input structure"): `{"input_data": {"columns", "index", "data"}}` (pandas split; columns in any order, mapped by
 * name) or `{"input_data": [[...], ...]}` (rows in signature order).
 */
export function createInputParser(
  columns: readonly string[],
  elementType: InputElementType,
): (rawBody: string) => ParsedInput {
  const width = columns.length;
  const positionOf = new Map(columns.map((name, i) => [name, i]));
  const columnList = columns.join(", ");
  const shapes =
    `Send {"input_data": {"columns": [${columns.map((c) => JSON.stringify(c)).join(", ")}], "index": [0], ` +
    `"data": [[...]]}} or {"input_data": [[...]]} with each row's ${width} values in that order.`;
  const fail = (message: string): ParsedInput => ({ ok: false, message });

  /** Maps each request column to its signature position, or explains which columns are wrong. */
  function columnOrder(requested: unknown): number[] | string {
    if (!Array.isArray(requested)) return `input_data.columns must be a list of column names. ${shapes}`;
    const order: number[] = [];
    const unknown: string[] = [];
    const seen = new Set<number>();
    for (const name of requested) {
      const position = typeof name === "string" ? positionOf.get(name) : undefined;
      if (position === undefined) unknown.push(String(name));
      else if (seen.has(position)) return `Column ${String(name)} appears more than once in input_data.columns.`;
      else {
        seen.add(position);
        order.push(position);
      }
    }
    const missing = columns.filter((_, i) => !seen.has(i));
    if (unknown.length === 0 && missing.length === 0) return order;
    const problems = [
      missing.length > 0 ? `Model is missing inputs [${missing.join(", ")}].` : "",
      unknown.length > 0 ? `Unknown columns [${unknown.join(", ")}].` : "",
    ];
    return `${problems.filter(Boolean).join(" ")} Expected columns: ${columnList}.`;
  }

  function fillRows(data: unknown, order: readonly number[] | null): ParsedInput {
    if (!Array.isArray(data)) return fail(`input_data.data must be a list of rows. ${shapes}`);
    const values =
      elementType === "float32" ? new Float32Array(data.length * width) : new Float64Array(data.length * width);
    for (let r = 0; r < data.length; r++) {
      const row: unknown = data[r];
      if (!Array.isArray(row) || row.length !== width) {
        const got = Array.isArray(row) ? `${row.length} values` : "not a list";
        return fail(`Row ${r} has ${got}; expected ${width} values (${columnList}).`);
      }
      const base = r * width;
      for (let c = 0; c < width; c++) {
        const value: unknown = row[c];
        const position = order === null ? c : order[c]!;
        if (typeof value !== "number") {
          return fail(`Row ${r}, column ${columns[position]}: expected a number, got ${JSON.stringify(value)}.`);
        }
        values[base + position] = value;
      }
    }
    return { ok: true, rows: data.length, values };
  }

  return (rawBody) => {
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return fail(`The request body is not valid JSON. ${shapes}`);
    }
    const input =
      typeof body === "object" && body !== null && !Array.isArray(body)
        ? (body as Record<string, unknown>)["input_data"]
        : undefined;
    if (input === undefined) return fail(`The request body needs the top-level key "input_data". ${shapes}`);
    if (Array.isArray(input)) return fillRows(input, null);
    if (typeof input !== "object" || input === null || !("data" in input) || !("columns" in input)) {
      return fail(`input_data must be a pandas split object (columns, index, data) or a list of rows. ${shapes}`);
    }
    const { columns: requested, index, data } = input as Record<string, unknown>;
    const order = columnOrder(requested);
    if (typeof order === "string") return fail(order);
    if (index !== undefined && Array.isArray(data) && (!Array.isArray(index) || index.length !== data.length)) {
      return fail(`input_data.index must list one label per row (${data.length} rows).`);
    }
    return fillRows(data, order);
  };
}

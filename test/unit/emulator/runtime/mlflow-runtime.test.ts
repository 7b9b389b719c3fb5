import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  diabetesModelDir,
  FEATURES,
  labels,
  message,
  predictions,
  sample,
  startRuntime,
  SCORING_FAILED,
  type RunningRuntime,
} from "./runtime-fixtures.js";

const body = (value: unknown): string => JSON.stringify(value);
const payloadOf = (name: string): string => body(sample(name).payload);

describe("MLflow runtime serving diabetes v1", () => {
  let v1: RunningRuntime;
  beforeAll(async () => {
    v1 = await startRuntime({ modelDir: diabetesModelDir(1) });
  });
  afterAll(async () => {
    await v1.runtime.close();
  });

  it("predicts each stored sample as its description says", async () => {
    expect(labels(await v1.runtime.score(payloadOf("typical-patient")))).toEqual([0]);
    expect(labels(await v1.runtime.score(payloadOf("high-risk")))).toEqual([1]);
    expect(labels(await v1.runtime.score(payloadOf("borderline")))).toEqual([0]);
    expect(labels(await v1.runtime.score(payloadOf("batch-of-3")))).toEqual([1, 0, 1]);
    expect(labels(await v1.runtime.score(payloadOf("many-pregnancies")))).toEqual([1]);
  });

  it("answers one record per row with the model's outputs and the probability of diabetes", async () => {
    const outcome = await v1.runtime.score(payloadOf("batch-of-3"));
    expect(outcome).toMatchObject({ status: 200, runFunctionFailed: false });
    const rows = predictions(outcome);
    expect(rows).toHaveLength(3);
    for (const row of rows) {
      expect(Object.keys(row)).toEqual(["label", "probability"]);
      expect(row.label).toBe(row.probability > 0.5 ? 1 : 0);
    }
    expect(rows[0]!.probability).toBeGreaterThan(0.7);
    expect(rows[1]!.probability).toBeLessThan(0.2);
    expect(outcome.execMs).toBeGreaterThan(0);
  });

  it("maps pandas-split columns by name, so shuffled columns give the same prediction", async () => {
    const { columns, data } = sample("batch-of-3").payload.input_data;
    const shuffled = [7, 5, 1, 0, 4, 6, 3, 2];
    const shuffledPayload = {
      input_data: {
        columns: shuffled.map((i) => columns[i]),
        index: [0, 1, 2],
        data: data.map((row) => shuffled.map((i) => row[i])),
      },
    };
    const inOrder = await v1.runtime.score(payloadOf("batch-of-3"));
    expect(predictions(await v1.runtime.score(body(shuffledPayload)))).toEqual(predictions(inOrder));
    expect(predictions(await v1.runtime.score(payloadOf("columns-in-any-order")))).toEqual(
      predictions(await v1.runtime.score(payloadOf("typical-patient"))),
    );
  });

  it("accepts input_data as a list of rows in signature order", async () => {
    const { data } = sample("batch-of-3").payload.input_data;
    const outcome = await v1.runtime.score(body({ input_data: data }));
    expect(predictions(outcome)).toEqual(predictions(await v1.runtime.score(payloadOf("batch-of-3"))));
  });

  it("logs each scoring request on one line, without the payload", async () => {
    v1.logs.length = 0;
    await v1.runtime.score(payloadOf("batch-of-3"));
    expect(v1.logs).toHaveLength(1);
    expect(v1.logs[0]).toMatch(/^Scoring request: 3 row\(s\), 200 in [\d.]+ ms$/);
  });

  describe("refuses a payload it cannot score with 400 and a message that says how to fix it", () => {
    const row = [1, 85, 66, 29, 20, 26.6, 0.351, 31];
    const split = (columns: string[], data: unknown[][]): string =>
      body({ input_data: { columns, index: data.map((_, i) => i), data } });

    it.each([
      ["a body that is not JSON", "{input_data:", /not valid JSON.*"input_data"/],
      [
        "the built-in MLflow server's dataframe_split",
        body({ dataframe_split: { columns: FEATURES, data: [row] } }),
        /top-level key "input_data"/,
      ],
      [
        "a classic {data} payload",
        body({ data: [row] }),
        /top-level key "input_data".*\{"input_data": \[\[\.\.\.\]\]\}/,
      ],
      [
        "input_data that is neither a split nor a list",
        body({ input_data: { input: [row] } }),
        /pandas split object \(columns, index, data\) or a list of rows/,
      ],
      ["a missing column", split(FEATURES.slice(0, 7), [row.slice(0, 7)]), /missing inputs \[Age\]/],
      [
        "an unknown column",
        split([...FEATURES.slice(0, 7), "Glucose"], [row]),
        /missing inputs \[Age\]\. Unknown columns \[Glucose\]/,
      ],
      ["a duplicated column", split([...FEATURES.slice(0, 7), "BMI"], [row]), /Column BMI appears more than once/],
      ["a short row", split(FEATURES, [row, row.slice(0, 6)]), /Row 1 has 6 values; expected 8/],
      ["a text value", split(FEATURES, [[...row.slice(0, 7), "31"]]), /Row 0, column Age: expected a number, got "31"/],
      ["a short row in a list of rows", body({ input_data: [row.slice(1)] }), /Row 0 has 7 values; expected 8/],
      [
        "an index that does not match the rows",
        body({ input_data: { columns: FEATURES, index: [0, 1], data: [row] } }),
        /one label per row/,
      ],
    ])("%s", async (_, payload, expected) => {
      const outcome = await v1.runtime.score(payload);
      expect(outcome).toMatchObject({ status: 400, runFunctionFailed: false });
      expect(message(outcome)).toMatch(expected);
    });

    it("names the accepted shapes and the expected columns", async () => {
      const text = message(await v1.runtime.score(body({ data: [row] })));
      expect(text).toContain('{"input_data": {"columns": ["Pregnancies", "PlasmaGlucose"');
      expect(text).toContain('{"input_data": [[...]]}');
    });
  });
});

describe("MLflow runtime serving diabetes v2", () => {
  it("disagrees with v1 on the borderline sample, as its description documents", async () => {
    const borderline = sample("borderline");
    const v1 = await startRuntime({ modelDir: diabetesModelDir(1) });
    const v2 = await startRuntime({ modelDir: diabetesModelDir(2) });
    try {
      expect(labels(await v1.runtime.score(body(borderline.payload)))).toEqual([0]);
      expect(labels(await v2.runtime.score(body(borderline.payload)))).toEqual([1]);
      expect(borderline.description).toMatch(/version 1 predicts 0, versions 2 and 3 predict 1/);
      for (const name of ["typical-patient", "high-risk", "batch-of-3", "many-pregnancies"]) {
        expect(labels(await v2.runtime.score(payloadOf(name)))).toEqual(
          labels(await v1.runtime.score(payloadOf(name))),
        );
      }
    } finally {
      await v1.runtime.close();
      await v2.runtime.close();
    }
  });
});

describe("MLflow runtime serving the faulty diabetes v3", () => {
  let v3: RunningRuntime;
  beforeAll(async () => {
    v3 = await startRuntime({ modelDir: diabetesModelDir(3) });
  });
  afterAll(async () => {
    await v3.runtime.close();
  });

  it("scores patients with fewer than 10 pregnancies", async () => {
    expect(labels(await v3.runtime.score(payloadOf("typical-patient")))).toEqual([0]);
    expect(labels(await v3.runtime.score(payloadOf("batch-of-3")))).toEqual([1, 0, 1]);
  });

  it("fails inside onnxruntime with 10 or more pregnancies: 500, run function failed, the real error in the log", async () => {
    v3.logs.length = 0;
    const outcome = await v3.runtime.score(payloadOf("many-pregnancies"));
    expect(outcome).toMatchObject({ status: 500, runFunctionFailed: true });
    expect(message(outcome)).toBe(SCORING_FAILED);
    expect(v3.logs.join("\n")).toMatch(/Request failed: .*Gather.*indices element out of data bounds, idx=11/);
  });

  it("keeps serving after a failed request", async () => {
    await v3.runtime.score(payloadOf("many-pregnancies"));
    expect(labels(await v3.runtime.score(payloadOf("high-risk")))).toEqual([1]);
  });
});

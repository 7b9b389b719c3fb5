// What a deployment does with a payload (reference §6 "Payload formats"): an MLflow no-code deployment reads
// `input_data` columns by name; a custom deployment runs its scoring script's run() on `{"data": [[…]]}`.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/unique-name.js";
import { FEATURES, mlflowPayload, sample, servedBy, startScoringWorkspace } from "./scoring-fixture.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

const TYPICAL = [1, 85, 66, 29, 20, 26.6, 0.351, 31];
const HIGH_RISK = [8, 183, 64, 28, 200, 40.1, 1.2, 52];
const BORDERLINE = [4, 128, 74, 31, 110, 33.5, 0.55, 40];

/** The seeded code asset's scoring script, as a custom deployment names it. */
const scoreJs = (w: ScoringWorkspace) => ({
  codeId: `${w.emulator.workspaceId}/codes/diabetes-score/versions/1`,
  scoringScript: "score.js",
});

describe("emulator data plane: payloads", () => {
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace();
  });
  afterAll(async () => {
    await w.close();
  });

  it("gives the same prediction for MLflow input_data whose columns come in another order", async () => {
    const endpoint = uniqueName("columns");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 2 } }, { blue: 100 });
    const rows = [TYPICAL, HIGH_RISK, BORDERLINE];
    const order = [7, 5, 2, 0, 4, 6, 3, 1];
    const shuffledColumns = order.map((i) => FEATURES[i] ?? "");
    const shuffledRows = rows.map((row) => order.map((i) => row[i] ?? NaN));

    const inOrder = await w.score(endpoint, mlflowPayload(rows));
    const shuffled = await w.score(endpoint, mlflowPayload(shuffledRows, shuffledColumns));
    // Control: the same shuffled values under the trained column order mean other patients.
    const misread = await w.score(endpoint, mlflowPayload(shuffledRows));
    const seededInOrder = await w.score(endpoint, sample("typical-patient"));
    const seededShuffled = await w.score(endpoint, sample("columns-in-any-order"));

    expect(inOrder.status).toBe(200);
    expect(inOrder.json).toEqual([
      expect.objectContaining({ label: 0 }),
      expect.objectContaining({ label: 1 }),
      expect.objectContaining({ label: 1 }),
    ]);
    expect(shuffled.status).toBe(200);
    expect(shuffled.json).toEqual(inOrder.json);
    expect(misread.status).toBe(200);
    expect(misread.json).not.toEqual(inOrder.json);
    expect(seededShuffled.json).toEqual(seededInOrder.json);
  });

  it('serves a custom deployment\'s score.js with the registered model, scoring {"data": [[…]]}', async () => {
    const endpoint = uniqueName("custom");
    await w.createEndpoint(
      endpoint,
      {
        custom: {
          modelVersion: 1,
          codeConfiguration: scoreJs(w),
        },
        mlflow: { modelVersion: 1 },
      },
      { custom: 100, mlflow: 0 },
    );

    const custom = await w.score(endpoint, { data: [TYPICAL, HIGH_RISK] });
    const reference = await w.score(endpoint, mlflowPayload([TYPICAL, HIGH_RISK]), { deployment: "mlflow" });

    expect(custom.status).toBe(200);
    expect(servedBy(custom)).toBe("custom");
    const predictions = custom.json as { label: number; probability: unknown }[];
    expect(predictions.map((p) => p.label)).toEqual([0, 1]);
    // The script runs the same ONNX model the MLflow deployment of version 1 serves.
    const expected = reference.json as { label: number; probability: unknown }[];
    expect(reference.status).toBe(200);
    expect(predictions.map((p) => p.label)).toEqual(expected.map((p) => p.label));
    // score.js prints the float32 in full; the MLflow server prints its shortest form.
    expect(predictions.map((p) => p.probability)).toEqual(
      expected.map((p) => expect.closeTo(Number(p.probability), 6) as unknown),
    );
  });

  it("answers 424 when a custom deployment's run() rejects the payload", async () => {
    const endpoint = uniqueName("custombad");
    await w.createEndpoint(
      endpoint,
      {
        custom: {
          modelVersion: 1,
          codeConfiguration: scoreJs(w),
        },
      },
      { custom: 100 },
    );

    // score.js wants {"data": …}; an MLflow payload makes run() throw.
    const answer = await w.score(endpoint, sample("typical-patient"));

    expect(answer.status).toBe(424);
    expect(answer.headers["ms-azureml-model-error-statuscode"]).toBe("500");
    expect(answer.headers["x-ms-run-function-failed"]).toBe("True");
  });
});

// The front door's failure answers (reference §6, TROUBLE table): 408 past requestTimeout, 424 when the container
// answers non-200, 429 past 2 × maxConcurrentRequestsPerInstance × instances in flight; and the per-deployment
// counters that metric gates read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { uniqueName } from "../support/unique-name.js";
import { sample, servedBy, startScoringWorkspace } from "./scoring-fixture.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

const SCORING_FAILED = "An unexpected error occurred in scoring script. Check the logs for more info.";

describe("emulator data plane: failures", () => {
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace();
  });
  afterAll(async () => {
    await w.close();
  });

  it("answers 408 at the deployment's requestTimeout when scoring takes longer", async () => {
    const endpoint = uniqueName("timeout");
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1, requestSettings: { requestTimeout: "PT0.2S" } } },
      { blue: 100 },
    );
    const inTime = await w.score(endpoint, sample("typical-patient"));

    await w.injectFault({ kind: "scoringDelay", endpoint, deployment: "blue", delayMs: 1500 });
    const started = performance.now();
    const late = await w.score(endpoint, sample("typical-patient"));
    const elapsed = performance.now() - started;

    expect(inTime.status).toBe(200);
    expect(late.status).toBe(408);
    expect(servedBy(late)).toBe("blue");
    // The front door gives up at the timeout rather than waiting for the container.
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(1000);
  });

  it("answers 424 with the container's status and reason when the faulty model version fails", async () => {
    const endpoint = uniqueName("faulty");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 3 } }, { blue: 100 });

    const fine = await w.score(endpoint, sample("typical-patient"));
    const failed = await w.score(endpoint, sample("many-pregnancies"));

    expect(fine.status).toBe(200);
    expect(failed.status).toBe(424);
    expect(servedBy(failed)).toBe("blue");
    expect(failed.headers["ms-azureml-model-error-statuscode"]).toBe("500");
    expect(failed.headers["ms-azureml-model-error-reason"]).toEqual(expect.stringMatching(/\S/));
    expect(failed.json).toEqual({ message: SCORING_FAILED });
  });

  it("answers 424 carrying the container's 400 when the payload is not one the model accepts", async () => {
    const endpoint = uniqueName("badinput");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });

    const answer = await w.score(endpoint, { data: [[1, 2, 3]] });

    expect(answer.status).toBe(424);
    expect(answer.headers["ms-azureml-model-error-statuscode"]).toBe("400");
    expect(answer.headers["ms-azureml-model-error-reason"]).toEqual(expect.stringMatching(/\S/));
  });

  it("answers 424 for every request while a scoringFailure fault is injected, and 200 again once it is lifted", async () => {
    const endpoint = uniqueName("scorefail");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });

    await w.injectFault({ kind: "scoringFailure", endpoint, deployment: "blue", rate: 1 });
    const failed = await w.score(endpoint, sample("typical-patient"));
    await w.injectFault({ kind: "scoringFailure", endpoint, deployment: "blue", rate: 0 });
    const recovered = await w.score(endpoint, sample("typical-patient"));

    expect(failed.status).toBe(424);
    expect(failed.headers["ms-azureml-model-error-statuscode"]).toBe("500");
    expect(failed.headers["ms-azureml-model-error-reason"]).toEqual(expect.stringMatching(/\S/));
    expect(failed.headers["x-ms-run-function-failed"]).toBe("True");
    expect(failed.json).toEqual({ message: SCORING_FAILED });
    expect(recovered.status).toBe(200);
  });

  it("answers 429 'Too many pending requests' beyond 2 in flight for one instance at maxConcurrentRequestsPerInstance 1", async () => {
    const endpoint = uniqueName("busy");
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1, capacity: 1, requestSettings: { maxConcurrentRequestsPerInstance: 1 } } },
      { blue: 100 },
    );
    await w.injectFault({ kind: "scoringDelay", endpoint, deployment: "blue", delayMs: 500 });

    const answers = await Promise.all(Array.from({ length: 6 }, () => w.score(endpoint, sample("typical-patient"))));
    const afterwards = await w.score(endpoint, sample("typical-patient"));

    const statuses = answers.map((a) => a.status).sort();
    expect(statuses).toEqual([200, 200, 429, 429, 429, 429]);
    for (const refused of answers.filter((a) => a.status === 429)) {
      expect(refused.json).toEqual({ message: expect.stringMatching(/^Too many pending requests/) as string });
    }
    // The slots free up once the slow requests finish.
    expect(afterwards.status).toBe(200);
  });

  it("raises the 429 limit with the instance count", async () => {
    const endpoint = uniqueName("busy2");
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1, capacity: 2, requestSettings: { maxConcurrentRequestsPerInstance: 1 } } },
      { blue: 100 },
    );
    await w.injectFault({ kind: "scoringDelay", endpoint, deployment: "blue", delayMs: 500 });

    const answers = await Promise.all(Array.from({ length: 6 }, () => w.score(endpoint, sample("typical-patient"))));

    expect(answers.map((a) => a.status).sort()).toEqual([200, 200, 200, 200, 429, 429]);
  });

  it("counts each deployment's requests by status class and reports their latency percentiles", async () => {
    const endpoint = uniqueName("counted");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 }, green: { modelVersion: 2 } }, { blue: 100 });
    await w.injectFault({ kind: "scoringDelay", endpoint, deployment: "blue", delayMs: 60 });

    for (let i = 0; i < 6; i++) await w.score(endpoint, sample("typical-patient"));
    await w.injectFault({ kind: "scoringFailure", endpoint, deployment: "blue", rate: 1 });
    for (let i = 0; i < 3; i++) await w.score(endpoint, sample("typical-patient"));
    // Refused before routing: not a deployment's request.
    await w.score(endpoint, sample("typical-patient"), { key: null });
    const metrics = await w.metrics(endpoint);

    expect(metrics["blue"]).toMatchObject({
      requests: 9,
      byStatusClass: { "2xx": 6, "4xx": 3, "5xx": 0 },
      byStatus: { "200": 6, "424": 3 },
    });
    const latency = metrics["blue"]?.latencyMs;
    expect(latency).not.toBeNull();
    expect(latency?.p50).toBeGreaterThanOrEqual(60);
    expect(latency?.p90).toBeGreaterThanOrEqual(latency?.p50 ?? Infinity);
    expect(latency?.p99).toBeGreaterThanOrEqual(latency?.p90 ?? Infinity);
    expect(latency?.p99).toBeLessThan(1000);
    expect(metrics["green"]).toEqual({
      requests: 0,
      byStatusClass: { "2xx": 0, "4xx": 0, "5xx": 0 },
      byStatus: {},
      latencyMs: null,
    });
  });
});

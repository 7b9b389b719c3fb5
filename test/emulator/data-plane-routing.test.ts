// Scoring through the emulator's front door: weighted routing by traffic, routing by the azureml-model-deployment
// header, the 404 for an endpoint without positive weight, mirror traffic, and the response headers (reference §6).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sendRaw } from "../../src/workspace/arm-client.js";
import { sendRawAndWait } from "../support/raw-lro.js";
import { uniqueName } from "../support/unique-name.js";
import { eventually, inBatches, sample, servedBy, startScoringWorkspace } from "./scoring-fixture.js";
import type { ScoringWorkspace } from "./scoring-fixture.js";

/** The smallest and largest counts inside the central `confidence` mass of Binomial(n, p), computed exactly. */
function binomialBounds(n: number, p: number, confidence: number): { low: number; high: number } {
  const tail = (1 - confidence) / 2;
  const logPmf = (k: number): number => logChoose(n, k) + k * Math.log(p) + (n - k) * Math.log1p(-p);
  let cdf = 0;
  let low = 0;
  let high = n;
  let lowFound = false;
  for (let k = 0; k <= n; k++) {
    cdf += Math.exp(logPmf(k));
    if (!lowFound && cdf > tail) {
      low = k;
      lowFound = true;
    }
    if (cdf >= 1 - tail) {
      high = k;
      break;
    }
  }
  return { low, high };
}

function logChoose(n: number, k: number): number {
  let sum = 0;
  for (let i = 1; i <= k; i++) sum += Math.log(n - k + i) - Math.log(i);
  return sum;
}

const MIRROR_API_VERSION = "2023-04-01";

describe("emulator data plane: routing", () => {
  let w: ScoringWorkspace;

  beforeAll(async () => {
    w = await startScoringWorkspace();
  });
  afterAll(async () => {
    await w.close();
  });

  it("splits 1,000 requests at traffic 90/10 within the binomial 99.9 % bounds", async () => {
    const endpoint = uniqueName("split");
    // A high enough concurrency limit that the batch below never meets a 429.
    const requestSettings = { maxConcurrentRequestsPerInstance: 16 };
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1, requestSettings }, green: { modelVersion: 2, requestSettings } },
      { blue: 90, green: 10 },
    );

    const answers = await inBatches(1000, 8, () => w.score(endpoint, sample("typical-patient")));

    expect(answers.filter((a) => a.status !== 200).map((a) => `${a.status} ${a.text}`)).toEqual([]);
    const served = answers.map(servedBy);
    const green = served.filter((d) => d === "green").length;
    const blue = served.filter((d) => d === "blue").length;
    expect(blue + green).toBe(1000);
    const { low, high } = binomialBounds(1000, 0.1, 0.999);
    // Sanity of the bounds themselves: the normal approximation with z = 3.29 gives about 100 ± 31.
    expect(Math.abs(low - 69)).toBeLessThanOrEqual(3);
    expect(Math.abs(high - 131)).toBeLessThanOrEqual(3);
    expect(green).toBeGreaterThanOrEqual(low);
    expect(green).toBeLessThanOrEqual(high);
  });

  it("sends a request naming a deployment in azureml-model-deployment to it, even at 0 % traffic", async () => {
    const endpoint = uniqueName("hdr");
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1 }, green: { modelVersion: 2 } },
      { blue: 100, green: 0 },
    );

    // Versions 1 and 2 disagree on the borderline patient (0 vs 1), so the answer shows which model ran.
    const toGreen = await w.score(endpoint, sample("borderline"), { deployment: "green" });
    const byTraffic = await w.score(endpoint, sample("borderline"));

    expect(toGreen.status).toBe(200);
    expect(servedBy(toGreen)).toBe("green");
    expect(toGreen.json).toEqual([expect.objectContaining({ label: 1 })]);
    expect(byTraffic.status).toBe(200);
    expect(servedBy(byTraffic)).toBe("blue");
    expect(byTraffic.json).toEqual([expect.objectContaining({ label: 0 })]);
  });

  it("answers 404 when azureml-model-deployment names a deployment the endpoint does not have", async () => {
    const endpoint = uniqueName("hdr404");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });

    const answer = await w.score(endpoint, sample("typical-patient"), { deployment: "purple" });

    expect(answer.status).toBe(404);
    expect(answer.json).toEqual({ message: expect.stringContaining("purple") as string });
  });

  it("answers 404 'no valid deployment with positive weight' while the endpoint's traffic is empty or all zero", async () => {
    const endpoint = uniqueName("noweight");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } });

    const withEmptyTraffic = await w.score(endpoint, sample("typical-patient"));
    await w.setTraffic(endpoint, { blue: 0 });
    const withZeroTraffic = await w.score(endpoint, sample("typical-patient"));
    const targeted = await w.score(endpoint, sample("typical-patient"), { deployment: "blue" });

    for (const answer of [withEmptyTraffic, withZeroTraffic]) {
      expect(answer.status).toBe(404);
      expect(answer.json).toEqual({
        message: "The endpoint doesn't have any valid deployment with positive weight.",
      });
    }
    expect(targeted.status).toBe(200);
  });

  it("mirrors traffic-routed requests to the mirror deployment while every answer comes from the live one", async () => {
    const endpoint = uniqueName("mirror");
    const requestSettings = { maxConcurrentRequestsPerInstance: 16 };
    await w.createEndpoint(
      endpoint,
      { blue: { modelVersion: 1, requestSettings }, green: { modelVersion: 2, requestSettings } },
      { blue: 100 },
    );
    // 2.1.1 drops mirrorTraffic, so GET + PUT at an api-version that has it.
    const path =
      `/subscriptions/${w.emulator.subscriptionId}/resourceGroups/${w.emulator.resourceGroup}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${w.emulator.workspaceName}/onlineEndpoints/${endpoint}`;
    const current = await sendRaw(w.client, { method: "GET", url: path, apiVersion: MIRROR_API_VERSION });
    expect(current.status).toBe(200);
    const body = current.body as { location: string; properties: Record<string, unknown> };
    await sendRawAndWait(w.client, {
      method: "PUT",
      url: path,
      apiVersion: MIRROR_API_VERSION,
      body: {
        location: body.location,
        properties: { ...body.properties, traffic: { blue: 100 }, mirrorTraffic: { green: 50 } },
      },
      pollIntervalMs: 10,
    });

    const n = 200;
    const answers = await inBatches(n, 4, () => w.score(endpoint, sample("borderline")));
    // Binomial(200, 0.5) at 99.9 %: 100 ± 3.29 · √50 ≈ 100 ± 23.
    const settled = (m: Awaited<ReturnType<ScoringWorkspace["metrics"]>>): boolean =>
      (m["green"]?.requests ?? 0) >= 77 && (m["blue"]?.requests ?? 0) >= n;
    const afterRouted = await eventually(() => w.metrics(endpoint), settled);
    // Mirror copies finish after the client's answer; give stragglers a moment before the count is final.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const mirrored = (await w.metrics(endpoint))["green"];

    expect(answers.map((a) => `${a.status} ${servedBy(a)}`)).toEqual(Array<string>(n).fill("200 blue"));
    // Blue (version 1) says 0 for the borderline patient; green (version 2) would say 1.
    expect(answers.every((a) => JSON.stringify(a.json) === JSON.stringify(answers[0]?.json))).toBe(true);
    expect(answers[0]?.json).toEqual([expect.objectContaining({ label: 0 })]);
    expect(afterRouted["blue"]?.requests).toBe(n);
    expect(mirrored?.requests).toBeGreaterThanOrEqual(77);
    expect(mirrored?.requests).toBeLessThanOrEqual(123);
    expect(mirrored?.byStatusClass).toEqual({ "2xx": mirrored?.requests, "4xx": 0, "5xx": 0 });

    const targeted = await inBatches(20, 4, () => w.score(endpoint, sample("borderline"), { deployment: "blue" }));
    await new Promise((resolve) => setTimeout(resolve, 100));
    const afterTargeted = await w.metrics(endpoint);

    expect(targeted.every((a) => a.status === 200 && servedBy(a) === "blue")).toBe(true);
    expect(afterTargeted["blue"]?.requests).toBe(n + 20);
    expect(afterTargeted["green"]?.requests).toBe(mirrored?.requests);
  });

  it("names the serving deployment and echoes the client's x-request-id in the response headers", async () => {
    const endpoint = uniqueName("hdrs");
    await w.createEndpoint(endpoint, { blue: { modelVersion: 1 } }, { blue: 100 });

    const echoed = await w.score(endpoint, sample("typical-patient"), {
      headers: { "x-request-id": "greenlight-test-0001" },
    });
    const first = await w.score(endpoint, sample("typical-patient"));
    const second = await w.score(endpoint, sample("typical-patient"));
    const refused = await w.score(endpoint, sample("typical-patient"), {
      key: null,
      headers: { "x-request-id": "greenlight-test-0002" },
    });

    expect(echoed.status).toBe(200);
    expect(echoed.headers["azureml-model-deployment"]).toBe("blue");
    expect(echoed.headers["x-request-id"]).toBe("greenlight-test-0001");
    // Without one, the front door makes a fresh id per request.
    expect(first.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(second.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
    expect(first.headers["x-request-id"]).not.toBe(second.headers["x-request-id"]);
    expect(refused.status).toBe(401);
    expect(refused.headers["x-request-id"]).toBe("greenlight-test-0002");
  });
});

// The demo traffic npm start sends (src/dev/traffic): against an in-process local workspace, judged by what its front
// door counted per deployment (/_emulator/endpoints/<name>/metrics) and by the lines it logged. Counts have generous
// bounds: timers on a shared, busy machine run late, never early.
import { readFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RunningEmulator } from "../../src/emulator/emulator.js";
import { DIABETES_FEATURES } from "../../src/emulator/seed/diabetes-features.js";
import { LocalTraffic, type LocalTrafficOptions } from "../../src/dev/traffic/local-traffic.js";
import { MANY_PREGNANCIES_SHARE, varyPayload } from "../../src/dev/traffic/vary-payload.js";
import { eventually, startScoringWorkspace, type ScoringWorkspace } from "../emulator/scoring-fixture.js";

const ENDPOINT = "diabetes-prod";
const LRO = { updateIntervalInMs: 10 };
/** The features every seeded sample gives as whole numbers. */
const WHOLE_FEATURES = ["Pregnancies", "PlasmaGlucose", "DiastolicBloodPressure", "TricepsThickness", "SerumInsulin"];

interface SplitTable {
  input_data: { columns: string[]; index: number[]; data: number[][] };
}

const seeded = (
  JSON.parse(readFileSync(new URL("../../src/emulator/seed/samples.json", import.meta.url), "utf8")) as {
    name: string;
    payload: SplitTable;
  }[]
).map((s) => s.payload);

/** Each row of a split-table payload as feature → value. */
function patients(payload: SplitTable): Record<string, number>[] {
  const { columns, data } = payload.input_data;
  return data.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i] ?? NaN])));
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe("local demo traffic: the payloads", () => {
  const draws = Array.from({ length: 3000 }, (_, i) => varyPayload(seeded[i % seeded.length], Math.random));

  it("keeps whole-number features whole, every feature in the models' range, and the index as stored", () => {
    for (const [i, payload] of draws.entries()) {
      const stored = seeded[i % seeded.length]!;
      expect((payload as SplitTable).input_data.index).toEqual(stored.input_data.index);
      expect((payload as SplitTable).input_data.columns).toEqual(stored.input_data.columns);
      for (const patient of patients(payload as SplitTable)) {
        for (const feature of WHOLE_FEATURES) expect(Number.isInteger(patient[feature]), feature).toBe(true);
        expect(patient["PlasmaGlucose"]).toBeGreaterThanOrEqual(44);
        expect(patient["PlasmaGlucose"]).toBeLessThanOrEqual(192);
        expect(patient["Age"]).toBeGreaterThanOrEqual(21);
        expect(patient["Pregnancies"]).toBeLessThanOrEqual(14);
        expect(Object.keys(patient).sort()).toEqual([...DIABETES_FEATURES].sort());
      }
    }
  });

  it("varies the stored values, so that most payloads differ", () => {
    const distinct = new Set(draws.map((d) => JSON.stringify(d)));
    expect(distinct.size).toBeGreaterThan(draws.length / 2);
  });

  it("gives about one request in fourteen a patient with 10 or more pregnancies, the rows diabetes:3 fails on", () => {
    const failing = draws.filter((d) => patients(d as SplitTable).some((p) => (p["Pregnancies"] ?? 0) >= 10));
    // 3000 draws at 7 %: 210 expected, a standard deviation of 14.
    expect(MANY_PREGNANCIES_SHARE).toBe(0.07);
    expect(failing.length).toBeGreaterThan(140);
    expect(failing.length).toBeLessThan(280);
  });

  it("sends a payload of a shape it does not know as stored", () => {
    const other = { inputs: { text: ["a review"] }, threshold: 0.5 };
    expect(varyPayload(other, Math.random)).toEqual(other);
  });
});

describe("local demo traffic against the local workspace", () => {
  let w: ScoringWorkspace;
  let traffic: LocalTraffic | undefined;
  let lines: string[];

  beforeEach(async () => {
    w = await startScoringWorkspace();
    lines = [];
  });
  afterEach(async () => {
    await traffic?.stop();
    traffic = undefined;
    await w.close();
  });

  function startTraffic(requestsPerSecond: number, options: Partial<LocalTrafficOptions> = {}): LocalTraffic {
    const { emulator } = w;
    traffic = LocalTraffic.start({
      access: { url: emulator.armBaseUrl, caCertPem: emulator.caCertPem },
      workspace: {
        subscriptionId: emulator.subscriptionId,
        resourceGroup: emulator.resourceGroup,
        workspace: emulator.workspaceName,
      },
      requestsPerSecond,
      log: (line) => lines.push(line),
      ...options,
    });
    return traffic;
  }

  /** Requests each deployment of the endpoint answered, by status. */
  async function answered(): Promise<Record<string, Record<string, number>>> {
    const metrics = await w.metrics(ENDPOINT);
    return Object.fromEntries(Object.entries(metrics).map(([d, m]) => [d, m.byStatus]));
  }

  async function deleteEndpoint(): Promise<void> {
    const { client, emulator } = w;
    await client.onlineEndpoints.beginDeleteAndWait(emulator.resourceGroup, emulator.workspaceName, ENDPOINT, LRO);
  }

  /** The lines logged, but for the one a busy machine may add to any run: a slow answer. */
  function said(): string[] {
    return lines.filter((line) => !line.includes("answers slowly"));
  }

  async function requests(deployment = "blue"): Promise<number> {
    return (await w.metrics(ENDPOINT))[deployment]?.requests ?? 0;
  }

  it("sends about its rate's worth of requests, split across the deployments by the endpoint's traffic", async () => {
    await w.createDeployment(ENDPOINT, "green", { modelVersion: 2 });
    await w.setTraffic(ENDPOINT, { blue: 75, green: 25 });

    const running = startTraffic(40);
    await sleep(3000);
    await running.stop();

    const byDeployment = await answered();
    const blue = byDeployment["blue"]?.["200"] ?? 0;
    const green = byDeployment["green"]?.["200"] ?? 0;
    // diabetes:1 and :2 score every row: every answer is a 200.
    expect(byDeployment).toEqual({ blue: { "200": blue }, green: { "200": green } });
    // 120 at 40/s for 3 s: a late timer skips, nothing sends more.
    expect(blue + green).toBeGreaterThanOrEqual(50);
    expect(blue + green).toBeLessThanOrEqual(125);
    expect(green / (blue + green)).toBeGreaterThan(0.05);
    expect(green / (blue + green)).toBeLessThan(0.5);
    expect(said()).toEqual([`sending 40 requests/s to ${ENDPOINT}, varied from its 6 samples`]);
  });

  it("makes a deployment of the faulty diabetes:3 fail on some requests, and diabetes:1 on none", async () => {
    await w.createDeployment(ENDPOINT, "green", { modelVersion: 3 });
    await w.setTraffic(ENDPOINT, { blue: 50, green: 50 });

    const running = startTraffic(60);
    // 150 requests with a 7 % chance each leave none failing once in 50 000 runs.
    await eventually(
      () => requests("green"),
      (n) => n >= 150,
      30_000,
    );
    await running.stop();

    const byDeployment = await answered();
    const green = byDeployment["green"] ?? {};
    const failed = green["424"] ?? 0;
    const total = failed + (green["200"] ?? 0);
    expect(Object.keys(green).sort()).toEqual(["200", "424"]);
    expect(failed).toBeGreaterThanOrEqual(1);
    expect(failed / total).toBeLessThan(0.2);
    expect(Object.keys(byDeployment["blue"] ?? {})).toEqual(["200"]);
    // The model's failures are what the traffic is for: not a problem to log.
    expect(said()).toEqual([`sending 60 requests/s to ${ENDPOINT}, varied from its 6 samples`]);
  });

  it("sends varied payloads, as a client would: with the endpoint's key and without naming a deployment", async () => {
    const seen = recordScoringRequests(w.emulator);

    const running = startTraffic(30);
    await eventually(
      () => Promise.resolve(seen.length),
      (n) => n >= 30,
      20_000,
    );
    await running.stop();

    expect(seen.every((r) => r.endpoint === ENDPOINT && r.deployment === undefined)).toBe(true);
    expect(new Set(seen.map((r) => r.authorization)).size).toBe(1);
    expect(seen[0]?.authorization).toBe(`Bearer ${(await w.keys(ENDPOINT)).primaryKey}`);
    const bodies = seen.map((r) => r.body);
    expect(new Set(bodies).size).toBeGreaterThan(bodies.length / 2);
  });

  it("stops when asked: no request reaches the endpoint after stop() has resolved", async () => {
    const running = startTraffic(20);
    await eventually(requests, (n) => n >= 5, 20_000);
    await running.stop();
    const atStop = await requests();

    await sleep(1000);

    expect(await requests()).toBe(atStop);
  });

  it("sends nothing at a rate of 0", async () => {
    startTraffic(0);

    await sleep(1500);

    expect(await requests()).toBe(0);
    expect(lines).toEqual([]);
  });

  it("stops sending to an endpoint that is deleted, from its first 404, with one line", async () => {
    // Not read again on its own for a minute: what notices the deletion is the endpoint's answer.
    startTraffic(10, { refreshMs: 60_000 });
    await eventually(requests, (n) => n >= 3, 20_000);

    await deleteEndpoint();
    await eventually(
      () => Promise.resolve(lines.some((line) => line.includes("is gone"))),
      (gone) => gone,
      10_000,
    );
    await sleep(1500);

    expect(said()).toEqual([
      `sending 10 requests/s to ${ENDPOINT}, varied from its 6 samples`,
      `${ENDPOINT} is gone: no more requests to it`,
    ]);
  });

  it("sends again to an endpoint made again after its deletion", async () => {
    startTraffic(10, { refreshMs: 500 });
    await eventually(requests, (n) => n >= 3, 20_000);
    await deleteEndpoint();
    await eventually(
      () => Promise.resolve(lines.some((line) => line.includes("is gone"))),
      (gone) => gone,
      10_000,
    );

    await w.createEndpoint(ENDPOINT, { blue: { modelVersion: 1 } }, { blue: 100 });
    // The front door's counters of a deployment go on across the endpoint's deletion.
    const before = await requests();

    expect(await eventually(requests, (n) => n >= before + 3, 20_000)).toBeGreaterThanOrEqual(before + 3);
    expect(said()).toEqual([
      `sending 10 requests/s to ${ENDPOINT}, varied from its 6 samples`,
      `${ENDPOINT} is gone: no more requests to it`,
      `sending 10 requests/s to ${ENDPOINT}, varied from its 6 samples`,
    ]);
  });

  it("reads the key again when it is regenerated, and goes on without a word", async () => {
    const { client, emulator } = w;
    // Not read again on its own for a minute: what makes it read the new key is the endpoint's 401.
    startTraffic(20, { refreshMs: 60_000 });
    await eventually(requests, (n) => n >= 3, 20_000);

    await client.onlineEndpoints.beginRegenerateKeysAndWait(
      emulator.resourceGroup,
      emulator.workspaceName,
      ENDPOINT,
      { keyType: "Primary" },
      LRO,
    );
    const afterRegeneration = await requests();

    expect(await eventually(requests, (n) => n >= afterRegeneration + 10, 8000)).toBeGreaterThanOrEqual(
      afterRegeneration + 10,
    );
    expect(said()).toEqual([`sending 20 requests/s to ${ENDPOINT}, varied from its 6 samples`]);
  });

  it("skips requests rather than piling them up when the endpoint is slow, and says so once", async () => {
    await w.injectFault({ kind: "scoringDelay", endpoint: ENDPOINT, deployment: "blue", delayMs: 1500 });

    const running = startTraffic(20);
    await sleep(2500);
    await running.stop();

    // 50 due in 2.5 s; with at most 3 waiting 1.5 s each, two rounds of 3 are sent.
    const sent = await requests();
    expect(sent).toBeGreaterThanOrEqual(3);
    expect(sent).toBeLessThanOrEqual(9);
    expect(lines).toEqual([
      `sending 20 requests/s to ${ENDPOINT}, varied from its 6 samples`,
      `${ENDPOINT} answers slowly: requests are skipped while 3 wait for an answer`,
    ]);
  });

  it("does not send to an endpoint whose deployments take no traffic, and says why once", async () => {
    await w.createDeployment(ENDPOINT, "green", { modelVersion: 2 });
    await w.setTraffic(ENDPOINT, { blue: 0, green: 0 });

    startTraffic(20, { refreshMs: 200 });
    await sleep(1500);

    expect(await answered()).toEqual({ blue: {}, green: {} });
    expect(lines).toEqual([`not sending requests to ${ENDPOINT}: no deployment takes traffic`]);
  });
});

interface SeenRequest {
  endpoint: string;
  authorization: string | undefined;
  deployment: string | undefined;
  body: string;
}

/** What reaches the local workspace's scoring front door, read alongside it. */
function recordScoringRequests(emulator: RunningEmulator): SeenRequest[] {
  const seen: SeenRequest[] = [];
  const scoring = emulator.scoring;
  const score = scoring.score.bind(scoring);
  scoring.score = (req, res, endpoint) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
    req.on("end", () => {
      const deployment = req.headers["azureml-model-deployment"];
      seen.push({ endpoint, authorization: req.headers.authorization, deployment: deployment?.toString(), body });
    });
    return score(req, res, endpoint);
  };
  return seen;
}

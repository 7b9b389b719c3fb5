// What `npm run emulator` (and npm start's emulator child) prints while the bot works: start-up lines and problems,
// not a line per ARM request (the bot's worker and readiness probe make thousands in a session), unless asked for.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { waitFor } from "../support/bot-process.js";
import { startEmulatorProcess, type EmulatorProcess } from "../support/emulator-process.js";
import { httpsClient, type HttpsClient } from "../support/https-request.js";

const ARM_REQUEST_LINE = /\[emulator\] GET \/subscriptions\/\S+\/onlineEndpoints 200 \d+ms/;

describe("the emulator's output", () => {
  let dir: string;
  let emulator: EmulatorProcess | undefined;
  let client: HttpsClient | undefined;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "greenlight-emulator-output-"));
  });
  afterEach(async () => {
    client?.close();
    await emulator?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = async (env: Record<string, string> = {}): Promise<EmulatorProcess> => {
    emulator = await startEmulatorProcess(join(dir, "emulator"), env);
    client = httpsClient(emulator.caCertPem);
    return emulator;
  };
  const listEndpoints = async (e: EmulatorProcess): Promise<void> => {
    const answer = await client?.send({
      url: `${e.armBaseUrl}${e.workspaceId}/onlineEndpoints?api-version=2025-12-01`,
      headers: { authorization: "Bearer local" },
    });
    expect(answer?.status).toBe(200);
  };

  it("has no line per ARM request by default, and still says what was done to it", async () => {
    const e = await start();
    await listEndpoints(e);
    // Logged after the ARM request's line would have been, on the same output.
    const fault = await client?.send({
      method: "POST",
      url: `${e.adminBaseUrl}/faults`,
      body: { kind: "controlPlane", status: 500, count: 1 },
    });
    expect(fault?.status).toBe(204);
    await waitFor(() => e.output().includes("fault injected: controlPlane"), "the fault's line");

    expect(e.output()).toContain("Local Azure ML workspace is up.");
    expect(e.output()).not.toMatch(ARM_REQUEST_LINE);
  });

  it("prints each ARM request with EMULATOR_LOG_LEVEL=debug", async () => {
    const e = await start({ EMULATOR_LOG_LEVEL: "debug" });
    await listEndpoints(e);

    await waitFor(() => ARM_REQUEST_LINE.test(e.output()), "the ARM request's line");
  });
});

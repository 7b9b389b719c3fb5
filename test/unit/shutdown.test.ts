// The steps a stopping bot runs, within SHUTDOWN_TIMEOUT_MS: in order, each logged, none able to keep the process past
// its time or to stop the ones after it (the store is closed even when giving work back failed).
import { describe, expect, it } from "vitest";
import type { Logger } from "../../src/logger.js";
import { Shutdown } from "../../src/shutdown.js";

function recordingLog(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const at = (level: string) => (message: string, fields?: Record<string, unknown>) =>
    lines.push(`${level} ${message} ${String(fields?.step)}`);
  return { lines, info: at("info"), warn: at("warn"), error: at("error") };
}

describe("Shutdown", () => {
  it("runs the steps in order, each told the time left less what it leaves to the steps after it", async () => {
    const log = recordingLog();
    const told: [string, number][] = [];
    await new Shutdown(10_000, log, [
      { name: "stop taking turns", run: (ms) => told.push(["stop taking turns", ms]) },
      { name: "give back the work", leaveMs: 2000, run: (ms) => told.push(["give back the work", ms]) },
      { name: "close the store", run: (ms) => told.push(["close the store", ms]) },
    ]).run();
    expect(told.map(([name]) => name)).toEqual(["stop taking turns", "give back the work", "close the store"]);
    expect(told[1]?.[1]).toBeGreaterThan(7900);
    expect(told[1]?.[1]).toBeLessThanOrEqual(8000);
    expect(log.lines).toEqual([
      "info shutdown step done stop taking turns",
      "info shutdown step done give back the work",
      "info shutdown step done close the store",
    ]);
  });

  it("still closes the store when an earlier step fails, and then reports the failure", async () => {
    const log = recordingLog();
    let closed = false;
    const stopping = new Shutdown(10_000, log, [
      { name: "give back the work", run: () => Promise.reject(new Error("the lease table is gone")) },
      { name: "close the store", run: () => void (closed = true) },
    ]).run();
    await expect(stopping).rejects.toThrow("shutdown steps failed: give back the work");
    expect(closed).toBe(true);
    expect(log.lines[0]).toBe("error shutdown step failed give back the work");
  });

  it("ends within its budget when a step never finishes, saying which one", async () => {
    const log = recordingLog();
    const started = performance.now();
    await new Shutdown(300, log, [
      { name: "finish the Azure action", run: () => new Promise(() => {}) },
      { name: "close the server", run: () => undefined },
    ]).run();
    expect(performance.now() - started).toBeLessThan(1000);
    expect(log.lines).toEqual([
      "warn shutdown step still running at the end of the time to stop finish the Azure action",
      "info shutdown step done close the server",
    ]);
  });
});

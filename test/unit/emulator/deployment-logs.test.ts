import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { DeploymentLogs } from "../../../src/emulator/deployment-logs.js";

const AT = Date.parse("2025-02-22T10:00:00.000Z");

describe("a deployment's container logs", () => {
  const dirs: string[] = [];
  const logsAt = (nowMs: () => number): DeploymentLogs => {
    const dir = mkdtempSync(join(tmpdir(), "greenlight-logs-"));
    dirs.push(dir);
    return new DeploymentLogs(dir, nowMs);
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("reads back every line of a busy container, in order and with its characters, each stamped with its time", async () => {
    let now = AT;
    const logs = logsAt(() => now);
    const log = logs.writer("Diabetes-Prod", "blue", "InferenceServer");
    const lines = Array.from({ length: 3000 }, (_, i) => `request ${i}: prédiction ✓ 🩺 ${"x".repeat(i % 40)}`);

    lines.forEach((line, i) => {
      now = AT + i;
      log(line);
    });
    const read = await logs.read("diabetes-prod", "blue", "InferenceServer");
    await logs.close();

    expect(read.split("\n").slice(0, -1)).toEqual(lines.map((line, i) => `${new Date(AT + i).toISOString()} ${line}`));
  });

  it("writes a line given as a function in its place among the others, stamped with the time it was logged", async () => {
    let now = AT;
    const logs = logsAt(() => now);
    const log = logs.writer("e", "blue", "InferenceServer");
    let formatted = 0;

    log("first");
    now += 7;
    log(() => `second (formatted ${++formatted} time)`);
    now += 5;
    log("third");
    const pendingFormats = formatted;
    const read = await logs.read("e", "blue", "InferenceServer");
    await logs.close();

    expect(pendingFormats).toBe(0);
    expect(read).toBe(
      "2025-02-22T10:00:00.000Z first\n" +
        "2025-02-22T10:00:00.007Z second (formatted 1 time)\n" +
        "2025-02-22T10:00:00.012Z third\n",
    );
  });

  it("indents the continuation lines of a multi-line message", async () => {
    const logs = logsAt(() => AT);

    logs.append("e", "blue", "InferenceServer", "Traceback:\r\n  File score.py\n    raise");
    const read = await logs.read("e", "blue", "InferenceServer");
    await logs.close();

    expect(read).toBe("2025-02-22T10:00:00.000Z Traceback:\n      File score.py\n        raise\n");
  });

  it("drops the lines of a removed deployment, and starts a new file for what is logged after", async () => {
    const logs = logsAt(() => AT);
    const log = logs.writer("e", "blue", "InferenceServer");

    log("before");
    await logs.remove("e", "blue");
    log("after");
    const read = await logs.read("e", "blue", "InferenceServer");
    await logs.close();

    expect(read).toBe("2025-02-22T10:00:00.000Z after\n");
  });
});

// The import rules of eslint.layers.js, applied to sample files in each layer: what must be refused is refused, and
// what the architecture needs is still allowed.
import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";
import { layerRules } from "../../eslint.layers.js";

const eslint = new ESLint({
  overrideConfigFile: true,
  overrideConfig: [{ files: ["**/*.ts"], languageOptions: { parser: tseslint.parser } }, ...layerRules],
});

/** The restricted-import messages ESLint reports for `source` placed at `path`. */
async function violations(path: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath: path });
  return (result?.messages ?? []).filter((m) => m.ruleId === "no-restricted-imports").map((m) => m.message);
}

describe("layer rules", () => {
  it.each([
    ["src/core/commands/x.ts", 'import { TurnContext } from "botbuilder";', "botbuilder belongs in src/teams"],
    ["src/workspace/x.ts", 'import { CloudAdapter } from "botbuilder";', "botbuilder belongs in src/teams"],
    ["src/store/x.ts", 'import { ConnectorClient } from "botframework-connector";', "botbuilder belongs in src/teams"],
    [
      "src/core/x.ts",
      'import { DefaultAzureCredential } from "@azure/identity";',
      "Azure SDKs belong in src/workspace",
    ],
    ["src/teams/x.ts", 'import type { OnlineEndpoint } from "@azure/arm-machinelearning";', "Azure SDKs belong"],
    ["src/store/x.ts", 'import { isRestError } from "@azure/core-rest-pipeline";', "Azure SDKs belong"],
    ["src/core/commands/x.ts", 'import { readFileSync } from "node:fs";', "src/core is pure"],
    ["src/core/x.ts", 'import https from "https";', "src/core is pure"],
    ["src/core/rollout/x.ts", 'import { spawn } from "node:child_process";', "src/core is pure"],
    [
      "src/core/commands/x.ts",
      'import { ArmWorkspace } from "../../workspace/arm-workspace.js";',
      "knows only src/ports",
    ],
    ["src/core/x.ts", 'import { loadConfig } from "../config.js";', "knows only src/ports"],
    ["src/ports/workspace.ts", 'import type { Result } from "../core/result.js";', "Ports own the types"],
    ["src/workspace/x.ts", 'import { closest } from "../core/commands/closest.js";', "Ports own the types"],
    ["src/store/x.ts", 'import type { AuditEntry } from "../core/audit.js";', "Ports own the types"],
    ["src/worker/x.ts", 'import { SqlOutbox } from "../store/sql-outbox.js";', "src/worker drives core through ports"],
    ["src/worker/x.ts", 'import { ArmWorkspace } from "../workspace/arm-workspace.js";', "through ports only"],
  ])("refuses in %s: %s", async (path, source, message) => {
    const found = await violations(path, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    ["src/teams/x.ts", 'import { TurnContext } from "botbuilder";'],
    ["src/teams/x.ts", 'import { handleChat } from "../core/commands/run-command.js";'],
    ["src/workspace/x.ts", 'import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";'],
    ["src/app.ts", 'import { DefaultAzureCredential } from "@azure/identity";'],
    ["src/core/x.ts", 'import type { Workspace } from "../ports/workspace.js";'],
    ["src/core/commands/x.ts", 'import { z } from "zod";'],
    ["src/store/x.ts", 'import { mkdir } from "node:fs/promises";'],
    ["src/worker/x.ts", 'import { reconcile } from "../core/rollout/reconcile.js";'],
    ["src/worker/x.ts", 'import type { Outbox } from "../ports/outbox.js";'],
    ["test/bot/x.test.ts", 'import { TurnContext } from "botbuilder";'],
  ])("allows in %s: %s", async (path, source) => {
    expect(await violations(path, source)).toEqual([]);
  });
});

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
    ["src/core/change/x.ts", 'import { stateLine } from "../rollout/rollout-card.js";', "knows no kind of change"],
    ["src/core/change/x.ts", 'import { deletionNotice } from "../deletion/deletion-card.js";', "knows no kind"],
    ["src/core/deletion/x.ts", 'import { refuse } from "../commands/handlers/replies.js";', "no import back up"],
    ["src/core/rollout/x.ts", 'import type { CommandContext } from "../commands/command-context.js";', "back up"],
    ["src/core/change/x.ts", 'import { spawn } from "node:child_process";', "src/core is pure"],
    ["src/emulator/x.ts", 'import type { Workspace } from "../ports/workspace.js";', "knows nothing of the bot"],
    ["src/emulator/control-plane/x.ts", 'import { loadConfig } from "../../config.js";', "knows nothing of the bot"],
    ["src/workspace/x.ts", 'import { startEmulator } from "../emulator/emulator.js";', "knows src/ports only"],
    ["src/core/views/x.ts", 'import type { RolloutCardView } from "../rollout/rollout-card.js";', "ground floor"],
    ["src/core/errors.ts", 'import { closest } from "./commands/closest.js";', "ground floor"],
    ["src/core/views/x.ts", 'import { readFileSync } from "node:fs";', "src/core is pure"],
    ["src/core/views/x.ts", 'import { judge } from "../evidence/judge.js";', "ground floor"],
    ["src/core/evidence/x.ts", 'import { trafficAfter } from "../rollout/plan.js";', "below the rollout"],
    ["src/core/evidence/x.ts", 'import type { Command } from "../vocabulary/command.js";', "below the rollout"],
    ["src/core/evidence/x.ts", 'import { loadConfig } from "../../config.js";', "knows only src/ports"],
    ["src/core/evidence/x.ts", 'import { readFileSync } from "node:fs";', "src/core is pure"],
    [
      "src/core/vocabulary/chat-forms.ts",
      'import { deploy } from "../commands/handlers/rollouts.js";',
      "command vocabulary",
    ],
    ["src/core/commands/handlers/x.ts", 'import { isAllowed } from "../policy.js";', "names each handler"],
    ["src/core/commands/handlers/x.ts", 'import { COMMANDS } from "../command-table.js";', "names each handler"],
    ["src/core/vocabulary/command.ts", 'import type { CardTarget } from "../rollout/events.js";', "command vocabulary"],
    ["src/core/vocabulary/card-forms.ts", 'import { decide } from "../change/decision.js";', "command vocabulary"],
    ["src/worker/x.ts", 'import { SqlOutbox } from "../store/sql-outbox.js";', "src/worker drives core through ports"],
    ["src/worker/x.ts", 'import { ArmWorkspace } from "../workspace/arm-workspace.js";', "through ports only"],
    ["src/teams/x.ts", 'import { openStore } from "../store/open-store.js";', "src/teams is an adapter"],
    [
      "src/teams/cards/x.ts",
      'import { OutboxSender } from "../../worker/outbox-sender.js";',
      "src/teams is an adapter",
    ],
  ])("refuses in %s: %s", async (path, source, message) => {
    const found = await violations(path, source);
    expect(found).toHaveLength(1);
    expect(found[0]).toContain(message);
  });

  it.each([
    ["src/teams/x.ts", 'import { TurnContext } from "botbuilder";'],
    ["src/teams/x.ts", 'import { handleChat } from "../core/commands/run-command.js";'],
    ["src/workspace/x.ts", 'import { AzureMachineLearningWorkspaces } from "@azure/arm-machinelearning";'],
    ["src/workspace/x.ts", 'import type { Workspace } from "../ports/workspace.js";'],
    ["src/emulator/control-plane/x.ts", 'import { LocalWorkspace } from "../local-workspace.js";'],
    ["src/app.ts", 'import { DefaultAzureCredential } from "@azure/identity";'],
    ["src/core/x.ts", 'import type { Workspace } from "../ports/workspace.js";'],
    ["src/core/commands/x.ts", 'import { z } from "zod";'],
    ["src/core/rollout/x.ts", 'import { applyChange } from "../change/change.js";'],
    ["src/core/rollout/x.ts", 'import { judge } from "../evidence/judge.js";'],
    ["src/core/evidence/x.ts", 'import type { RequestMetrics } from "../../ports/metrics.js";'],
    ["src/core/evidence/x.ts", 'import { msg } from "../views/markdown.js";'],
    ["src/core/evidence/x.ts", 'import type { UserError } from "../errors.js";'],
    ["src/core/evidence/x.ts", 'import { gateWindow } from "./window.js";'],
    ["src/core/change/x.ts", 'import { someoneElse } from "../people/identity.js";'],
    ["src/core/errors.ts", 'import { closest } from "./views/closest.js";'],
    ["src/core/vocabulary/command.ts", 'import type { Role } from "../access/roles.js";'],
    ["src/core/commands/command-table.ts", 'import { deploy } from "./handlers/rollouts.js";'],
    ["src/core/commands/handlers/x.ts", 'import type { CommandContext } from "../command-context.js";'],
    ["src/store/x.ts", 'import { mkdir } from "node:fs/promises";'],
    ["src/worker/x.ts", 'import { reconcile } from "../core/rollout/reconcile.js";'],
    ["src/worker/x.ts", 'import type { Outbox } from "../ports/outbox.js";'],
    ["test/bot/x.test.ts", 'import { TurnContext } from "botbuilder";'],
  ])("allows in %s: %s", async (path, source) => {
    expect(await violations(path, source)).toEqual([]);
  });
});

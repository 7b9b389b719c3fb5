// GreenLight in local mode inside the bench process, as `npm start` configures it, against an emulator running in its
// own process: its settings, a connector that knows the people of the roles file, and a log that keeps only problems.
import { loadConfig, type Config } from "../../src/config.js";
import type { Logger } from "../../src/logger.js";
import { USERS } from "../../test/support/bot-harness.js";
import type { ConnectorServer } from "../../test/support/connector-server.js";
import { RELEASE_CHANNEL } from "../../test/support/rollout-fixtures.js";
import type { EmulatorServerInfo } from "../servers/emulator-server.js";

/** Warnings and errors the bot logged during a bench part; info is dropped (it would be the bench's own cost). */
export class ProblemLog {
  readonly lines: string[] = [];
  readonly log: Logger = {
    info: () => {},
    warn: (m, f) => this.lines.push(`warn ${m} ${JSON.stringify(f ?? {})}`),
    error: (m, f) => this.lines.push(`error ${m} ${JSON.stringify(f ?? {})}`),
  };

  /** A report line when there were any. */
  summary(): string[] {
    return this.lines.length
      ? [`  bot logged ${this.lines.length} warning(s)/error(s); first: ${this.lines[0]?.slice(0, 300)}`]
      : [];
  }
}

/**
 * The bot's configuration for the emulator `info` and the data folder, with its release channel on `connector` when
 * `releaseChannel` is set; `env` adds to it. The connector learns the people of the local roles file.
 */
export function benchBotConfig(
  info: EmulatorServerInfo,
  connector: ConnectorServer,
  dataDir: string,
  options: { releaseChannel?: boolean; env?: Record<string, string> } = {},
): Config {
  for (const user of Object.values(USERS)) connector.members.set(user.id, user);
  return loadConfig({
    PORT: "0",
    LOCAL_WORKSPACE_URL: info.armBaseUrl,
    LOCAL_WORKSPACE_ID: info.workspaceId,
    EMULATOR_DATA_DIR: info.dataDir,
    DATA_DIR: dataDir,
    ROLES_FILE: "config/roles.local.json",
    // Steps do not bake: these benchmarks measure clicks and traffic changes (gates.bench.ts measures the bakes).
    ROLLOUT_BAKE_SECONDS: "0",
    ...(options.releaseChannel
      ? { RELEASE_CHANNEL_ID: RELEASE_CHANNEL, RELEASE_CHANNEL_SERVICE_URL: connector.url }
      : {}),
    ...options.env,
  });
}

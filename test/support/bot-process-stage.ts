// What tests that run GreenLight as child processes stand on: a folder of their own, one local workspace that
// provisions at once, one connector that knows the people of the roles file, and the bot processes started on them.
// close() stops every process started here and removes everything.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";
import { WorkspaceAdmin } from "./bot-fixtures.js";
import { USERS } from "./bot-harness.js";
import { BotProcess } from "./bot-process.js";
import { ConnectorServer } from "./connector-server.js";

export class BotProcessStage {
  private readonly bots = new Set<BotProcess>();

  protected constructor(
    /** The test's folder: the emulator's data, and a data folder per bot. */
    readonly root: string,
    readonly emulator: RunningEmulator,
    readonly connector: ConnectorServer,
    readonly admin: WorkspaceAdmin,
  ) {}

  static async create(name: string): Promise<BotProcessStage> {
    return new BotProcessStage(...(await BotProcessStage.parts(name)));
  }

  protected static async parts(name: string): Promise<[string, RunningEmulator, ConnectorServer, WorkspaceAdmin]> {
    const root = await mkdtemp(join(tmpdir(), `greenlight-${name}-`));
    const emulator = await startEmulator({
      dataDir: join(root, "emulator"),
      port: 0,
      provisioningDelayMs: 0,
      retryAfterSeconds: 0,
    });
    const connector = await new ConnectorServer().start();
    for (const user of Object.values(USERS)) connector.members.set(user.id, user);
    return [root, emulator, connector, new WorkspaceAdmin({ emulator })];
  }

  /**
   * A bot process named `name`, with `env` over the defaults of BotProcess. Its data folder is `dataDir` under the
   * root (by default one of its own): a bot started again on the same folder finds what the last one stored.
   */
  async startBot(
    name: string,
    env: Record<string, string> = {},
    dataDir = name.replace(/\W+/g, "-"),
  ): Promise<BotProcess> {
    const bot = await BotProcess.start({
      emulator: this.emulator,
      connector: this.connector,
      dataDir: join(this.root, dataDir),
      env,
      name,
    });
    this.bots.add(bot);
    return bot;
  }

  /** Stops every bot started here (SIGTERM; one that ended is left as it is), then removes everything. */
  async close(): Promise<void> {
    await Promise.all([...this.bots].map((b) => b.stop()));
    this.admin.close();
    await this.emulator.close();
    await this.connector.close();
    await rm(this.root, { recursive: true, force: true });
  }
}

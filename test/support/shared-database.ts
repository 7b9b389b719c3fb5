// Bot processes sharing one PostgreSQL database, as instances behind a load balancer: a schema of the test's own in
// TEST_DATABASE_URL's database, one local workspace and one connector for all of them, and a store opened on the same
// schema to read what they recorded. Everything is removed by close(), the schema last.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { startEmulator, type RunningEmulator } from "../../src/emulator/emulator.js";
import { openStore, type GreenLightStore } from "../../src/store/open-store.js";
import { WorkspaceAdmin } from "./bot-fixtures.js";
import { USERS } from "./bot-harness.js";
import { BotProcess } from "./bot-process.js";
import { ConnectorServer } from "./connector-server.js";
import { uniqueName } from "./unique-name.js";

export class SharedDatabase {
  private readonly bots = new Set<BotProcess>();

  private constructor(
    private readonly databaseUrl: string,
    private readonly schema: string,
    /** TEST_DATABASE_URL with the schema as its search path: give it to a bot as DATABASE_URL. */
    readonly schemaUrl: string,
    private readonly root: string,
    readonly emulator: RunningEmulator,
    readonly connector: ConnectorServer,
    readonly admin: WorkspaceAdmin,
    /** The same schema, to read what the bots stored. */
    readonly store: GreenLightStore,
  ) {}

  /** A new schema named after `name`, a local workspace that provisions at once, and a connector that knows USERS. */
  static async create(databaseUrl: string, name: string): Promise<SharedDatabase> {
    const schema = uniqueName(name).replace(/\W/g, "_");
    await query(databaseUrl, `CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const schemaUrl = url.toString();
    const root = await mkdtemp(join(tmpdir(), `greenlight-${name}-`));
    const emulator = await startEmulator({
      dataDir: join(root, "emulator"),
      port: 0,
      provisioningDelayMs: 0,
      retryAfterSeconds: 0,
    });
    const connector = await new ConnectorServer().start();
    for (const user of Object.values(USERS)) connector.members.set(user.id, user);
    const store = await openStore({ databaseUrl: schemaUrl, dataDir: "unused-with-postgres" });
    const admin = new WorkspaceAdmin({ emulator });
    return new SharedDatabase(databaseUrl, schema, schemaUrl, root, emulator, connector, admin, store);
  }

  /** A bot process on the shared schema; `env` adds to (and wins over) DATABASE_URL. */
  async startBot(name: string, env: Record<string, string> = {}): Promise<BotProcess> {
    const bot = await BotProcess.start({
      emulator: this.emulator,
      connector: this.connector,
      dataDir: join(this.root, name.replace(/\W+/g, "-")),
      env: { DATABASE_URL: this.schemaUrl, ...env },
      name,
    });
    this.bots.add(bot);
    return bot;
  }

  /** Rows of a query on the shared schema (what the bots stored, as the database has it). */
  query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return query<T>(this.schemaUrl, sql, params);
  }

  /** Stops every bot started here (SIGTERM; a killed one is gone already), then removes everything. */
  async close(): Promise<void> {
    await Promise.all([...this.bots].map((b) => b.stop()));
    await this.store.close();
    this.admin.close();
    await this.emulator.close();
    await this.connector.close();
    await rm(this.root, { recursive: true, force: true });
    await query(this.databaseUrl, `DROP SCHEMA IF EXISTS ${this.schema} CASCADE`);
  }
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const db = new pg.Client({ connectionString: url });
  await db.connect();
  try {
    return (await db.query<T>(sql, params)).rows;
  } finally {
    await db.end();
  }
}

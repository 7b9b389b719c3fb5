// Bot processes sharing one PostgreSQL database, as instances behind a load balancer: a BotProcessStage whose bots all
// use a schema of the test's own in TEST_DATABASE_URL's database, and a store opened on it to read what they recorded.
// close() removes the schema last.
import pg from "pg";
import { openStore, type GreenLightStore } from "../../src/store/open-store.js";
import type { BotProcess } from "./bot-process.js";
import { BotProcessStage } from "./bot-process-stage.js";
import { uniqueName } from "./unique-name.js";

export class SharedDatabase extends BotProcessStage {
  private constructor(
    parts: Awaited<ReturnType<typeof BotProcessStage.parts>>,
    private readonly database: { url: string; schema: string },
    /** TEST_DATABASE_URL with the schema as its search path: what each bot gets as DATABASE_URL. */
    readonly schemaUrl: string,
    /** The same schema, to read what the bots stored. */
    readonly store: GreenLightStore,
  ) {
    super(...parts);
  }

  /** A new schema named after `name` in `databaseUrl`'s database, and the stage's workspace and connector. */
  static override async create(name: string, databaseUrl = ""): Promise<SharedDatabase> {
    const schema = uniqueName(name).replace(/\W/g, "_");
    await query(databaseUrl, `CREATE SCHEMA ${schema}`);
    const url = new URL(databaseUrl);
    url.searchParams.set("options", `-c search_path=${schema}`);
    const schemaUrl = url.toString();
    const store = await openStore({ databaseUrl: schemaUrl, dataDir: "unused-with-postgres" });
    return new SharedDatabase(await BotProcessStage.parts(name), { url: databaseUrl, schema }, schemaUrl, store);
  }

  /** A bot process on the shared schema; `env` adds to (and wins over) DATABASE_URL. */
  override startBot(name: string, env: Record<string, string> = {}): Promise<BotProcess> {
    return super.startBot(name, { DATABASE_URL: this.schemaUrl, ...env });
  }

  /** Rows of a query on the shared schema (what the bots stored, as the database has it). */
  query<T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T[]> {
    return query<T>(this.schemaUrl, sql, params);
  }

  override async close(): Promise<void> {
    await super.close();
    await this.store.close();
    await query(this.database.url, `DROP SCHEMA IF EXISTS ${this.database.schema} CASCADE`);
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

import { chmodSync, existsSync, readdirSync } from "node:fs";
import { chmod, mkdir } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PGlite, Transaction } from "@electric-sql/pglite";
import type { SqlClient, SqlExecutor } from "./sql-client.js";
import { createDataDir } from "./pglite-template.js";

export interface PgliteOptions {
  /** PostgreSQL's `shared_buffers` in MB; PGlite's default (128) is allocated and touched when the database opens. */
  sharedBuffersMb?: number | undefined;
}

/**
 * Embedded PostgreSQL (WASM) in one process. Only one process may open a data folder at a time: PGlite has no
 * cross-process locking, so several bot instances need PostgreSQL instead.
 */
export class PgliteClient implements SqlClient {
  /**
   * Opens (creating it when missing) the database in `dataDir`, or an in-memory one when it is undefined. The folder
   * is private to this user (0700, files 0600), including a folder that already exists.
   */
  static async open(dataDir?: string, options: PgliteOptions = {}): Promise<PgliteClient> {
    // On a first start the database is made (copied, or created by a process of its own) before PGlite's module loads.
    if (dataDir !== undefined) await preparePrivateDataDir(dataDir);
    const { PGlite } = await import("@electric-sql/pglite");
    const startParams =
      options.sharedBuffersMb === undefined
        ? undefined
        : [...PGlite.defaultStartParams, "-c", `shared_buffers=${options.sharedBuffersMb}MB`];
    return new PgliteClient(await PGlite.create(dataDir, startParams ? { startParams } : {}));
  }

  constructor(private readonly db: PGlite) {}

  query<T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    return this.db.query<T>(sql, [...params]);
  }

  async exec(sql: string): Promise<void> {
    await this.db.exec(sql);
  }

  // PGlite queues every other query on this instance until the transaction ends.
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    return this.db.transaction((tx) => fn(wrapTransaction(tx)));
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

async function preparePrivateDataDir(dataDir: string): Promise<void> {
  await mkdir(dirname(dataDir), { recursive: true, mode: 0o700 });
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  if (!existsSync(join(dataDir, "PG_VERSION"))) await createDataDir(dataDir);
  // A new database's files arrive world-writable (0666), and folders made before this version were 0755.
  // Synchronously: its thousand files take a few milliseconds, where each awaited chmod would wait behind the modules
  // the bot is loading.
  for (const entry of readdirSync(dataDir, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    chmodSync(join(entry.parentPath, entry.name), entry.isDirectory() ? 0o700 : 0o600);
  }
}

function wrapTransaction(tx: Transaction): SqlExecutor {
  return {
    query: <T>(sql: string, params: readonly unknown[] = []) => tx.query<T>(sql, [...params]),
    exec: async (sql) => {
      await tx.exec(sql);
    },
  };
}

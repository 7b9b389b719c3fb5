import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import { PGlite, type Transaction } from "@electric-sql/pglite";
import type { SqlClient, SqlExecutor } from "./sql-client.js";

/**
 * Embedded PostgreSQL (WASM) in one process. Only one process may open a data folder at a time: PGlite has no
 * cross-process locking, so several bot instances need PostgreSQL instead.
 */
export class PgliteClient implements SqlClient {
  /** Opens (creating it when missing) the database in `dataDir`, or an in-memory one when it is undefined. */
  static async open(dataDir?: string): Promise<PgliteClient> {
    // PGlite creates the folder itself, but not its parents.
    if (dataDir !== undefined) await mkdir(dirname(dataDir), { recursive: true });
    return new PgliteClient(await PGlite.create(dataDir));
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

function wrapTransaction(tx: Transaction): SqlExecutor {
  return {
    query: <T>(sql: string, params: readonly unknown[] = []) => tx.query<T>(sql, [...params]),
    exec: async (sql) => {
      await tx.exec(sql);
    },
  };
}

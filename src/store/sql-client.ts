/** The part of a PostgreSQL driver SqlStore uses, so PGlite and node-postgres share every query. */
export interface SqlExecutor {
  /** One statement with `$1…` parameters. */
  query<T>(sql: string, params?: readonly unknown[]): Promise<{ rows: T[] }>;
  /** A script of several statements without parameters, such as a migration file. */
  exec(sql: string): Promise<void>;
}

/** A database connection (or pool) that can also run a transaction. */
export interface SqlClient extends SqlExecutor {
  /** Runs `fn` inside BEGIN … COMMIT on one connection; rolls back and rethrows when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

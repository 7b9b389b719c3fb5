import pg from "pg";
import type { SqlClient, SqlExecutor } from "./sql-client.js";

/** Time limits, so a database that stops answering fails a command instead of hanging it. */
export interface PostgresTimeouts {
  /** Waiting for a connection (TCP, TLS and the start-up handshake). */
  connectTimeoutMs: number;
  /** One statement, enforced by the server (statement_timeout) and, should the server hang, by the client. */
  statementTimeoutMs: number;
}

const DEFAULT_TIMEOUTS: PostgresTimeouts = { connectTimeoutMs: 10_000, statementTimeoutMs: 30_000 };

/** PostgreSQL through a node-postgres pool, for several bot instances sharing one database. */
export class PostgresClient implements SqlClient {
  private readonly pool: pg.Pool;

  /**
   * @param connectionString a `postgres://user:password@host:port/database` URL (pg's usual query parameters such as
   *   `sslmode` and `options` apply)
   * @param onIdleError called when an idle pooled connection breaks (server restart, network); the pool drops it and
   *   the next query reconnects. Without a listener node-postgres would crash the process.
   */
  constructor(
    connectionString: string,
    timeouts: PostgresTimeouts = DEFAULT_TIMEOUTS,
    onIdleError: (error: Error) => void = reportIdleError,
  ) {
    this.pool = new pg.Pool({
      connectionString,
      connectionTimeoutMillis: timeouts.connectTimeoutMs,
      statement_timeout: timeouts.statementTimeoutMs,
      // The client-side limit is a little longer, so the server's clearer error wins when the server is alive.
      query_timeout: timeouts.statementTimeoutMs + 1000,
    });
    this.pool.on("error", onIdleError);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<{ rows: T[] }> {
    const result = await this.pool.query(sql, [...params]);
    return { rows: result.rows as T[] };
  }

  async exec(sql: string): Promise<void> {
    // Without parameters pg uses the simple query protocol, which accepts several statements.
    await this.pool.query(sql);
  }

  async transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T> {
    const connection = await this.pool.connect();
    let broken: unknown;
    try {
      await connection.query("BEGIN");
      const result = await fn({
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const rows = (await connection.query(sql, [...params])).rows as R[];
          return { rows };
        },
        exec: async (sql) => {
          await connection.query(sql);
        },
      });
      await connection.query("COMMIT");
      return result;
    } catch (error) {
      try {
        await connection.query("ROLLBACK");
      } catch (rollbackError) {
        // The connection is unusable; release(error) destroys it instead of returning it to the pool.
        broken = rollbackError;
      }
      throw error;
    } finally {
      connection.release(broken instanceof Error ? broken : undefined);
    }
  }

  close(): Promise<void> {
    return this.pool.end();
  }
}

function reportIdleError(error: Error): void {
  console.error(`PostgreSQL: an idle pooled connection failed and was dropped: ${error.message}`);
}

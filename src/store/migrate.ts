import { readdir, readFile } from "node:fs/promises";
import type { SqlClient } from "./sql-client.js";

/** The folder of `NNN-name.sql` files shipped with the store. */
export const migrationsDir = new URL("./migrations/", import.meta.url);

const migrationFile = /^\d{3,}-[a-z0-9-]+\.sql$/;

// Any constant works; it only has to be the same for every GreenLight instance sharing a database. ("GLmg")
const migrationLockKey = 0x474c6d67;

/**
 * Applies the migration files not yet recorded in `schema_migrations`, in name order, each in its own transaction.
 * Safe when several bot instances start at once: each transaction first takes a transaction-scoped advisory lock, so
 * the others wait and then see the migration recorded. Resolves to the names it applied.
 */
export async function migrate(client: SqlClient, dir: URL = migrationsDir): Promise<string[]> {
  const names = (await readdir(dir)).filter((name) => name.endsWith(".sql")).sort();
  const misnamed = names.filter((name) => !migrationFile.test(name));
  if (misnamed.length > 0) {
    throw new Error(`Migration files must be named NNN-lower-case-name.sql: ${misnamed.join(", ")}`);
  }
  const recorded = await recordedMigrations(client);
  const applied: string[] = [];
  for (const name of names) {
    if (recorded.has(name)) continue;
    const sql = await readFile(new URL(name, dir), "utf8");
    const ran = await client.transaction(async (tx) => {
      await tx.query("SELECT pg_advisory_xact_lock($1)", [migrationLockKey]);
      // Created under the lock: two concurrent CREATE TABLE IF NOT EXISTS can still collide in PostgreSQL.
      await tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
      );
      const done = await tx.query("SELECT 1 FROM schema_migrations WHERE name = $1", [name]);
      if (done.rows.length > 0) return false;
      try {
        await tx.exec(sql);
      } catch (error) {
        throw new Error(`Migration ${name} failed: ${error instanceof Error ? error.message : String(error)}`, {
          cause: error,
        });
      }
      await tx.query("INSERT INTO schema_migrations (name) VALUES ($1)", [name]);
      return true;
    });
    if (ran) applied.push(name);
  }
  return applied;
}

/**
 * The migrations recorded before this start, read without the lock: on most starts that is all of them, and seven
 * transactions taking the lock in turn only to find each one done would hold up the bot's start by up to a tenth of a
 * second. One not recorded here is still checked again under the lock.
 */
async function recordedMigrations(client: SqlClient): Promise<Set<string>> {
  try {
    const { rows } = await client.query<{ name: string }>("SELECT name FROM schema_migrations");
    return new Set(rows.map((r) => r.name));
  } catch (error) {
    // A new database: no table yet (undefined_table).
    if ((error as { code?: unknown } | null)?.code === "42P01") return new Set();
    throw error;
  }
}

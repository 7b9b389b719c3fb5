import type { Env } from "./config.js";
import { openStore, type GreenLightStore } from "./store/open-store.js";

/**
 * Everything GreenLight keeps: PostgreSQL when DATABASE_URL is set, else PGlite in DATA_DIR. Apart from app.ts so that
 * main.ts can start opening it before the rest of the bot has loaded.
 */
export function buildStore(env: Env): Promise<GreenLightStore> {
  return openStore({
    dataDir: env.DATA_DIR,
    pgliteSharedBuffersMb: env.PGLITE_SHARED_BUFFERS_MB,
    postgres: {
      connectTimeoutMs: env.DATABASE_CONNECT_TIMEOUT_MS,
      statementTimeoutMs: env.DATABASE_STATEMENT_TIMEOUT_MS,
    },
    ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
  });
}

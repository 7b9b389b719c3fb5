import pg from "pg";

/** Runs `fn` on its own connection to `url` (creating or dropping a test's schema), closed afterwards. */
export async function withAdmin(url: string, fn: (admin: pg.Client) => Promise<unknown>): Promise<void> {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await fn(admin);
  } finally {
    await admin.end();
  }
}

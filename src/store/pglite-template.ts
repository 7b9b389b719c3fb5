import { execFile } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { cp, mkdir, rename, rm } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { promisify } from "node:util";

/**
 * A new PGlite database folder. Creating one (initdb) takes PGlite 2 s on its own (3 s of CPU) and several times that
 * beside the other processes `npm start` launches; every new database is the same until migrated, so one made once
 * per installed PGlite version (by `npm install`, or else by the first start) is copied instead, in a few hundred ms.
 * Where no template can be kept (node_modules not writable), the database is created in place.
 */
export async function createDataDir(dataDir: string): Promise<void> {
  const template = await databaseTemplate();
  if (template) await cp(template, dataDir, { recursive: true });
  else await initdb(dataDir);
}

/** The template for the installed PGlite, made if missing; undefined when it cannot be kept. */
export async function databaseTemplate(): Promise<string | undefined> {
  const { template } = installedPglite();
  if (existsSync(join(template, "PG_VERSION"))) return template;
  const scratch = `${template}.${process.pid}`;
  try {
    await mkdir(scratch, { recursive: true, mode: 0o700 });
    await initdb(scratch);
    await rename(scratch, template);
  } catch {
    // Another process may have finished its template first; otherwise there is none to keep.
    await rm(scratch, { recursive: true, force: true });
  }
  return existsSync(join(template, "PG_VERSION")) ? template : undefined;
}

/**
 * PGlite's initdb runs in two extra WebAssembly instances whose ~500 MB V8 does not give back to the system, so a
 * bot that created its database would idle at three times the RSS of one that reopened it. A short-lived process
 * does it instead.
 */
async function initdb(dataDir: string): Promise<void> {
  const script = "require(process.argv[1]).PGlite.create(process.argv[2]).then((db) => db.close())";
  await promisify(execFile)(process.execPath, ["-e", script, installedPglite().entry, dataDir]);
}

function installedPglite(): { entry: string; template: string } {
  const entry = createRequire(import.meta.url).resolve("@electric-sql/pglite");
  // <node_modules>/@electric-sql/pglite/dist/index.cjs; its package.json is not among the package's exports.
  const root = dirname(dirname(entry));
  const { version } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  const nodeModules = dirname(dirname(root));
  return { entry, template: join(nodeModules, ".cache", "greenlight", `pglite-${version}`) };
}

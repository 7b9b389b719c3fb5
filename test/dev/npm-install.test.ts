// What a fresh clone's `npm ci` (as .ci/run runs it) prints, and which install scripts it would run: npm 11 blocks
// dependencies' install scripts unless package.json's allowScripts covers them, and lists those it skipped.
import { execFile } from "node:child_process";
import { copyFile, mkdir, mkdtemp, rm } from "node:fs/promises";
import { existsSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));

describe("npm ci in a fresh clone", () => {
  let clone: string;

  beforeAll(async () => {
    clone = await mkdtemp(join(tmpdir(), "greenlight-npm-"));
    await mkdir(join(clone, "scripts"));
    for (const file of ["package.json", "package-lock.json", ".npmrc", "scripts/postinstall.mjs"]) {
      if (existsSync(join(ROOT, file))) await copyFile(join(ROOT, file), join(clone, file));
    }
  });
  afterAll(() => rm(clone, { recursive: true, force: true }));

  it("prints no warning: no unknown project config, no install scripts left unreviewed", async () => {
    // The lockfile says which packages have install scripts, so a dry run needs neither the network nor a download.
    const { stderr } = await promisify(execFile)("npm", ["ci", "--dry-run", "--offline"], {
      cwd: clone,
      env: withoutNpmSettings(process.env),
    });

    expect(stderr.split("\n").filter((line) => /\bwarn\b/i.test(line))).toEqual([]);
  });

  it("does not run onnxruntime-node's install script, which downloads CUDA libraries (its CPU build is bundled)", () => {
    const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
      allowScripts?: Record<string, boolean>;
    };

    expect(pkg.allowScripts?.["onnxruntime-node"]).toBe(false);
  });
});

/** `npm test` passes its settings on as npm_config_* (the project's prefix among them); the clone must use its own. */
function withoutNpmSettings(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !/^npm_/i.test(name)));
}

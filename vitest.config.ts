import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: "forks",
    // The in-process bots load restify, whose spdy reads process.binding('http_parser') (DEP0111): noise in every run.
    execArgv: ["--disable-warning=DEP0111"],
  },
});

/**
 * The worker thread that hosts a custom deployment's scoring script, as azmlinfsrv hosts score.py: import the
 * script, call init() once, then answer run(rawData) for each request.
 *
 * Kept as plain JavaScript run with `eval: true` so it needs no loader: it works the same under tsx, vitest and
 * compiled output, and does not inherit the host's TypeScript hooks.
 *
 * Messages to the host: {type:"ready"} | {type:"init-failed", error} | {type:"result", id, ok, body | error, execMs}.
 */
export const BOOTSTRAP_SOURCE = String.raw`
const { parentPort, workerData } = require("node:worker_threads");
const { performance } = require("node:perf_hooks");

const describe = (error) => (error instanceof Error && error.stack) || String(error);

function serialize(value) {
  if (typeof value === "string") {
    try {
      JSON.parse(value);
      return value;
    } catch {
      return JSON.stringify(value);
    }
  }
  const text = JSON.stringify(value);
  return text === undefined ? "null" : text;
}

(async () => {
  let script;
  try {
    const module = await import(workerData.scriptUrl);
    script = typeof module.init === "function" ? module : module.default;
    if (typeof script?.init !== "function" || typeof script?.run !== "function") {
      throw new Error(workerData.scriptName + " must export the functions init() and run(rawData).");
    }
    await script.init();
  } catch (error) {
    parentPort.postMessage({ type: "init-failed", error: describe(error) });
    return;
  }
  parentPort.on("message", async ({ id, rawData }) => {
    const start = performance.now();
    try {
      const body = serialize(await script.run(rawData));
      parentPort.postMessage({ type: "result", id, ok: true, body, execMs: performance.now() - start });
    } catch (error) {
      parentPort.postMessage({ type: "result", id, ok: false, error: describe(error), execMs: performance.now() - start });
    }
  });
  parentPort.postMessage({ type: "ready" });
})();
`;

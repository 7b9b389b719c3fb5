import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { startMlflowRuntime } from "../../src/emulator/runtime/mlflow-runtime.js";
import { SEED_ROOT } from "../../src/emulator/seed/seed-workspace.js";

/** The baseline: a bare node:http server calling the same ONNX session the emulator's deployment uses. */
const runtime = await startMlflowRuntime({ modelDir: join(SEED_ROOT, "models/diabetes/1"), log: () => {} });
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    void runtime.score(Buffer.concat(chunks).toString("utf8")).then((outcome) => {
      res.writeHead(outcome.status, {
        "content-type": "application/json",
        "content-length": Buffer.byteLength(outcome.body),
      });
      res.end(outcome.body);
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  console.log(JSON.stringify({ ready: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/score` } }));
});
process.once("SIGTERM", () => {
  server.closeAllConnections();
  server.close(() => void runtime.close().then(() => process.exit(0)));
});

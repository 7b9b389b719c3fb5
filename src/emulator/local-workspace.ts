import { randomBytes, randomUUID } from "node:crypto";
import { isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { DeploymentLogs } from "./deployment-logs.js";
import { Faults } from "./faults.js";
import type { EmulatorLog } from "./settings.js";
import { WriteLog } from "./write-log.js";
import { SEED_ROOT } from "./seed/seed-workspace.js";
import { conflict, notFound } from "./http/arm-error.js";
import type { DeploymentRuntime } from "./runtime/deployment-runtime.js";
import { startDeploymentRuntime } from "./runtime/start-deployment-runtime.js";
import type {
  ProvisioningState,
  StoredDeployment,
  StoredEndpoint,
  StoredModelVersion,
  StoredOperation,
  SystemData,
  WorkspaceState,
} from "./state/resources.js";
import type { StateFile } from "./state/state-file.js";

export const PROVIDER = "Microsoft.MachineLearningServices";
const TERMINAL: ProvisioningState[] = ["Succeeded", "Failed", "Canceled"];
const KEPT_OPERATIONS = 500;
/** A scoring script whose init() never returns must not leave the deployment Creating forever. */
const STARTUP_TIMEOUT_MS = 120_000;

export interface WorkspaceTiming {
  provisioningDelayMs: number;
  retryAfterSeconds: number;
  /** How long after a minute ends Azure Monitor reports it; 0 reports every minute at once, the current one too. */
  metricsDelaySeconds: number;
}

const systemNow = (): Date => new Date();

/**
 * The local Azure ML workspace: its state, persistence, long-running operations and the deployments' runtimes.
 * The control plane and the data plane are two views onto this one object.
 */
export class LocalWorkspace {
  readonly faults = new Faults();
  /** Accepted ARM writes per endpoint, since this process started (emulator-only). */
  readonly writes = new WriteLog();
  readonly logs: DeploymentLogs;
  private readonly runtimes = new Map<string, RuntimeSlot>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private readonly pending = new Set<Promise<unknown>>();
  /** `now()` in ms since the epoch, without making a Date on the system clock: the scoring path reads it per request. */
  readonly nowMs: () => number;
  private closed = false;

  constructor(
    readonly state: WorkspaceState,
    private readonly stateFile: StateFile,
    readonly dataDir: string,
    readonly timing: WorkspaceTiming,
    readonly log: EmulatorLog,
    readonly now: () => Date = systemNow,
  ) {
    this.logs = new DeploymentLogs(dataDir);
    this.nowMs = now === systemNow ? Date.now : () => now().getTime();
  }

  get workspaceId(): string {
    const s = this.state;
    return `/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/${PROVIDER}/workspaces/${s.name}`;
  }

  save(): void {
    this.stateFile.save(this.state);
  }

  systemData(previous?: SystemData): SystemData {
    const at = this.now().toISOString();
    return {
      createdAt: previous?.createdAt ?? at,
      createdBy: previous?.createdBy ?? "local-user",
      createdByType: "User",
      lastModifiedAt: at,
      lastModifiedBy: "local-user",
      lastModifiedByType: "User",
    };
  }

  newKey(): string {
    return randomBytes(32).toString("base64url");
  }

  // ---- lookups -------------------------------------------------------------------------------------------------

  findEndpoint(name: string): StoredEndpoint | undefined {
    return this.state.endpoints[name.toLowerCase()];
  }

  endpoint(name: string): StoredEndpoint {
    const endpoint = this.findEndpoint(name);
    if (!endpoint) {
      throw notFound(`Endpoint ${name} not found in workspace ${this.state.name}.`);
    }
    return endpoint;
  }

  deploymentsOf(endpointName: string): StoredDeployment[] {
    return Object.values(this.state.deployments[endpointName.toLowerCase()] ?? {});
  }

  findDeployment(endpointName: string, name: string): StoredDeployment | undefined {
    return this.state.deployments[endpointName.toLowerCase()]?.[name.toLowerCase()];
  }

  deployment(endpointName: string, name: string): StoredDeployment {
    const deployment = this.findDeployment(endpointName, name);
    if (!deployment) {
      throw notFound(`Deployment ${name} not found in endpoint ${endpointName}, workspace ${this.state.name}.`);
    }
    return deployment;
  }

  /** Refuses a change while another operation on the same endpoint (or one of its deployments) is running. */
  assertNoOperationInFlight(endpointName: string): void {
    const endpoint = this.findEndpoint(endpointName);
    const busy = [
      ...(endpoint && !TERMINAL.includes(endpoint.provisioningState)
        ? [`endpoint ${endpoint.name} is ${endpoint.provisioningState}`]
        : []),
      ...this.deploymentsOf(endpointName)
        .filter((d) => !TERMINAL.includes(d.provisioningState))
        .map((d) => `deployment ${d.name} is ${d.provisioningState}`),
    ];
    if (busy.length > 0) {
      throw conflict(
        `Another operation is in progress on endpoint ${endpointName} (${busy.join(", ")}). ` +
          `Wait for it to finish, then retry.`,
      );
    }
  }

  /** Resolves a deployment's `model` reference to a registered version (ARM id, `azureml:` forms). */
  resolveModel(reference: string): StoredModelVersion | undefined {
    const ref = reference.replace(/^azureml:/, "");
    const armMatch = /\/workspaces\/([^/]+)\/models\/([^/]+)\/versions\/([^/]+)$/i.exec(ref);
    const shortMatch = /^([^/:]+):([^/:]+)$/.exec(ref);
    let name: string | undefined;
    let version: string | undefined;
    if (armMatch && armMatch[1]?.toLowerCase() === this.state.name.toLowerCase()) {
      [name, version] = [armMatch[2], armMatch[3]];
    } else if (shortMatch) {
      [name, version] = [shortMatch[1], shortMatch[2]];
    }
    if (!name || !version) return undefined;
    return this.state.models[name.toLowerCase()]?.versions[version];
  }

  /** Resolves `…/codes/{name}/versions/{v}` or `…/environments/{name}/versions/{v}` in this workspace. */
  resolveAsset(kind: "codes" | "environments", id: string): { name: string; version: string } | undefined {
    const match = new RegExp(`/workspaces/([^/]+)/${kind}/([^/]+)/versions/([^/]+)$`, "i").exec(id);
    if (!match || match[1]?.toLowerCase() !== this.state.name.toLowerCase()) return undefined;
    const [name, version] = [match[2] ?? "", match[3] ?? ""];
    const found = this.state[kind][name.toLowerCase()]?.versions[version];
    return found ? { name: found.name, version: found.version } : undefined;
  }

  /** A model, code or environment URI as a local folder. */
  localFolder(uri: string): string {
    if (uri.startsWith("seed:")) return join(SEED_ROOT, uri.slice("seed:".length));
    if (uri.startsWith("file:")) return fileURLToPath(uri);
    return isAbsolute(uri) ? uri : join(this.dataDir, uri);
  }

  // ---- long-running operations ---------------------------------------------------------------------------------

  startOperation(method: StoredOperation["method"], resourcePath: string, prefix: "oeidp" | "odidp"): StoredOperation {
    const operation: StoredOperation = {
      id: `${prefix}:${this.state.workspaceGuid}:${randomUUID()}`,
      status: "InProgress",
      startTime: this.now().toISOString(),
      resourcePath,
      method,
    };
    this.state.operations[operation.id] = operation;
    const ids = Object.keys(this.state.operations);
    for (const id of ids.slice(0, Math.max(0, ids.length - KEPT_OPERATIONS))) delete this.state.operations[id];
    return operation;
  }

  finishOperation(operation: StoredOperation, error?: { code: string; message: string }): void {
    operation.status = error ? "Failed" : "Succeeded";
    operation.endTime = this.now().toISOString();
    if (error) operation.error = error;
  }

  /**
   * The `Retry-After` of a running operation: the configured seconds, or the time its provisioning delay still needs
   * when that is longer, so a client that honours it looks once the operation should be over rather than on the way.
   * None when the configured seconds are 0.
   */
  retryAfter(operation: StoredOperation): Record<string, string> {
    if (this.timing.retryAfterSeconds <= 0) return {};
    const endsAt = Date.parse(operation.startTime) + this.timing.provisioningDelayMs;
    const left = Math.ceil((endsAt - this.now().getTime()) / 1000);
    return { "Retry-After": String(Math.max(this.timing.retryAfterSeconds, left)) };
  }

  /** Runs `work` after the provisioning delay, keeping track of it so `close()` can wait. */
  later(work: () => Promise<void> | void, delayMs = this.timing.provisioningDelayMs): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (this.closed) return;
      const running = Promise.resolve()
        .then(work)
        .catch((error: unknown) => this.log(`background work failed: ${String(error)}`))
        .finally(() => this.pending.delete(running));
      this.pending.add(running);
    }, delayMs);
    this.timers.add(timer);
  }

  // ---- deployment runtimes -------------------------------------------------------------------------------------

  /** Where the deployment's container is, now and after every update: held by the data plane across requests. */
  runtimeSlot(endpointName: string, deploymentName: string): RuntimeSlot {
    const key = `${endpointName}/${deploymentName}`.toLowerCase();
    let slot = this.runtimes.get(key);
    if (!slot) this.runtimes.set(key, (slot = { current: undefined }));
    return slot;
  }

  /**
   * Starts the deployment's container: "downloads" the model, loads it, and swaps the new runtime in only once it
   * loaded, so an update that fails leaves the previous one serving. Resolves to the failure reason, if any.
   */
  async startRuntime(deployment: StoredDeployment): Promise<string | undefined> {
    const { endpointName, name } = deployment;
    const storageLog = this.logs.writer(endpointName, name, "StorageInitializer");
    const serverLog = this.logs.writer(endpointName, name, "InferenceServer");
    const injected = this.faults.provisioningFailure(endpointName, name);
    if (injected) {
      serverLog(`Container failed to start: ${injected}`);
      return injected;
    }
    const model = this.resolveModel(deployment.properties.model);
    if (!model) return `Model ${deployment.properties.model} is not registered in workspace ${this.state.name}.`;
    const modelDir = this.localFolder(model.modelUri);
    storageLog(`Downloading model ${model.name}:${model.version} to the container's model directory`);
    storageLog(`Model ${model.name}:${model.version} downloaded`);
    let code: { dir: string; scoringScript: string } | undefined;
    const codeConfiguration = deployment.properties.codeConfiguration;
    if (codeConfiguration) {
      const asset = this.resolveAsset("codes", codeConfiguration.codeId);
      const stored = asset && this.state.codes[asset.name.toLowerCase()]?.versions[asset.version];
      if (!stored) return `Code asset ${codeConfiguration.codeId} is not registered.`;
      code = { dir: this.localFolder(stored.codeUri), scoringScript: codeConfiguration.scoringScript };
      storageLog(`Code ${stored.name}:${stored.version} downloaded`);
    }
    try {
      const runtime = await withStartupTimeout(
        startDeploymentRuntime({
          modelDir,
          ...(code ? { code } : {}),
          environmentVariables: deployment.properties.environmentVariables,
          log: serverLog,
        }),
      );
      const slot = this.runtimeSlot(endpointName, name);
      const previous = slot.current;
      slot.current = runtime;
      await previous?.close();
      return undefined;
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      serverLog(`Inference server failed to start: ${reason}`);
      return reason;
    }
  }

  async stopRuntime(endpointName: string, deploymentName: string): Promise<void> {
    const slot = this.runtimes.get(`${endpointName}/${deploymentName}`.toLowerCase());
    const runtime = slot?.current;
    if (slot) slot.current = undefined;
    await runtime?.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    // Held provisioning (a fault) would otherwise keep its work pending forever.
    this.faults.clear();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    await Promise.allSettled([...this.pending]);
    const running = [...this.runtimes.values()].flatMap((slot) => (slot.current ? [slot.current] : []));
    for (const slot of this.runtimes.values()) slot.current = undefined;
    await Promise.allSettled(running.map((r) => r.close()));
    await this.logs.close();
  }
}

/** A deployment's container: the one serving now, none before it first started or after it was stopped. */
export interface RuntimeSlot {
  current: DeploymentRuntime | undefined;
}

async function withStartupTimeout(starting: Promise<DeploymentRuntime>): Promise<DeploymentRuntime> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      // Whatever finishes starting after we gave up is closed, not leaked.
      void starting.then((late) => late.close()).catch(() => {});
      reject(new Error(`The inference server did not become ready within ${STARTUP_TIMEOUT_MS / 1000} s.`));
    }, STARTUP_TIMEOUT_MS);
  });
  try {
    return await Promise.race([starting, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

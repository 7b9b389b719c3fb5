import type { AzureMachineLearningWorkspaces, OnlineDeployment, OnlineEndpoint } from "@azure/arm-machinelearning";
import { isRestError } from "@azure/core-rest-pipeline";
import { err, ok, type Result } from "../ports/result.js";
import type { WorkspaceError } from "../ports/workspace.js";
import { atApiVersion, sendRaw, type RawResponse } from "./arm-client.js";
import { ArmCallCounter } from "./arm-call-counter.js";
import { restErrorOf, toWorkspaceError, type OperationTarget } from "./arm-errors.js";
import { OperationDurations, type OperationPolling } from "./arm-lro.js";
import type { WorkspaceRef } from "./arm-views.js";

// The first api-version whose endpoint GET carries mirrorTraffic (SPEC23; reference §1.2).
const MIRROR_TRAFFIC_API_VERSION = "2023-04-01";
/**
 * What GreenLight reads in order to write back (a deployment to clone, an endpoint whose traffic it sets) goes raw at
 * the newest stable api-version the emulator also serves: 2.1.1's 2022-10-01 serializer would drop mirrorTraffic,
 * dataCollector, startupProbe and whatever Azure adds next (reference §1.2, §2).
 */
export const CURRENT_API_VERSION = "2025-12-01";

/** What a 404 means where a call was made: a WorkspaceError, found with more calls when it names what exists. */
export type NotFound = (message: string) => WorkspaceError | Promise<WorkspaceError>;

/**
 * One workspace's ARM calls: the client, where the workspace is, the call counter every call runs under, and the way
 * Azure's failures become codes. The reads, writes, scoring and metrics of `ArmWorkspace` all go through it.
 */
export class ArmCalls {
  private readonly counter: ArmCallCounter;
  /** How long this workspace's operations took, so the first poll of the next one is not sent before it can end. */
  readonly durations = new OperationDurations();

  constructor(
    readonly client: AzureMachineLearningWorkspaces,
    readonly ref: WorkspaceRef,
    readonly polling: OperationPolling,
    /** Most ARM calls one listing makes at once. */
    readonly concurrency: number,
  ) {
    this.counter = new ArmCallCounter(client);
  }

  /** ARM requests made so far (every page and retry counts). */
  get count(): number {
    return this.counter.count;
  }

  /** Runs ARM work under the call counter, mapping Azure's failures to codes; `target` names what a write acts on. */
  attempt<T>(work: () => Promise<T>, notFound: NotFound, target?: OperationTarget): Promise<Result<T, WorkspaceError>> {
    return this.counter.run(async () => {
      try {
        return ok(await work());
      } catch (error) {
        return err(await toWorkspaceError(error, () => notFound(error instanceof Error ? error.message : ""), target));
      }
    });
  }

  /** Work counted like any other, whose failures the caller handles itself. */
  counted<T>(work: () => Promise<T>): Promise<T> {
    return this.counter.run(work);
  }

  /** One raw ARM request at the current api-version; every answer is returned (see {@link bodyOf}). */
  raw(method: "GET" | "PUT" | "DELETE", path: string, body?: unknown): Promise<RawResponse> {
    return sendRaw(this.client, {
      method,
      url: path,
      apiVersion: CURRENT_API_VERSION,
      ...(body !== undefined ? { body } : {}),
    });
  }

  endpointPath(endpoint: string): string {
    return (
      `/subscriptions/${encodeURIComponent(this.ref.subscriptionId)}/resourceGroups/${encodeURIComponent(this.rg)}` +
      `/providers/Microsoft.MachineLearningServices/workspaces/${encodeURIComponent(this.ws)}` +
      `/onlineEndpoints/${encodeURIComponent(endpoint)}`
    );
  }

  deploymentPath(endpoint: string, deployment: string): string {
    return `${this.endpointPath(endpoint)}/deployments/${encodeURIComponent(deployment)}`;
  }

  endpoint(name: string): Promise<OnlineEndpoint> {
    return this.client.onlineEndpoints.get(this.rg, this.ws, name, atApiVersion(MIRROR_TRAFFIC_API_VERSION));
  }

  endpoints(): Promise<OnlineEndpoint[]> {
    return collect(this.client.onlineEndpoints.list(this.rg, this.ws, atApiVersion(MIRROR_TRAFFIC_API_VERSION)));
  }

  deploymentsOf(endpoint: string): Promise<OnlineDeployment[]> {
    return collect(this.client.onlineDeployments.list(this.rg, this.ws, endpoint));
  }

  get rg(): string {
    return this.ref.resourceGroup;
  }

  get ws(): string {
    return this.ref.workspaceName;
  }
}

export async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const all: T[] = [];
  for await (const item of items) all.push(item);
  return all;
}

/** The body of a successful raw answer; any other answer is thrown as the RestError an SDK call would throw. */
export function bodyOf(response: RawResponse): unknown {
  if (response.status >= 300) throw restErrorOf(response);
  return response.body;
}

export function isNotFound(error: unknown): boolean {
  return isRestError(error) && error.statusCode === 404;
}

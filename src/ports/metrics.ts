/**
 * One whole minute of one deployment's scoring requests, as Azure Monitor reports it for the endpoint
 * (`RequestsPerMinute` split by `deployment` and `statusCode`; `RequestLatency_P50` / `_P95` split by `deployment`).
 */
export interface RequestMinute {
  /** The minute's start (UTC, on a whole minute). */
  at: Date;
  /** Requests the deployment answered in the minute, mirrored ones included. */
  requests: number;
  /** Of them, failed for the model or the platform: 5xx, 408, 424 and 429 answers. */
  failed: number;
  /** The minute's P50 latency in ms; absent when Azure reported none for the minute. */
  p50Ms?: number;
  /** The minute's P95 latency in ms; absent when Azure reported none for the minute. */
  p95Ms?: number;
}

/**
 * What Azure Monitor reported for an endpoint over a window: per deployment, its minutes in time order. A minute
 * Azure reported no value for (not aggregated yet, or no requests) is absent, never a zero; a deployment that took no
 * requests in the window is absent.
 */
export type RequestMetrics = Record<string, RequestMinute[]>;

/** The statuses a gate counts as failed requests: the model's and the platform's failures, not the caller's (4xx). */
export const FAILED_STATUSES: readonly number[] = [408, 424, 429];
export const isFailedStatus = (status: number): boolean => status >= 500 || FAILED_STATUSES.includes(status);

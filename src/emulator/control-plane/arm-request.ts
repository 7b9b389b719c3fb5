/** One ARM request as a handler sees it. */
export interface ArmRequest {
  method: string;
  url: URL;
  apiVersion: string;
  /** Path parameters named by the route. */
  params: Record<string, string>;
  /** Parsed JSON body (undefined when empty). */
  body: unknown;
  /** `https://127.0.0.1:<port>`: absolute URLs in answers point back here. */
  baseUrl: string;
}

export interface ArmResponse {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export type ArmHandler = (req: ArmRequest) => ArmResponse | Promise<ArmResponse>;

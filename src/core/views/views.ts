/** The data of the cards commands answer with (the Teams edge fills `cards/<card>.card.json` with it). */

export interface DeploymentRow {
  name: string;
  model: string;
  traffic: number;
  mirror: number;
  state: string;
}

export interface EndpointListView {
  filter: string;
  /** "Matching 'x' · 3 endpoint(s) · page 1 of 1". */
  summary: string;
  total: number;
  page: number;
  pageCount: number;
  endpoints: { name: string; state: string; authMode: string; trafficText: string; deployments: DeploymentRow[] }[];
  /** Set when another page exists: the card's "Next" button asks for it. */
  nextPage?: number;
  previousPage?: number;
}

/**
 * The value of the details card's "By traffic" deployment choice (cards/endpoint-details.card.json): not a deployment
 * name. Teams shows a choice whose value is "" as a blank, picked or not.
 */
export const BY_TRAFFIC = "(by traffic)";

export interface EndpointDetailsView {
  name: string;
  state: string;
  authMode: string;
  scoringUri: string;
  description: string;
  trafficText: string;
  mirrorText: string;
  readOnly: boolean;
  deployments: (DeploymentRow & { instances: string })[];
  samples: string[];
  /** Buttons the caller may use (the server checks again on click). */
  canInvoke: boolean;
  canReadLogs: boolean;
  /** The card's inputs as the user left them (BY_TRAFFIC / "" for none), so a redrawn card keeps them. */
  selectedDeployment: string;
  selectedSample: string;
  /** What the last button on this card did, shown under the endpoint: "" when nothing yet. */
  resultKind: "" | "invoke" | "logs" | "message";
  invoke?: InvokeResultView;
  logs?: LogsView;
  message?: { title: string; text: string };
}

export interface InvokeResultView {
  endpoint: string;
  /** The deployment that answered (or the one asked for, when none answered). */
  deployment: string;
  targeted: boolean;
  status: number;
  ok: boolean;
  statusText: string;
  latencyMs: number;
  payloadSource: string;
  response: string;
  truncatedNote: string;
  predictions: { row: number; label: string; probability: string }[];
}

export interface ModelsView {
  filter: string;
  models: {
    name: string;
    description: string;
    /** `name` repeats the model's: a card template inside `$data` sees only the version's own fields. */
    versions: { name: string; version: string; description: string; modelType: string }[];
  }[];
}

export interface SamplesView {
  endpoint: string;
  samples: { name: string; description: string; size: string; createdBy: string }[];
}

export interface LogsView {
  endpoint: string;
  deployment: string;
  tail: number;
  lineCount: number;
  text: string;
  truncatedNote: string;
}

export interface AuditView {
  target: string;
  entries: { at: string; actor: string; action: string; target: string; outcome: string; detail: string }[];
}

export interface WhoamiView {
  name: string;
  id: string;
  aadObjectId: string;
  upn: string;
  roles: string;
  known: boolean;
}

export interface HelpView {
  roles: string;
  commands: { usage: string; summary: string; example: string }[];
}

export interface RolloutStatusView {
  title: string;
  empty: string;
  rollouts: {
    endpoint: string;
    model: string;
    phase: string;
    traffic: string;
    requestedBy: string;
    updated: string;
    ending: string;
  }[];
}

import type { Markdown } from "../../ports/notifier.js";
import type { DeletionCardView } from "../deletion/deletion-card.js";
import type { UserError } from "../errors.js";
import type { PlanView } from "../rollout/plan-view.js";
import type { RolloutCardView } from "../rollout/rollout-card.js";
import type {
  AuditView,
  EndpointDetailsView,
  EndpointListView,
  HelpView,
  InvokeResultView,
  LogsView,
  ModelsView,
  RolloutStatusView,
  SamplesView,
  WhoamiView,
} from "../views/views.js";

/** What a command answers with. The Teams edge renders cards from `cards/<card>.card.json`. */
export type Reply =
  | { kind: "card"; card: "endpoint-list"; data: EndpointListView }
  | { kind: "card"; card: "endpoint-details"; data: EndpointDetailsView }
  | { kind: "card"; card: "invoke-result"; data: InvokeResultView }
  | { kind: "card"; card: "models"; data: ModelsView }
  | { kind: "card"; card: "samples"; data: SamplesView }
  | { kind: "card"; card: "logs"; data: LogsView }
  | { kind: "card"; card: "audit"; data: AuditView }
  | { kind: "card"; card: "whoami"; data: WhoamiView }
  | { kind: "card"; card: "help"; data: HelpView }
  | { kind: "card"; card: "rollout"; data: RolloutCardView }
  | { kind: "card"; card: "rollout-status"; data: RolloutStatusView }
  | { kind: "card"; card: "plan"; data: PlanView }
  | { kind: "card"; card: "deletion"; data: DeletionCardView }
  | { kind: "text"; text: Markdown }
  /** A refusal; on a card with inputs, `redraw` is that card as the person had it, the refusal shown on it. */
  | { kind: "error"; error: UserError; redraw?: CardReply };

export type CardReply = Extract<Reply, { kind: "card" }>;

export type CardName = Extract<Reply, { kind: "card" }>["card"];

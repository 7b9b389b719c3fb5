import {
  CloudAdapter,
  ConfigurationBotFrameworkAuthentication,
  type Activity,
  type ConfigurationBotFrameworkAuthenticationOptions,
  type InvokeResponse,
  type TurnContext,
} from "botbuilder";
import { AuthenticationError, type AuthenticateRequestResult } from "botframework-connector";
import { errorText, type Logger } from "../logger.js";

// jsonwebtoken's verification failures. botbuilder lets them escape as plain errors, which CloudAdapter answers with
// 500 (and the error text); a token that fails verification is the caller's fault and must get 401.
const TOKEN_ERRORS = new Set(["JsonWebTokenError", "NotBeforeError", "TokenExpiredError"]);

/** What a refused caller reads: fixed text, so no internal detail (URLs, fetch errors, stacks) leaves the bot. */
const ANSWERS = {
  401: { error: { code: "Unauthorized", message: "The request's Bot Framework token is missing or invalid." } },
  503: {
    error: {
      code: "ServiceUnavailable",
      message: "GreenLight cannot check Bot Framework tokens right now. Try again later.",
    },
  },
} as const;

/**
 * A request refused before any turn: 401 when the token is the caller's fault, 503 when GreenLight could not check it
 * (the signing keys' metadata did not answer). `reason` is for the log only.
 */
export class RequestRefused extends AuthenticationError {
  constructor(
    readonly status: keyof typeof ANSWERS,
    readonly reason: string,
  ) {
    // The message is what CloudAdapter would send if this ever reached its own handler: keep it fixed.
    super(ANSWERS[status].error.message, status);
  }
}

/** botbuilder's configuration-based auth, turning every failure into a RequestRefused (401 or 503). */
export class BotAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      throw refusal(error);
    }
  }

  override async authenticateStreamingRequest(
    authHeader: string,
    channelIdHeader: string,
  ): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateStreamingRequest(authHeader, channelIdHeader);
    } catch (error) {
      throw refusal(error);
    }
  }
}

/**
 * CloudAdapter with BotAuthentication, answering a refused request with its status and a fixed body, and logging why.
 * (CloudAdapter itself answers any auth failure 401 and anything else 500, both with the error's text as the body.)
 */
export class BotAdapter extends CloudAdapter {
  constructor(
    settings: ConfigurationBotFrameworkAuthenticationOptions,
    private readonly log: Logger,
  ) {
    super(new BotAuthentication(settings));
  }

  protected override async processActivity(
    auth: string | AuthenticateRequestResult,
    activity: Activity,
    logic: (context: TurnContext) => Promise<void>,
  ): Promise<InvokeResponse | undefined> {
    try {
      return typeof auth === "string"
        ? await super.processActivity(auth, activity, logic)
        : await super.processActivity(auth, activity, logic);
    } catch (error) {
      if (!(error instanceof RequestRefused)) throw error;
      const fields = { status: error.status, reason: error.reason, activityType: activity.type };
      if (error.status === 503) this.log.error("could not check a Bot Framework token; request refused", fields);
      else this.log.warn("request refused: bad Bot Framework token", fields);
      return { status: error.status, body: ANSWERS[error.status] };
    }
  }
}

function refusal(error: unknown): RequestRefused {
  if (error instanceof RequestRefused) return error;
  const reason = errorText(error);
  return new RequestRefused(couldNotCheck(error) ? 503 : 401, reason);
}

/**
 * True when the failure is GreenLight's, not the token's: botbuilder could not load the OpenID metadata or signing keys
 * (node-fetch's FetchError for an unreachable host or a bad body; AuthenticationError 500 for a non-200 answer).
 * Anything else, jsonwebtoken's errors included, counts as a bad token.
 */
function couldNotCheck(error: unknown): boolean {
  if (!(error instanceof Error) || TOKEN_ERRORS.has(error.name)) return false;
  if (error.name === "FetchError") return true;
  return error instanceof AuthenticationError && error.statusCode >= 500;
}

import { ConfigurationBotFrameworkAuthentication, type Activity } from "botbuilder";
import { AuthenticationError, type AuthenticateRequestResult } from "botframework-connector";

// jsonwebtoken's verification failures. botbuilder lets them escape as plain errors, which CloudAdapter answers with
// 500 (and the error text); a token that fails verification is the caller's fault and must get 401.
const TOKEN_ERRORS = new Set(["JsonWebTokenError", "NotBeforeError", "TokenExpiredError"]);

/** botbuilder's configuration-based auth, answering every invalid token with 401 (botbuilder 4.23: forged signature → 500). */
export class BotAuthentication extends ConfigurationBotFrameworkAuthentication {
  override async authenticateRequest(activity: Activity, authHeader: string): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateRequest(activity, authHeader);
    } catch (error) {
      throw asUnauthorized(error);
    }
  }

  override async authenticateStreamingRequest(
    authHeader: string,
    channelIdHeader: string,
  ): Promise<AuthenticateRequestResult> {
    try {
      return await super.authenticateStreamingRequest(authHeader, channelIdHeader);
    } catch (error) {
      throw asUnauthorized(error);
    }
  }
}

function asUnauthorized(error: unknown): unknown {
  if (error instanceof Error && TOKEN_ERRORS.has(error.name)) {
    return new AuthenticationError(`Unauthorized: the token is invalid (${error.message}).`, 401);
  }
  return error;
}

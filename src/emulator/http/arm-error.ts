/** An ARM error answer: `{"error": {"code", "message", "target"?}}` with its HTTP status. */
export class ArmError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly target?: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }

  toBody(): { error: { code: string; message: string; target?: string; details: [] } } {
    return {
      error: { code: this.code, message: this.message, ...(this.target ? { target: this.target } : {}), details: [] },
    };
  }
}

export const badArgument = (message: string, target?: string): ArmError =>
  new ArmError(400, "BadArgument", message, target);

export const notFound = (message: string): ArmError => new ArmError(404, "ResourceNotFound", message);

export const conflict = (message: string): ArmError => new ArmError(409, "Conflict", message);

/** "diabetes:2", or the raw reference of a model that is not a workspace model. Plain text: views escape it. */
export const modelText = (model: { name: string; version: string } | { reference: string }): string =>
  "reference" in model ? model.reference : `${model.name}:${model.version}`;

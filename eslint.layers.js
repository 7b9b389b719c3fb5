// Import rules that keep the layers of DESIGN.md's picture honest. eslint.config.js applies them; a unit test
// (test/unit/layers.test.ts) lints sample imports with them, so a loosened rule fails a test.
const botbuilder = {
  group: ["botbuilder", "botbuilder-*", "botframework-*"],
  message: "botbuilder belongs in src/teams only (the Teams edge).",
};
const azure = {
  group: ["@azure/*"],
  message: "Azure SDKs belong in src/workspace (the Azure ML adapter) and the composition root src/app.ts only.",
};
const nodeIo = {
  regex:
    "^(node:)?(fs|fs/promises|http|https|http2|net|tls|dgram|dns|dns/promises|child_process|worker_threads|cluster)$",
  message: "src/core is pure: no I/O. Reach the world through a port (src/ports).",
};
const adaptersFromCore = {
  regex: "^(\\.\\./)+(workspace|store|teams|emulator|dev)/|^(\\.\\./)+(app|main|config|logger|roles-file)\\.js$",
  message: "src/core knows only src/ports: adapters and the composition root are wired in by src/app.ts.",
};
const adaptersFromWorker = {
  regex: "^(\\.\\./)+(workspace|store|teams|emulator|dev)/",
  message: "src/worker drives core through ports only: the stores and the workspace are wired in by src/app.ts.",
};
const coreFromOutside = {
  regex: "^(\\.\\./)+core/",
  message: "Ports own the types they speak, and adapters implement ports without reaching into core.",
};

const rule = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/** Flat-config entries: later entries replace the rule for the files they match. */
export const layerRules = [
  { files: ["src/**/*.ts"], rules: rule(botbuilder, azure) },
  { files: ["src/core/**/*.ts"], rules: rule(botbuilder, azure, nodeIo, adaptersFromCore) },
  {
    files: ["src/ports/**/*.ts", "src/store/**/*.ts", "src/emulator/**/*.ts"],
    rules: rule(botbuilder, azure, coreFromOutside),
  },
  { files: ["src/workspace/**/*.ts"], rules: rule(botbuilder, coreFromOutside) },
  { files: ["src/worker/**/*.ts"], rules: rule(botbuilder, azure, adaptersFromWorker) },
  { files: ["src/teams/**/*.ts"], rules: rule(azure) },
  { files: ["src/app.ts"], rules: rule(botbuilder) },
];

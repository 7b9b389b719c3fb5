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
const groundFloorUp = {
  regex: "^\\.{1,2}/(commands|vocabulary|people|change|rollout|deletion|evidence)/",
  message:
    "Views and error wording are core's ground floor: commands, rollouts, evidence and deletions build on them, never the reverse.",
};
const vocabularyUp = {
  regex: "^\\.\\./(commands|change|rollout|deletion|notifications)/",
  message:
    "The command vocabulary (the commands' shapes and forms) is what rollouts, deletions and the command table speak: it imports nothing that builds on it.",
};
const tableFromHandlers = {
  regex: "^\\.\\./(command-table|policy|run-command)\\.js$",
  message:
    "The command table names each handler: a handler asks the policy through its context (ctx.may) and is given what else it needs from its entry, never by import.",
};
const evidenceBelowRollout = {
  regex: "^\\.\\./(?!\\.\\./|views/|errors\\.js$)",
  message:
    "src/core/evidence judges and shows a rollout's evidence below the rollout that uses it: it knows src/ports, src/core/views and src/core/errors.ts only.",
};
const adaptersFromWorker = {
  regex: "^(\\.\\./)+(workspace|store|teams|emulator|dev)/",
  message: "src/worker drives core through ports only: the stores and the workspace are wired in by src/app.ts.",
};
const adaptersFromTeams = {
  regex: "^(\\.\\./)+(workspace|store|emulator|worker|dev)/|^(\\.\\./)+(app|main)\\.js$",
  message:
    "src/teams is an adapter: it reaches the rest through src/ports and src/core; src/app.ts wires it to the others.",
};
const coreFromOutside = {
  regex: "^(\\.\\./)+core/",
  message: "Ports own the types they speak, and adapters implement ports without reaching into core.",
};

const upFromChanges = {
  regex: "^\\.\\./commands/",
  message: "Rollouts and deletions are below the commands that use them: no import back up.",
};
const kindsFromChangeCore = {
  regex: "^\\.\\./(rollout|deletion|commands|notifications)/",
  message: "src/core/change knows no kind of change: rollouts and deletions use it, never the other way round.",
};
const emulatorAlone = {
  regex:
    "^(\\.\\./)+(core|ports|workspace|store|teams|worker|dev)/|^(\\.\\./)+(app|main|config|logger|roles-file)\\.js$",
  message: "src/emulator is the local Azure ML workspace, run on its own: it knows nothing of the bot.",
};
const adapterOfOnePort = {
  regex: "^(\\.\\./)+(emulator|store|teams|worker|dev)/|^(\\.\\./)+(app|main|config|logger|roles-file)\\.js$",
  message: "src/workspace implements the Workspace port: it knows src/ports only (the emulator is reached over HTTP).",
};

const rule = (...patterns) => ({ "no-restricted-imports": ["error", { patterns }] });

/** Flat-config entries: later entries replace the rule for the files they match. */
export const layerRules = [
  { files: ["src/**/*.ts"], rules: rule(botbuilder, azure) },
  { files: ["src/core/**/*.ts"], rules: rule(botbuilder, azure, nodeIo, adaptersFromCore) },
  {
    files: ["src/core/rollout/**/*.ts", "src/core/deletion/**/*.ts"],
    rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, upFromChanges),
  },
  {
    files: ["src/core/commands/handlers/**/*.ts"],
    rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, tableFromHandlers),
  },
  {
    files: ["src/core/vocabulary/**/*.ts"],
    rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, vocabularyUp),
  },
  {
    files: ["src/core/views/**/*.ts", "src/core/errors.ts"],
    rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, groundFloorUp),
  },
  {
    files: ["src/core/evidence/**/*.ts"],
    rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, evidenceBelowRollout),
  },
  { files: ["src/core/change/**/*.ts"], rules: rule(botbuilder, azure, nodeIo, adaptersFromCore, kindsFromChangeCore) },
  { files: ["src/ports/**/*.ts", "src/store/**/*.ts"], rules: rule(botbuilder, azure, coreFromOutside) },
  { files: ["src/emulator/**/*.ts"], rules: rule(botbuilder, azure, coreFromOutside, emulatorAlone) },
  { files: ["src/workspace/**/*.ts"], rules: rule(botbuilder, coreFromOutside, adapterOfOnePort) },
  { files: ["src/worker/**/*.ts"], rules: rule(botbuilder, azure, adaptersFromWorker) },
  { files: ["src/teams/**/*.ts"], rules: rule(azure, adaptersFromTeams) },
  { files: ["src/app.ts"], rules: rule(botbuilder) },
];

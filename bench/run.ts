import { benchApprovals } from "./approvals.bench.js";
import { benchBotTurn } from "./bot-turn.bench.js";
import { benchConcurrentRollouts, ROLLOUTS } from "./concurrent-rollouts.bench.js";
import { benchFootprint } from "./footprint.bench.js";
import { benchGates } from "./gates.bench.js";
import { benchParse } from "./parse.bench.js";
import { benchRollout } from "./rollout.bench.js";
import { benchScoring } from "./scoring.bench.js";

/** `npm run bench -- scoring parse`: only the named benchmarks, each reported as in the full run. */
const BY_NAME = {
  scoring: benchScoring,
  "bot-turn": benchBotTurn,
  rollout: benchRollout,
  approvals: benchApprovals,
  gates: benchGates,
  "concurrent-rollouts": () => benchConcurrentRollouts(),
  footprint: benchFootprint,
  parse: benchParse,
} satisfies Record<string, () => { lines: string[] } | Promise<{ lines: string[] }>>;

const named = process.argv.slice(2);
if (named.length > 0) {
  const unknown = named.filter((name) => !(name in BY_NAME));
  if (unknown.length > 0) {
    console.error(`No benchmark named ${unknown.join(", ")}; there are ${Object.keys(BY_NAME).join(", ")}.`);
    process.exit(2);
  }
  for (const name of named) console.log((await BY_NAME[name as keyof typeof BY_NAME]()).lines.join("\n"));
  process.exit(0);
}

/** `npm run bench`: every benchmark in one run, reported as ratios measured side by side on this machine. */
const started = performance.now();
const scoring = await benchScoring();
console.log(scoring.lines.join("\n"));
console.log("");
const bot = await benchBotTurn();
console.log(bot.lines.join("\n"));
console.log("");
const rollout = await benchRollout();
console.log(rollout.lines.join("\n"));
console.log("");
const approvals = await benchApprovals();
console.log(approvals.lines.join("\n"));
console.log("");
const gates = await benchGates();
console.log(gates.lines.join("\n"));
console.log("");
const concurrent = await benchConcurrentRollouts();
console.log(concurrent.lines.join("\n"));
console.log("");
const footprint = await benchFootprint();
console.log(footprint.lines.join("\n"));
console.log("");
const parse = benchParse();
console.log(parse.lines.join("\n"));
console.log("");
console.log(
  [
    `Summary (one run, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
    `  scoring: router / bare server capacity     ${scoring.ratio.toFixed(2)}   (target ≥ 0.80)`,
    `  scoring: router / bare client throughput   ${scoring.throughputRatio.toFixed(2)}`,
    `  bot turn \`endpoints\`: bot / raw SDK p50    ${bot.ratioP50.toFixed(2)}`,
    `  bot turn \`endpoints\`: bot / raw SDK p99    ${bot.ratioP99.toFixed(2)}`,
    `  ARM calls per \`endpoints\` (100 endpoints)  ${bot.armCalls}`,
    `  endpoints card                             ${bot.cardBytes} bytes   (limit 28672)`,
    `  card action answer p99 during an operation ${bot.ackP99.toFixed(1)} ms   (target < 1000 ms)`,
    `  approval click answer p99, worker busy     ${rollout.ackP99.toFixed(1)} ms   (target < 1000 ms)`,
    `  last click → traffic applied / operation   ×${rollout.appliedRatio.toFixed(2)} median, ×${rollout.appliedRatioWorst.toFixed(2)} worst   (target ≤ 1.2)`,
    `  ARM calls per rollout (3 steps, retire)    ${rollout.armCalls}`,
    `  breach readable → start restored / update  ×${gates.restoreRatio.toFixed(2)}   (target ≤ 1.2)`,
    `  ARM + metrics calls per rollout with bakes ${gates.callsWithBakes} (${gates.callsPerLook.toFixed(1)} per minute watched; no target)`,
    approvals.skipped === undefined
      ? `  approval clicks, 2 instances on PostgreSQL ${approvals.clicksPerSecond.toFixed(0)} clicks/s acknowledged, p99 ${approvals.ackP99.toFixed(1)} ms   (no target)`
      : `  approval clicks, 2 instances on PostgreSQL skipped: ${approvals.skipped}`,
    ...(approvals.skipped === undefined
      ? [`    each step applied exactly once           ${approvals.exactlyOnce} of ${approvals.rollouts} rollouts`]
      : []),
    `  ${ROLLOUTS} rollouts at once: ARM calls per rollout ${concurrent.armCallsPerRollout.toFixed(1)}   (one alone ${rollout.armCalls}; no target)`,
    `  ${ROLLOUTS} rollouts at once: worker lag p99        ${concurrent.lagP99.toFixed(0)} ms   (no target)`,
    `  bot idle RSS (production build)            ${footprint.idleMb.toFixed(0)} MB   (target < 300 MB)`,
    `  message parsing, 200 KB / 50 KB time       ×${parse.worstRatio.toFixed(1)}   (linear ≈ 4, quadratic ≈ 16)`,
    `  bot RSS after 5000 conversations           ${footprint.afterMb.toFixed(0)} MB   (after / idle ${(footprint.afterMb / footprint.idleMb).toFixed(2)})`,
  ].join("\n"),
);

import { benchScoring } from "./scoring.bench.js";

/** `npm run bench`: every benchmark in one run, reported as ratios measured side by side on this machine. */
const scoring = await benchScoring();
console.log(scoring.lines.join("\n"));

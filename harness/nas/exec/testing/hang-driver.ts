// Test driver: `node --import tsx hang-driver.ts <tempDir> <misbehave.mjs>` runs one exec search
// whose command hangs (misbehave.mjs hang) with a long limit, forwarding the command's stderr to
// stdout — for a test that kills this process with SIGKILL and checks that the command's whole
// process group goes with it (the reaper), and that the folder it leaves is swept later.
import { syntheticDataset } from '../../../data/synthetic.js';
import { execNasAlgorithm } from '../index.js';

const [tempDir, misbehave] = process.argv.slice(2) as [string, string];
const train = syntheticDataset({ n: 10, seed: 1, height: 4, width: 4, channels: 1, numClasses: 2 });
const nas = execNasAlgorithm({ name: 'hang', description: 'hangs', family: 'baseline', command: [process.execPath, misbehave, 'hang'], tempDir, timeoutMs: 600_000 });
process.stdout.write(`driver ${process.pid}\n`);
await nas.search({ train, settings: {}, seed: 1, log: (m) => process.stdout.write(`${m}\n`) });

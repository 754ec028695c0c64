// Test command for the exec adapter: answers a fixed cell and echoes back, as diagnostics, what it
// received — the request (as JSON text), its argv, cwd and environment, and for each IDX file its
// magic number, dimensions, the SHA-256 of its data bytes and (labels) the count of each value — so that a test can compare them
// with what naspoison meant to send. Node only (no Python), standard library only.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';

const requestPath = process.argv[process.argv.length - 1];
const request = JSON.parse(readFileSync(requestPath, 'utf8'));

function idx(path) {
  const bytes = readFileSync(path);
  const magic = bytes.readUInt32BE(0);
  const ndims = magic & 0xff;
  const dims = Array.from({ length: ndims }, (_, d) => bytes.readUInt32BE(4 + 4 * d));
  const data = bytes.subarray(4 + 4 * ndims);
  const counts = {};
  for (const b of data) counts[b] = (counts[b] ?? 0) + 1;
  return { magic: `0x${magic.toString(16).padStart(8, '0')}`, dims: dims.join('x'), sha256: createHash('sha256').update(data).digest('hex'), counts: JSON.stringify(counts) };
}

const diagnostics = {
  request: JSON.stringify(request),
  argv: JSON.stringify(process.argv.slice(2)),
  cwd: process.cwd(),
  envRequest: process.env.NASPOISON_EXEC_REQUEST ?? null,
  envDir: process.env.NASPOISON_EXEC_DIR ?? null,
  envExtra: process.env.EXEC_TEST_EXTRA ?? null,
  envRemoved: process.env.EXEC_TEST_REMOVED ?? null,
  workDirFiles: readdirSync(request.workDir).sort().join(','),
  workDirExists: existsSync(request.workDir),
};
for (const [part, pair] of Object.entries({ train: request.data.train, validation: request.data.validation })) {
  if (pair === null) continue;
  for (const kind of ['images', 'labels']) {
    const info = idx(pair[kind]);
    diagnostics[`${part}.${kind}.magic`] = info.magic;
    diagnostics[`${part}.${kind}.dims`] = info.dims;
    diagnostics[`${part}.${kind}.sha256`] = info.sha256;
    if (kind === 'labels') diagnostics[`${part}.labels.counts`] = info.counts;
  }
}
process.stderr.write('echo: read the request\necho: done\n');
process.stdout.write(`${JSON.stringify({ genotype: '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|', diagnostics, panelScores: request.panel.map((_, i) => i) })}\n`);

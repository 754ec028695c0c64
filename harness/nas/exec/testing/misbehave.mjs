// Test command for the exec adapter's failures: `node misbehave.mjs <mode> <request.json>` breaks
// the protocol in the way its mode names. Node only, standard library only.
import { spawn } from 'node:child_process';

const mode = process.argv[2];
const VALID = '|nor_conv_3x3~0|+|skip_connect~0|nor_conv_1x1~1|+|none~0|avg_pool_3x3~1|nor_conv_3x3~2|';

switch (mode) {
  case 'hang':
  case 'hang-ignoring-sigterm': {
    if (mode === 'hang-ignoring-sigterm') process.on('SIGTERM', () => process.stderr.write('misbehave: ignoring SIGTERM\n'));
    // A grandchild in the same process group: a timeout must take it down too.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { stdio: 'ignore' });
    process.stderr.write(`misbehave: pid ${process.pid} grandchild ${child.pid}\n`);
    setInterval(() => {}, 1000);
    break;
  }
  case 'exit-3':
    for (let i = 1; i <= 30; i++) process.stderr.write(`misbehave: line ${i}\n`);
    process.stderr.write('Traceback: something broke\n');
    process.exit(3);
    break;
  case 'garbage':
    process.stdout.write('hello, this is not JSON\n');
    break;
  case 'json-and-chatter':
    process.stdout.write(`epoch 1 done\n${JSON.stringify({ genotype: VALID })}\n`);
    break;
  case 'invalid-genotype':
    process.stdout.write(JSON.stringify({ genotype: '|conv_5x5~0|+|none~0|none~1|+|none~0|none~1|none~2|' }));
    break;
  case 'no-genotype':
    process.stdout.write(JSON.stringify({ diagnostics: { x: 1 } }));
    break;
  case 'typo-field':
    process.stdout.write(JSON.stringify({ genotype: VALID, diagnostic: { x: 1 } }));
    break;
  case 'nested-diagnostic':
    process.stdout.write(JSON.stringify({ genotype: VALID, diagnostics: { curve: [1, 2] } }));
    break;
  case 'short-panel':
    process.stdout.write(JSON.stringify({ genotype: VALID, panelScores: [1] }));
    break;
  case 'flood':
    // More than the 8 MiB an answer may take, in chunks (waits for the pipe when it is full).
    {
      const chunk = 'x'.repeat(1 << 20);
      let left = 12;
      const write = () => {
        while (left > 0) {
          left--;
          if (!process.stdout.write(chunk)) return process.stdout.once('drain', write);
        }
      };
      write();
    }
    break;
  case 'killed-by-signal':
    process.stderr.write('misbehave: about to die\n');
    process.kill(process.pid, 'SIGKILL');
    break;
  default:
    process.stderr.write(`misbehave: unknown mode ${mode}\n`);
    process.exit(64);
}

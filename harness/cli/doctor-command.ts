/** `naspoison doctor`: which backends load here, why the others don't, and where data comes from. */
import { DOCTOR_HELP } from './help.js';
import { existsSync } from 'node:fs';
import { cpus } from 'node:os';
import * as tf from '@tensorflow/tfjs';
import { AUTO_CANDIDATES, probeBackends } from '../engine/backend.js';
import { FASHION_MNIST_FIXTURE_DIR, SYSTEM_FASHION_MNIST_DIR } from '../data/load.js';
import { style } from './terminal.js';


export async function doctorCommand(argv: string[]): Promise<number> {
  if (argv.includes('-h') || argv.includes('--help')) {
    process.stdout.write(DOCTOR_HELP);
    return 0;
  }
  const probes = await probeBackends();
  const data = {
    fullFashionMnist: existsSync(SYSTEM_FASHION_MNIST_DIR) ? SYSTEM_FASHION_MNIST_DIR : null,
    fixture: FASHION_MNIST_FIXTURE_DIR,
  };
  const machine = { node: process.version, tfjs: tf.version.tfjs, cpu: cpus()[0]?.model ?? 'unknown', cores: cpus().length, platform: `${process.platform}-${process.arch}` };
  if (argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ backends: probes, data, machine }, null, 2)}\n`);
  } else {
    process.stdout.write(`${style.bold('TensorFlow.js backends')} (tfjs ${machine.tfjs}, node ${machine.node}, ${machine.cores}× ${machine.cpu})\n`);
    for (const p of probes) {
      const mark = p.available ? style.green('✓ available') : style.red('✗ unavailable');
      process.stdout.write(`  ${p.name.padEnd(10)} ${mark}  ${p.detail}\n`);
    }
    process.stdout.write(`${style.bold('Data')}\n`);
    process.stdout.write(`  full Fashion-MNIST: ${data.fullFashionMnist ?? `not installed (apt-get install dataset-fashion-mnist puts it in ${SYSTEM_FASHION_MNIST_DIR})`}\n`);
    process.stdout.write(`  embedded subset:    ${data.fixture}\n`);
    const auto = AUTO_CANDIDATES.find((name) => probes.some((p) => p.name === name && p.available)) ?? 'none';
    process.stdout.write(`${style.bold('auto')} picks ${auto}\n`);
  }
  return probes.some((p) => p.available && p.name !== 'cpu') ? 0 : 1;
}

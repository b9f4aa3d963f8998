import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import sharp from 'sharp';

export interface MachineInfo {
  cpuModel: string;
  /** What `nproc` says: the cores this process may use. */
  cores: number;
  /** Vector instruction sets onnxruntime's kernels pick from, as far as the CPU reports them. */
  cpuFeatures: string[];
  memoryGiB: number;
  os: string;
  node: string;
  onnxruntime: string;
  sharp: string;
  libvips: string;
  hnswlib: string;
  uvThreadpoolSize: number;
  sharpConcurrency: number;
}

const REPORTED_FEATURES = ['avx2', 'fma', 'avx512f', 'avx512_vnni', 'avx_vnni', 'avx512_bf16'];

export function describeMachine(): MachineInfo {
  const cpuinfo = readProcFile('/proc/cpuinfo');
  const flags = new Set((/^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? '').split(/\s+/));
  const require = createRequire(import.meta.url);
  const versionOf = (name: string) =>
    (require(`${name}/package.json`) as { version: string }).version;
  return {
    cpuModel: /^model name\s*:\s*(.*)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown',
    cores: os.availableParallelism(),
    cpuFeatures: REPORTED_FEATURES.filter((flag) => flags.has(flag)),
    memoryGiB: os.totalmem() / 1024 ** 3,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    onnxruntime: versionOf('onnxruntime-node'),
    sharp: sharp.versions.sharp ?? 'unknown',
    libvips: sharp.versions.vips,
    hnswlib: versionOf('hnswlib-node'),
    uvThreadpoolSize: Number(process.env.UV_THREADPOOL_SIZE ?? 4),
    sharpConcurrency: sharp.concurrency(),
  };
}

function readProcFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

export interface LinuxInstallerSize {
  electronVersion: string;
  /** Everything under resources/: the app's asar, what is unpacked beside it, extra resources. */
  totalBytes: number;
  asarBytes: number;
  unpackedBytes: number;
  extraResourcesBytes: number;
  /** onnxruntime-node's binaries in the Linux app. */
  shippedOnnxruntimeBytes: number;
  /** onnxruntime-node's binaries for other OSes and architectures, which the rules leave out. */
  leftOutOnnxruntimeBytes: number;
}
/** Lays the Linux app out with electron-builder (Electron's runtime stubbed) and measures it. */
export function linuxInstallerSize(): Promise<LinuxInstallerSize>;

// CONTRACT (written first so the CLI, the extension and the benchmarks can be built against it;
// the engine helper replaces this file with the implementation, keeping these signatures).

import type {
  ByteRange,
  CloneFileOptions,
  CloneRangeOptions,
  CopyOptions,
  DigHolesOptions,
  ExtentMap,
  OperationReport,
  RangesResult,
  RunOptions,
  VolumeInfo,
} from './types';

export interface EngineOptions {
  /** Run local native work in a worker thread (the extension host); default false (CLI, tests). */
  worker?: boolean;
}

export interface Engine {
  ranges(path: string, opts?: RunOptions & { window?: ByteRange }): Promise<RangesResult>;
  map(path: string, opts?: RunOptions & { window?: ByteRange }): Promise<ExtentMap>;
  volume(path: string): Promise<VolumeInfo>;
  /** `destination` is an existing folder (clone keeps the source's name) or a new file path. */
  clone(source: string, destination: string, opts?: CloneFileOptions): Promise<OperationReport>;
  cloneRange(
    source: string,
    sourceOffset: bigint,
    target: string,
    targetOffset: bigint,
    length: bigint,
    opts?: CloneRangeOptions,
  ): Promise<OperationReport>;
  /** Server-side / in-kernel copy; falls back to a hole-keeping copy and says so in the report. */
  copy(source: string, destination: string, opts?: CopyOptions): Promise<OperationReport>;
  punch(path: string, range: ByteRange, opts?: RunOptions): Promise<OperationReport>;
  /** Make a range read as zeros (punching where the file system can, writing zeros otherwise). */
  zero(path: string, range: ByteRange, opts?: RunOptions): Promise<OperationReport>;
  digHoles(path: string, opts?: DigHolesOptions): Promise<OperationReport>;
  setSparse(path: string, sparse: boolean, opts?: RunOptions): Promise<OperationReport>;
  /** Stop the worker, if any. */
  dispose(): Promise<void>;
}

export declare function createEngine(opts?: EngineOptions): Engine;

/**
 * Bounded capture of a Pod's combined stdout/stderr: an in-memory ring buffer
 * for fast `logs()` and an on-disk log that is rotated so that
 * `output.log` + `output.log.1` never exceed the configured bound together.
 */
import { createReadStream } from 'node:fs';
import fs from 'node:fs/promises';

/** Fixed-capacity byte ring: keeps only the most recent `capacity` bytes. */
export class RingBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  constructor(readonly capacity: number) {}

  /** Append bytes, dropping the oldest ones beyond capacity. */
  push(chunk: Buffer): void {
    if (chunk.length === 0 || this.capacity <= 0) return;
    const data =
      chunk.length > this.capacity ? chunk.subarray(chunk.length - this.capacity) : chunk;
    this.chunks.push(data);
    this.size += data.length;
    while (this.size > this.capacity) {
      const head = this.chunks[0];
      if (head === undefined) break;
      const excess = this.size - this.capacity;
      if (head.length <= excess) {
        this.chunks.shift();
        this.size -= head.length;
      } else {
        this.chunks[0] = head.subarray(excess);
        this.size -= excess;
      }
    }
  }

  /** Bytes currently held. */
  get length(): number {
    return this.size;
  }

  /** The last `maxBytes` bytes (all by default). */
  tail(maxBytes = this.size): Buffer {
    const all = Buffer.concat(this.chunks, this.size);
    return maxBytes >= all.length ? all : all.subarray(all.length - Math.max(0, maxBytes));
  }
}

/**
 * Append-only log file with one rotated generation. Writes are queued and
 * serialized; while the disk is slower than the Pod, at most `maxBytes / 2`
 * bytes are queued — older queued output is dropped and a marker written.
 */
export class RotatingFileLog {
  private readonly perFile: number;
  private handle: fs.FileHandle | undefined;
  private written = 0;
  private queue: Buffer[] = [];
  private queued = 0;
  private dropped = 0;
  private flushing: Promise<void> | undefined;
  private closed = false;

  /**
   * @param path     the live log file; the previous generation is `${path}.1`
   * @param maxBytes bound for both files together
   * @param onError  called (once per failure) when the disk write fails; the log keeps going in memory
   */
  constructor(
    readonly path: string,
    maxBytes: number,
    private readonly onError: (err: unknown) => void = () => {},
  ) {
    this.perFile = Math.max(1024, Math.floor(maxBytes / 2));
  }

  /** Queue bytes for writing; if the queue outgrows one file's worth, the oldest queued bytes are dropped. */
  write(chunk: Buffer): void {
    if (this.closed || chunk.length === 0) return;
    this.queue.push(chunk);
    this.queued += chunk.length;
    while (this.queued > this.perFile) {
      const head = this.queue[0];
      if (head === undefined) break;
      const excess = this.queued - this.perFile;
      const cut = Math.min(excess, head.length);
      if (cut === head.length) this.queue.shift();
      else this.queue[0] = head.subarray(cut);
      this.queued -= cut;
      this.dropped += cut;
    }
    this.flushing ??= this.flush().finally(() => {
      this.flushing = undefined;
    });
  }

  /** Flush what is queued and close the file. Safe to call twice. */
  async close(): Promise<void> {
    this.closed = true;
    while (this.flushing) await this.flushing;
    await this.handle?.close().catch(() => {});
    this.handle = undefined;
  }

  private async flush(): Promise<void> {
    while (this.queue.length > 0) {
      const parts = this.queue;
      this.queue = [];
      this.queued = 0;
      if (this.dropped > 0) {
        parts.unshift(Buffer.from(`\n[gantry: ${this.dropped} bytes of output dropped]\n`));
        this.dropped = 0;
      }
      let data = Buffer.concat(parts);
      if (data.length > this.perFile) data = data.subarray(data.length - this.perFile);
      try {
        await this.append(data);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  private async append(data: Buffer): Promise<void> {
    if (this.handle === undefined) {
      this.handle = await fs.open(this.path, 'a');
      this.written = (await this.handle.stat()).size;
    }
    if (this.written + data.length > this.perFile) {
      await this.handle.close();
      this.handle = undefined;
      await fs.rename(this.path, `${this.path}.1`);
      this.handle = await fs.open(this.path, 'w');
      this.written = 0;
    }
    await this.handle.write(data);
    this.written += data.length;
  }
}

/** Read the last `maxBytes` bytes of a rotated log (`path.1` then `path`) from disk; '' when absent. */
export async function readLogTail(path: string, maxBytes: number): Promise<Buffer> {
  const current = await readFileTail(path, maxBytes);
  const remaining = maxBytes - current.length;
  if (remaining <= 0) return current;
  const previous = await readFileTail(`${path}.1`, remaining);
  return Buffer.concat([previous, current]);
}

async function readFileTail(path: string, maxBytes: number): Promise<Buffer> {
  let size: number;
  try {
    size = (await fs.stat(path)).size;
  } catch {
    return Buffer.alloc(0);
  }
  if (size === 0 || maxBytes <= 0) return Buffer.alloc(0);
  const start = Math.max(0, size - maxBytes);
  const chunks: Buffer[] = [];
  for await (const chunk of createReadStream(path, { start, end: size - 1 }))
    chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

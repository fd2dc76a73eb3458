// A small read-only ZIP reader for torch checkpoints (pytorch_model.bin is a zip archive). It reads
// the central directory (ZIP64 too: multi-GB checkpoints need it) and hands out members by name,
// reading each one from disk on demand so a large archive is never held in memory whole.
// Stored (method 0, what torch writes) and deflated (method 8) members are supported. Every record
// is bounds-checked against the file, and a deflated member is inflated with an output limit: its
// declared size, which must be one deflate can produce from its compressed bytes and no more than
// the caller expects (a zip bomb stops at the limit instead of filling memory).
import { closeSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';
import { FileFormatError } from './errors';
import { describeBytes, openRegularFile } from './file-access';

export class ZipError extends FileFormatError {}

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const ZIP64_LOCATOR_SIGNATURE = 0x07064b50;
const ZIP64_EOCD_SIGNATURE = 0x06064b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const ZIP64_EXTRA_ID = 0x0001;
const U32_MAX = 0xffffffff;
const EOCD_SIZE = 22;
const CENTRAL_SIZE = 46;
const LOCAL_SIZE = 30;
const MAX_COMMENT = 0xffff;
/** Deflate emits at least one bit per 258 output bytes: no stream inflates more than ~1032 times its size. */
const MAX_DEFLATE_RATIO = 1032;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fd: number;
  private readonly fileSize: number;

  constructor(readonly path: string) {
    const { fd, size } = openRegularFile(path, { maxBytes: Number.MAX_SAFE_INTEGER, what: 'a zip archive' }, ZipError);
    this.fd = fd;
    this.fileSize = size;
    try {
      this.readCentralDirectory();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  private damaged(what: string): never {
    throw new ZipError(this.path, `${this.path}: ${what}; the archive is damaged or not a zip file.`);
  }

  /** The uncompressed bytes of member `name`, refused when it declares more than `maxBytes`. */
  read(name: string, maxBytes: number): Buffer {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipError(this.path, `${this.path}: the archive has no member "${name}".`);
    if (entry.size > maxBytes) {
      throw new ZipError(this.path, `${this.path}: member "${name}" declares ${describeBytes(entry.size)}, more than the ${describeBytes(maxBytes)} expected of it; the file is damaged or malicious.`);
    }
    const local = this.bytes(entry.localHeaderOffset, LOCAL_SIZE);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) this.damaged(`member "${name}" has no local header at byte ${entry.localHeaderOffset}`);
    // The local extra field may differ from the central one: torch pads it to align the data.
    const dataStart = entry.localHeaderOffset + LOCAL_SIZE + local.readUInt16LE(26) + local.readUInt16LE(28);
    if (entry.method === 0) {
      if (entry.compressedSize !== entry.size) this.damaged(`stored member "${name}" has a compressed size ${entry.compressedSize} unlike its size ${entry.size}`);
      return this.bytes(dataStart, entry.size);
    }
    if (entry.method !== 8) {
      throw new ZipError(this.path, `${this.path}: member "${name}" uses compression method ${entry.method}; only stored (0) and deflate (8) are supported.`);
    }
    if (entry.size > entry.compressedSize * MAX_DEFLATE_RATIO + 1024) {
      this.damaged(`member "${name}" declares ${entry.size} bytes, more than deflate can make of its ${entry.compressedSize} compressed bytes (a zip bomb?)`);
    }
    const raw = this.bytes(dataStart, entry.compressedSize);
    let out: Buffer;
    try {
      // One byte over the declared size tells a member that inflates to more than it declares.
      out = inflateRawSync(raw, { maxOutputLength: entry.size + 1 });
    } catch (err) {
      return this.damaged(`member "${name}" does not inflate (${(err as Error).message})`);
    }
    if (out.length !== entry.size) this.damaged(`member "${name}" inflates to ${out.length === entry.size + 1 ? 'more than' : out.length} bytes, not the ${entry.size} it declares`);
    return out;
  }

  private bytes(position: number, length: number): Buffer {
    if (!Number.isSafeInteger(position) || !Number.isSafeInteger(length) || position < 0 || length < 0 || position + length > this.fileSize) {
      throw new ZipError(this.path, `${this.path}: a record at byte ${position} (${length} bytes) runs past the end of the ${this.fileSize}-byte file. Is the download complete?`);
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(this.fd, buf, done, length - done, position + done);
      } catch (err) {
        throw new ZipError(this.path, `${this.path}: reading failed (${(err as Error).message}).`);
      }
      if (n === 0) throw new ZipError(this.path, `${this.path}: unexpected end of file at byte ${position + done}.`);
      done += n;
    }
    return buf;
  }

  private readCentralDirectory(): void {
    const tailLength = Math.min(this.fileSize, EOCD_SIZE + MAX_COMMENT);
    const tailStart = this.fileSize - tailLength;
    const tail = this.bytes(tailStart, tailLength);
    let eocd = -1;
    for (let i = tailLength - EOCD_SIZE; i >= 0; i--) {
      if (tail.readUInt32LE(i) === EOCD_SIGNATURE) {
        eocd = i;
        break;
      }
    }
    if (eocd < 0) throw new ZipError(this.path, `${this.path}: not a zip archive (no end-of-central-directory record). Is the download complete?`);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
      const locatorAt = eocd - 20;
      if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) this.damaged('a ZIP64 archive without a ZIP64 locator');
      const z64 = this.bytes(safeNumber(tail.readBigUInt64LE(locatorAt + 8)), 56);
      if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) this.damaged('the ZIP64 end-of-central-directory record is missing');
      count = safeNumber(z64.readBigUInt64LE(32));
      cdSize = safeNumber(z64.readBigUInt64LE(40));
      cdOffset = safeNumber(z64.readBigUInt64LE(48));
    }
    const cd = this.bytes(cdOffset, cdSize);
    if (count > cd.length / CENTRAL_SIZE) this.damaged(`the directory lists ${count} members but has room for ${Math.floor(cd.length / CENTRAL_SIZE)}`);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + CENTRAL_SIZE > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) this.damaged(`the central directory is damaged at entry ${i}`);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const nameEnd = p + CENTRAL_SIZE + nameLength;
      const extraEnd = nameEnd + extraLength;
      if (extraEnd + commentLength > cd.length) this.damaged(`central directory entry ${i} runs past the directory`);
      const name = cd.toString('utf8', p + CENTRAL_SIZE, nameEnd);
      // ZIP64 extra field: the 64-bit values, in this order, for each 32-bit field that is saturated.
      for (let e = nameEnd; e + 4 <= extraEnd; ) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        const end = e + 4 + len;
        if (end > extraEnd) this.damaged(`an extra field of member "${name}" runs past its entry`);
        if (id === ZIP64_EXTRA_ID) {
          let q = e + 4;
          const next = () => {
            if (q + 8 > end) this.damaged(`the ZIP64 field of member "${name}" is too short`);
            const v = safeNumber(cd.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (size === U32_MAX) size = next();
          if (compressedSize === U32_MAX) compressedSize = next();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
        }
        e = end;
      }
      if (this.entries.has(name)) this.damaged(`member "${name}" appears twice`);
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLength;
    }
  }
}

/** A 64-bit field as a number; values past 2^53 cannot be offsets into any real file. */
function safeNumber(v: bigint): number {
  return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
}

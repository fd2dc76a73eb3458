// A small read-only ZIP reader for torch checkpoints (pytorch_model.bin is a zip archive). It reads
// the central directory (ZIP64 too: multi-GB checkpoints need it) and hands out members by name,
// reading each one from disk on demand so a large archive is never held in memory whole.
// Stored (method 0, what torch writes) and deflated (method 8) members are supported.
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { inflateRawSync } from 'node:zlib';

export class ZipError extends Error {}

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
const MAX_COMMENT = 0xffff;

export class ZipArchive {
  readonly entries = new Map<string, ZipEntry>();
  private readonly fd: number;
  private readonly fileSize: number;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    try {
      this.fileSize = fstatSync(this.fd).size;
      this.readCentralDirectory();
    } catch (err) {
      closeSync(this.fd);
      throw err;
    }
  }

  close(): void {
    closeSync(this.fd);
  }

  /** The uncompressed bytes of member `name`. */
  read(name: string): Buffer {
    const entry = this.entries.get(name);
    if (!entry) throw new ZipError(`${this.path}: the archive has no member "${name}".`);
    const local = this.bytes(entry.localHeaderOffset, 30);
    if (local.readUInt32LE(0) !== LOCAL_SIGNATURE) throw new ZipError(`${this.path}: member "${name}" has a damaged local header.`);
    // The local extra field may differ from the central one: torch pads it to align the data.
    const dataStart = entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
    const raw = this.bytes(dataStart, entry.compressedSize);
    if (entry.method === 0) return raw;
    if (entry.method === 8) {
      const out = inflateRawSync(raw);
      if (out.length !== entry.size) throw new ZipError(`${this.path}: member "${name}" inflates to ${out.length} bytes, not ${entry.size}; the file is damaged.`);
      return out;
    }
    throw new ZipError(`${this.path}: member "${name}" uses compression method ${entry.method}; only stored (0) and deflate (8) are supported.`);
  }

  private bytes(position: number, length: number): Buffer {
    if (position < 0 || position + length > this.fileSize) {
      throw new ZipError(`${this.path}: a record at byte ${position} runs past the end of the ${this.fileSize}-byte file. Is the download complete?`);
    }
    const buf = Buffer.alloc(length);
    let done = 0;
    while (done < length) {
      const n = readSync(this.fd, buf, done, length - done, position + done);
      if (n === 0) throw new ZipError(`${this.path}: unexpected end of file at byte ${position + done}.`);
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
    if (eocd < 0) throw new ZipError(`${this.path}: not a zip archive (no end-of-central-directory record). Is the download complete?`);
    let count = tail.readUInt16LE(eocd + 10);
    let cdSize = tail.readUInt32LE(eocd + 12);
    let cdOffset = tail.readUInt32LE(eocd + 16);
    if (count === 0xffff || cdSize === U32_MAX || cdOffset === U32_MAX) {
      const locatorAt = eocd - 20;
      if (locatorAt < 0 || tail.readUInt32LE(locatorAt) !== ZIP64_LOCATOR_SIGNATURE) {
        throw new ZipError(`${this.path}: ZIP64 archive without a ZIP64 locator; the file is damaged.`);
      }
      const z64 = this.bytes(Number(tail.readBigUInt64LE(locatorAt + 8)), 56);
      if (z64.readUInt32LE(0) !== ZIP64_EOCD_SIGNATURE) throw new ZipError(`${this.path}: damaged ZIP64 end-of-central-directory record.`);
      count = Number(z64.readBigUInt64LE(32));
      cdSize = Number(z64.readBigUInt64LE(40));
      cdOffset = Number(z64.readBigUInt64LE(48));
    }
    const cd = this.bytes(cdOffset, cdSize);
    let p = 0;
    for (let i = 0; i < count; i++) {
      if (p + 46 > cd.length || cd.readUInt32LE(p) !== CENTRAL_SIGNATURE) throw new ZipError(`${this.path}: damaged central directory (entry ${i}).`);
      const method = cd.readUInt16LE(p + 10);
      let compressedSize = cd.readUInt32LE(p + 20);
      let size = cd.readUInt32LE(p + 24);
      const nameLength = cd.readUInt16LE(p + 28);
      const extraLength = cd.readUInt16LE(p + 30);
      const commentLength = cd.readUInt16LE(p + 32);
      let localHeaderOffset = cd.readUInt32LE(p + 42);
      const name = cd.toString('utf8', p + 46, p + 46 + nameLength);
      // ZIP64 extra field: the 64-bit values, in this order, for each 32-bit field that is saturated.
      let e = p + 46 + nameLength;
      const extraEnd = e + extraLength;
      while (e + 4 <= extraEnd) {
        const id = cd.readUInt16LE(e);
        const len = cd.readUInt16LE(e + 2);
        if (id === ZIP64_EXTRA_ID) {
          let q = e + 4;
          const next = () => {
            const v = Number(cd.readBigUInt64LE(q));
            q += 8;
            return v;
          };
          if (size === U32_MAX) size = next();
          if (compressedSize === U32_MAX) compressedSize = next();
          if (localHeaderOffset === U32_MAX) localHeaderOffset = next();
        }
        e += 4 + len;
      }
      this.entries.set(name, { name, method, compressedSize, size, localHeaderOffset });
      p = extraEnd + commentLength;
    }
  }
}

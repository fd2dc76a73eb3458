// Reads and writes the parts of SentencePiece's ModelProto (sentencepiece_model.proto) that we need.
// The wasm library exposes no IdToPiece / GetPieceSize, so the vocabulary is read here; the writer
// exists to turn a tokenizer.json Unigram model back into a model file the real library can load.

/** sentencepiece_model.proto `SentencePiece.Type`. */
export enum PieceType {
  Normal = 1,
  Unknown = 2,
  Control = 3,
  UserDefined = 4,
  Unused = 5,
  Byte = 6,
}

export interface ModelPiece {
  piece: string;
  score: number;
  type: PieceType;
}

/** NormalizerSpec fields that change how text is encoded. */
export interface NormalizerSpec {
  name: string;
  precompiledCharsmap: Uint8Array;
  addDummyPrefix: boolean;
  removeExtraWhitespaces: boolean;
  escapeWhitespaces: boolean;
}

/** TrainerSpec fields we check or write (model_type is always written as UNIGRAM). */
export interface TrainerSpec {
  vocabSize: number;
  unkId: number;
  bosId: number;
  eosId: number;
  padId: number;
}

export interface ModelProto {
  pieces: ModelPiece[];
  trainerSpec: TrainerSpec;
  normalizerSpec: NormalizerSpec;
}

// Field numbers from sentencepiece_model.proto.
const MODEL_PIECES = 1;
const MODEL_TRAINER_SPEC = 2;
const MODEL_NORMALIZER_SPEC = 3;
const PIECE_PIECE = 1;
const PIECE_SCORE = 2;
const PIECE_TYPE = 3;
const TRAINER_MODEL_TYPE = 3;
const TRAINER_VOCAB_SIZE = 4;
const TRAINER_UNK_ID = 40;
const TRAINER_BOS_ID = 41;
const TRAINER_EOS_ID = 42;
const TRAINER_PAD_ID = 43;
const NORMALIZER_NAME = 1;
const NORMALIZER_CHARSMAP = 2;
const NORMALIZER_ADD_DUMMY_PREFIX = 3;
const NORMALIZER_REMOVE_EXTRA_WHITESPACES = 4;
const NORMALIZER_ESCAPE_WHITESPACES = 5;
const MODEL_TYPE_UNIGRAM = 1;

const WIRE_VARINT = 0;
const WIRE_FIXED64 = 1;
const WIRE_BYTES = 2;
const WIRE_FIXED32 = 5;

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Thrown for bytes that are not a SentencePiece model; `load` turns it into an error naming the file. */
export class ModelProtoError extends Error {}

interface Field {
  field: number;
  wire: number;
  varint: bigint;
  bytes: Uint8Array;
  fixed32: number;
}

function* readFields(buf: Uint8Array): Generator<Field> {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  // bigint: negative int32 ids (-1) are stored as 10-byte two's-complement varints.
  const varint = (): bigint => {
    let result = 0n;
    let shift = 0n;
    for (;;) {
      if (pos >= buf.length) throw new ModelProtoError('truncated varint');
      const b = buf[pos++];
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
      shift += 7n;
      if (shift > 63n) throw new ModelProtoError('varint longer than 10 bytes');
    }
  };
  while (pos < buf.length) {
    const key = Number(varint());
    const field = Math.floor(key / 8);
    const wire = key % 8;
    if (field === 0) throw new ModelProtoError('field number 0');
    if (wire === WIRE_VARINT) {
      yield { field, wire, varint: varint(), bytes: new Uint8Array(0), fixed32: 0 };
    } else if (wire === WIRE_BYTES) {
      const len = Number(varint());
      if (pos + len > buf.length) throw new ModelProtoError(`field ${field} runs past the end`);
      yield { field, wire, varint: 0n, bytes: buf.subarray(pos, pos + len), fixed32: 0 };
      pos += len;
    } else if (wire === WIRE_FIXED32) {
      if (pos + 4 > buf.length) throw new ModelProtoError('truncated fixed32');
      yield { field, wire, varint: 0n, bytes: new Uint8Array(0), fixed32: view.getFloat32(pos, true) };
      pos += 4;
    } else if (wire === WIRE_FIXED64) {
      if (pos + 8 > buf.length) throw new ModelProtoError('truncated fixed64');
      pos += 8;
    } else {
      throw new ModelProtoError(`unsupported wire type ${wire} at byte ${pos}`);
    }
  }
  if (pos !== buf.length) throw new ModelProtoError('trailing bytes');
}

function int32(v: bigint): number {
  return Number(BigInt.asIntN(32, v));
}

function readPiece(buf: Uint8Array): ModelPiece {
  const piece: ModelPiece = { piece: '', score: 0, type: PieceType.Normal };
  for (const f of readFields(buf)) {
    if (f.field === PIECE_PIECE && f.wire === WIRE_BYTES) piece.piece = utf8.decode(f.bytes);
    else if (f.field === PIECE_SCORE && f.wire === WIRE_FIXED32) piece.score = f.fixed32;
    else if (f.field === PIECE_TYPE && f.wire === WIRE_VARINT) piece.type = int32(f.varint) as PieceType;
  }
  return piece;
}

function readTrainerSpec(buf: Uint8Array): TrainerSpec {
  // Defaults from sentencepiece_model.proto.
  const spec: TrainerSpec = { vocabSize: 8000, unkId: 0, bosId: 1, eosId: 2, padId: -1 };
  for (const f of readFields(buf)) {
    if (f.wire !== WIRE_VARINT) continue;
    if (f.field === TRAINER_VOCAB_SIZE) spec.vocabSize = int32(f.varint);
    else if (f.field === TRAINER_UNK_ID) spec.unkId = int32(f.varint);
    else if (f.field === TRAINER_BOS_ID) spec.bosId = int32(f.varint);
    else if (f.field === TRAINER_EOS_ID) spec.eosId = int32(f.varint);
    else if (f.field === TRAINER_PAD_ID) spec.padId = int32(f.varint);
  }
  return spec;
}

function readNormalizerSpec(buf: Uint8Array): NormalizerSpec {
  const spec: NormalizerSpec = {
    name: '',
    precompiledCharsmap: new Uint8Array(0),
    addDummyPrefix: true,
    removeExtraWhitespaces: true,
    escapeWhitespaces: true,
  };
  for (const f of readFields(buf)) {
    if (f.field === NORMALIZER_NAME && f.wire === WIRE_BYTES) spec.name = utf8.decode(f.bytes);
    else if (f.field === NORMALIZER_CHARSMAP && f.wire === WIRE_BYTES) spec.precompiledCharsmap = f.bytes.slice();
    else if (f.field === NORMALIZER_ADD_DUMMY_PREFIX) spec.addDummyPrefix = f.varint !== 0n;
    else if (f.field === NORMALIZER_REMOVE_EXTRA_WHITESPACES) spec.removeExtraWhitespaces = f.varint !== 0n;
    else if (f.field === NORMALIZER_ESCAPE_WHITESPACES) spec.escapeWhitespaces = f.varint !== 0n;
  }
  return spec;
}

/** Parses a serialized ModelProto; throws ModelProtoError for anything that is not one. */
export function readModelProto(buf: Uint8Array): ModelProto {
  const pieces: ModelPiece[] = [];
  let trainerSpec: TrainerSpec | undefined;
  let normalizerSpec: NormalizerSpec | undefined;
  try {
    for (const f of readFields(buf)) {
      if (f.wire !== WIRE_BYTES) continue;
      if (f.field === MODEL_PIECES) pieces.push(readPiece(f.bytes));
      else if (f.field === MODEL_TRAINER_SPEC) trainerSpec = readTrainerSpec(f.bytes);
      else if (f.field === MODEL_NORMALIZER_SPEC) normalizerSpec = readNormalizerSpec(f.bytes);
    }
  } catch (err) {
    if (err instanceof ModelProtoError) throw err;
    // TextDecoder's fatal mode: a piece that is not UTF-8 means this is not a model file.
    throw new ModelProtoError(`not a SentencePiece model (${(err as Error).message})`);
  }
  if (pieces.length === 0) throw new ModelProtoError('no vocabulary pieces');
  if (!trainerSpec || !normalizerSpec) throw new ModelProtoError('trainer_spec or normalizer_spec is missing');
  return { pieces, trainerSpec, normalizerSpec };
}

class Writer {
  private readonly chunks: Uint8Array[] = [];
  private size = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.size += bytes.length;
  }

  private varint(v: number): void {
    // Negative int32 values are written as 10-byte two's complement, as protobuf does.
    let n = v < 0 ? BigInt.asUintN(64, BigInt(v)) : BigInt(v);
    const out: number[] = [];
    do {
      const low = Number(n & 0x7fn);
      n >>= 7n;
      out.push(n > 0n ? low | 0x80 : low);
    } while (n > 0n);
    this.push(Uint8Array.from(out));
  }

  int(field: number, v: number): this {
    this.varint(field * 8 + WIRE_VARINT);
    this.varint(v);
    return this;
  }

  bool(field: number, v: boolean): this {
    return this.int(field, v ? 1 : 0);
  }

  float(field: number, v: number): this {
    this.varint(field * 8 + WIRE_FIXED32);
    const b = new Uint8Array(4);
    new DataView(b.buffer).setFloat32(0, v, true);
    this.push(b);
    return this;
  }

  bytes(field: number, v: Uint8Array): this {
    this.varint(field * 8 + WIRE_BYTES);
    this.varint(v.length);
    this.push(v);
    return this;
  }

  string(field: number, v: string): this {
    return this.bytes(field, new TextEncoder().encode(v));
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.size);
    let pos = 0;
    for (const c of this.chunks) {
      out.set(c, pos);
      pos += c.length;
    }
    return out;
  }
}

/** Serializes a ModelProto with the fields above (others keep their proto defaults). */
export function writeModelProto(model: ModelProto): Uint8Array {
  const w = new Writer();
  for (const p of model.pieces) {
    const piece = new Writer().string(PIECE_PIECE, p.piece).float(PIECE_SCORE, p.score);
    if (p.type !== PieceType.Normal) piece.int(PIECE_TYPE, p.type);
    w.bytes(MODEL_PIECES, piece.finish());
  }
  const t = model.trainerSpec;
  w.bytes(
    MODEL_TRAINER_SPEC,
    new Writer()
      .int(TRAINER_MODEL_TYPE, MODEL_TYPE_UNIGRAM)
      .int(TRAINER_VOCAB_SIZE, t.vocabSize)
      .int(TRAINER_UNK_ID, t.unkId)
      .int(TRAINER_BOS_ID, t.bosId)
      .int(TRAINER_EOS_ID, t.eosId)
      .int(TRAINER_PAD_ID, t.padId)
      .finish(),
  );
  const n = model.normalizerSpec;
  w.bytes(
    MODEL_NORMALIZER_SPEC,
    new Writer()
      .string(NORMALIZER_NAME, n.name)
      .bytes(NORMALIZER_CHARSMAP, n.precompiledCharsmap)
      .bool(NORMALIZER_ADD_DUMMY_PREFIX, n.addDummyPrefix)
      .bool(NORMALIZER_REMOVE_EXTRA_WHITESPACES, n.removeExtraWhitespaces)
      .bool(NORMALIZER_ESCAPE_WHITESPACES, n.escapeWhitespaces)
      .finish(),
  );
  return w.finish();
}

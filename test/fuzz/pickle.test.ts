// Fuzz: the restricted unpickler with a state dict's globals, on mutated state-dict pickles (torch's
// own from the reference fixture, and synthetic ones) and on random opcode streams.
import { unpickleStateDict } from '../../src/core/io/torch-checkpoint';
import { ZipArchive } from '../../src/core/io/zip';
import { stateDictPickle } from '../support/torch-files';
import { fuzzParser, type Mutator } from './harness';
import { TINY_FIXTURE, sharedFile } from './fixtures';
import { join } from 'node:path';

const synthetic = stateDictPickle({
  'shared.weight': { storage: new Float32Array(12), shape: [3, 4] },
  'lm_head.weight': { storage: new Float32Array(12), shape: [4, 3], stride: [1, 4], key: '0' },
  'encoder.final_layer_norm.weight': { storage: new Float32Array(4), shape: [4] },
});

function torchPickle(): Buffer | undefined {
  if (!sharedFile('pytorch_model.bin')) return undefined;
  const zip = new ZipArchive(join(TINY_FIXTURE, 'pytorch_model.bin'));
  try {
    const name = [...zip.entries.keys()].find((n) => n.endsWith('data.pkl'))!;
    return zip.read(name, 64 * 2 ** 20);
  } finally {
    zip.close();
  }
}
const seeds = [synthetic, ...[torchPickle()].filter((b): b is Buffer => b !== undefined)];

/** Opcodes with plausible arguments: long integers, big lengths, memo indices, marks, globals. */
function randomOpcodes(m: Mutator): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n >>> 0);
    return b;
  };
  const ops: (() => Buffer)[] = [
    () => Buffer.from([0x80, m.int(7)]), // PROTO
    () => Buffer.concat([Buffer.from([0x8b]), u32(m.pick([0, 1, 8, 1000, 2 ** 20])), m.bytes(m.int(64))]), // LONG4
    () => Buffer.concat([Buffer.from([0x8a, m.int(256)]), m.bytes(m.int(256))]), // LONG1
    () => Buffer.from(`L${'9'.repeat(1 + m.int(6000))}L\n`), // LONG (text)
    () => Buffer.from(`I${m.pick(['01', '00', '-5', 'x', '1'.repeat(5000)])}\n`), // INT (text)
    () => Buffer.concat([Buffer.from([0x58]), u32(m.pick([0, 3, 2 ** 31, 2 ** 32 - 1])), Buffer.from('abc')]), // BINUNICODE
    () => Buffer.from([m.pick([0x28, 0x29, 0x5d, 0x7d, 0x4e, 0x88, 0x89, 0x74, 0x6c, 0x64, 0x65, 0x75, 0x61, 0x73, 0x30, 0x31, 0x32, 0x85, 0x86, 0x87, 0x52, 0x81, 0x62, 0x51, 0x94, 0x93])]),
    () => Buffer.from([m.pick([0x71, 0x68]), m.int(256)]), // BINPUT / BINGET
    () => Buffer.concat([Buffer.from([m.pick([0x72, 0x6a])]), u32(m.pick([0, 1, 2 ** 31, 2 ** 32 - 1]))]), // LONG_BINPUT / LONG_BINGET
    () => Buffer.from(m.pick(['ccollections\nOrderedDict\n', 'ctorch._utils\n_rebuild_tensor_v2\n', 'ctorch\nFloatStorage\n', 'cos\nsystem\n', 'cbuiltins\neval\n', 'p1\n', 'g1\n', 'g99\n'])),
    () => Buffer.concat([Buffer.from([0x95]), Buffer.from(m.bytes(8))]), // FRAME
    () => Buffer.from([m.int(256)]),
  ];
  const parts = Array.from({ length: 1 + m.int(40) }, () => m.pick(ops)());
  return Buffer.concat([...parts, Buffer.from('.')]);
}

fuzzParser('pickle', {
  defaultCases: 1500,
  makeCase: (m) => {
    const bytes = m.chance(0.25) ? randomOpcodes(m) : m.mutateBytes(m.pick(seeds));
    const file = 'fuzz/archive/data.pkl';
    return { file, inputBytes: bytes.length, run: () => unpickleStateDict(bytes, file) };
  },
});

// A restricted unpickler: it decodes the pickle opcodes that torch.save writes for a state dict
// (protocol 2, plus the protocol 3/4 forms of the same values) and never runs anything. Every
// GLOBAL is looked up in an allowlist supplied by the caller and refused otherwise, at the opcode
// itself, as torch.load(weights_only=True) does. Opcodes that build arbitrary objects (INST, OBJ,
// EXT*) are refused outright. Its cost is linear in the input: every opcode does work bounded by
// its own bytes (long integers are read as hex, not bit by bit), and values are shared, not copied.
import { FileFormatError } from './errors';

export class PickleError extends FileFormatError {}

/** A Python tuple (kept apart from lists so persistent ids and call arguments read naturally). */
export class PyTuple {
  constructor(readonly items: PickleValue[]) {}
}

export type PyKey = string | number | bigint | boolean | null;

/** A Python dict or collections.OrderedDict, in insertion order. */
export class PyDict {
  readonly entries = new Map<PyKey, PickleValue>();
  /** State given by BUILD (torch stores the state dict's `_metadata` there). */
  state: PickleValue = null;
}

/** A value made by an allowed global or by the persistent loader; `tag` tells the caller what it is. */
export class PyOpaque<T = unknown> {
  constructor(readonly tag: string, readonly value: T) {}
}

/** An allowed global: calling it (REDUCE / NEWOBJ) maps arguments to a value, without side effects. */
export class PyCallable {
  constructor(readonly qualifiedName: string, readonly call: (args: PickleValue[]) => PickleValue) {}
}

export type PickleValue = null | boolean | number | bigint | string | Uint8Array | PickleValue[] | PyTuple | PyDict | PyOpaque | PyCallable;

export interface UnpickleOptions {
  /** Where the bytes came from, for error messages. */
  source: string;
  /** Returns the allowed global `module.name`, or undefined to refuse it. */
  findGlobal(module: string, name: string): PyCallable | undefined;
  /** Resolves a persistent id (BINPERSID); torch uses it for tensor storages. */
  persistentLoad?(pid: PickleValue): PickleValue;
  /** Explains a refused global (appended to the error). */
  refusalHint?: string;
}

const MARK = Symbol('mark');
type StackItem = PickleValue | typeof MARK;

function keyOf(v: PickleValue, source: string): PyKey {
  if (v === null || typeof v === 'string' || typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return v;
  throw new PickleError(source, `${source}: a dict key is not a string or number; this is not a state dict.`);
}

/** A Python int as a number when it is exactly one, else a bigint. */
function narrow(v: bigint): number | bigint {
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

/** LONG1/LONG4: little-endian two's complement, read in linear time (one hex string, one BigInt). */
function fromSigned(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  const v = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`);
  return narrow(bytes[bytes.length - 1] & 0x80 ? v - (1n << BigInt(bytes.length * 8)) : v);
}

export function unpickle(data: Uint8Array, opts: UnpickleOptions): PickleValue {
  const { source } = opts;
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const stack: StackItem[] = [];
  const memo = new Map<number, PickleValue>();
  let pos = 0;

  function fail(what: string): never {
    throw new PickleError(source, `${source}: ${what} (pickle byte ${pos}).`);
  }
  const need = (n: number) => {
    if (n < 0 || pos + n > buf.length) fail('the pickle is truncated');
  };
  const u8 = () => (need(1), buf[pos++]);
  const u16 = () => (need(2), (pos += 2), buf.readUInt16LE(pos - 2));
  const u32 = () => (need(4), (pos += 4), buf.readUInt32LE(pos - 4));
  const i32 = () => (need(4), (pos += 4), buf.readInt32LE(pos - 4));
  const u64 = () => {
    need(8);
    const v = buf.readBigUInt64LE(pos);
    pos += 8;
    if (v > BigInt(buf.length)) fail('a length field is larger than the whole pickle');
    return Number(v);
  };
  const take = (n: number) => {
    need(n);
    pos += n;
    return buf.subarray(pos - n, pos);
  };
  const line = () => {
    const end = buf.indexOf(0x0a, pos);
    if (end < 0) fail('the pickle is truncated (missing newline)');
    const s = buf.toString('latin1', pos, end);
    pos = end + 1;
    return s;
  };
  /** A decimal integer of a text opcode (INT, LONG, PUT, GET); at most 4300 digits, Python's own limit for int(str). */
  const decimal = (text: string): bigint => {
    if (!/^[-+]?\d{1,4300}$/.test(text)) fail(`${JSON.stringify(text.slice(0, 40))} is not a decimal integer`);
    return BigInt(text);
  };
  const index = (text: string): number => {
    const v = decimal(text);
    if (v < 0n || v > 0xffffffffn) fail(`memo index ${text} is out of range`);
    return Number(v);
  };
  const pop = (): PickleValue => {
    const v = stack.pop();
    if (v === undefined) return fail('stack underflow: the pickle is damaged');
    if (v === MARK) return fail('unexpected MARK: the pickle is damaged');
    return v;
  };
  const top = (): PickleValue => {
    const v = stack[stack.length - 1];
    if (v === undefined || v === MARK) return fail('stack underflow: the pickle is damaged');
    return v;
  };
  const popMark = (): PickleValue[] => {
    const at = stack.lastIndexOf(MARK);
    if (at < 0) fail('no MARK on the stack: the pickle is damaged');
    const items = stack.splice(at) as PickleValue[];
    items.shift();
    return items;
  };
  const resolveGlobal = (module: string, name: string): PyCallable => {
    const found = opts.findGlobal(module, name);
    if (!found) {
      throw new PickleError(
        source,
        `${source}: refused to load: the pickle asks for the Python global "${module}.${name}", which is not on the allowlist of a weights file. ` +
          `Nothing was executed.${opts.refusalHint ? ` ${opts.refusalHint}` : ''}`,
      );
    }
    return found;
  };
  const call = (fn: PickleValue, args: PickleValue): PickleValue => {
    if (!(fn instanceof PyCallable)) return fail('REDUCE on a value that is not an allowed global');
    if (!(args instanceof PyTuple)) return fail(`arguments of ${fn.qualifiedName} are not a tuple`);
    return fn.call(args.items);
  };
  function setItems(target: PickleValue, items: PickleValue[]): void {
    if (!(target instanceof PyDict)) fail('SETITEM(S) on a value that is not a dict');
    if (items.length % 2 !== 0) fail('SETITEMS with an odd number of values');
    for (let i = 0; i < items.length; i += 2) target.entries.set(keyOf(items[i], source), items[i + 1]);
  }
  function append(target: PickleValue, items: PickleValue[]): void {
    if (!Array.isArray(target)) fail('APPEND(S) on a value that is not a list');
    for (const item of items) target.push(item);
  }

  for (;;) {
    const opAt = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail('pickle protocol newer than 5');
        break;
      case 0x95: // FRAME: a length hint only
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1) fail('the pickle ended with a damaged stack');
        return pop();
      case 0x28: // MARK
        stack.push(MARK);
        break;
      case 0x30: // POP
        stack.pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x8a: // LONG1
        stack.push(fromSigned(take(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(fromSigned(take(u32())));
        break;
      case 0x49: {
        // INT (text): also encodes True/False as 01/00 in protocol 0
        const s = line();
        stack.push(s === '01' ? true : s === '00' ? false : narrow(decimal(s)));
        break;
      }
      case 0x4c: {
        // LONG (text)
        stack.push(narrow(decimal(line().replace(/L$/, ''))));
        break;
      }
      case 0x47: // BINFLOAT (big-endian double)
        need(8);
        stack.push(buf.readDoubleBE(pos));
        pos += 8;
        break;
      case 0x58: // BINUNICODE
        stack.push(take(u32()).toString('utf8'));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(take(u8()).toString('utf8'));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(take(u64()).toString('utf8'));
        break;
      case 0x54: // BINSTRING (py2 str)
        stack.push(take(i32()).toString('latin1'));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(take(u8()).toString('latin1'));
        break;
      case 0x42: // BINBYTES
        stack.push(Uint8Array.from(take(u32())));
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(Uint8Array.from(take(u8())));
        break;
      case 0x8e: // BINBYTES8
        stack.push(Uint8Array.from(take(u64())));
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(new PyTuple([]));
        break;
      case 0x74: // TUPLE
        stack.push(new PyTuple(popMark()));
        break;
      case 0x85: // TUPLE1
        stack.push(new PyTuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        stack.push(new PyTuple([pop(), b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        stack.push(new PyTuple([pop(), b, c]));
        break;
      }
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const v = pop();
        append(top(), [v]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        append(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop();
        const k = pop();
        setItems(top(), [k, v]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const items = popMark();
        setItems(top(), items);
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT (text)
        memo.set(index(line()), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET (text)
        const idx = op === 0x68 ? u8() : op === 0x6a ? u32() : index(line());
        if (!memo.has(idx)) fail(`memo entry ${idx} is read before it is written`);
        stack.push(memo.get(idx) as PickleValue);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        const name = line();
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings');
        stack.push(resolveGlobal(module, name));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, args));
        break;
      }
      case 0x81: {
        // NEWOBJ: cls.__new__(cls, *args) -- only for allowed classes
        const args = pop();
        const cls = pop();
        stack.push(call(cls, args));
        break;
      }
      case 0x62: {
        // BUILD: only a dict may take state (an OrderedDict's attributes)
        const state = pop();
        const target = top();
        if (!(target instanceof PyDict)) fail('BUILD (setting object state) on a value that is not a dict is not allowed');
        target.state = state;
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop();
        if (!opts.persistentLoad) fail('persistent ids are not expected here');
        stack.push(opts.persistentLoad(pid));
        break;
      }
      default:
        pos = opAt;
        fail(`opcode 0x${op.toString(16).padStart(2, '0')} ('${String.fromCharCode(op)}') is not allowed in a weights file; nothing was executed`);
    }
  }
}

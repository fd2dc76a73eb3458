// A writer that crashes on purpose (SIGKILL, as kill -9 or a power cut would stop it) at one step of
// a folder swap, for the fault suite. Usage: crash-child.ts <dir> <version> <step|mid-fill|none>
// Writes <dir>/a.txt and <dir>/b.txt, both holding <version>, through writeDirAtomic.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeDirAtomic, type SwapStep } from '../../src/core/io/atomic';

const [dir, version, crashAt] = process.argv.slice(2);
const crash = () => process.kill(process.pid, 'SIGKILL');
writeDirAtomic(
  dir,
  (tmp) => {
    writeFileSync(join(tmp, 'a.txt'), version);
    if (crashAt === 'mid-fill') crash();
    writeFileSync(join(tmp, 'b.txt'), version);
  },
  { afterStep: (step: SwapStep) => step === crashAt && crash() },
);

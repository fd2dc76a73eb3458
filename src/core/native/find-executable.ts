// Finding a program (npm, nvidia-smi) the way a shell would, plus the places installers put it that
// are often missing from PATH: VS Code started from a desktop launcher or the macOS Dock gets a
// minimal PATH without the user's shell profile (nvm, Homebrew, Volta...).
import { statSync } from 'node:fs';
import { join } from 'node:path';

export interface SearchContext {
  env: NodeJS.ProcessEnv;
  platform: NodeJS.Platform;
  /** Whether `path` is an existing file (injected by the tests). */
  isFile?: (path: string) => boolean;
}

export function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** The PATH entries, in order (Windows spells it Path). */
export function pathDirs(ctx: SearchContext): string[] {
  const value = ctx.env.PATH ?? ctx.env.Path ?? '';
  return value.split(ctx.platform === 'win32' ? ';' : ':').filter((d) => d.trim() !== '');
}

/** File names `name` may have: Windows runs npm as npm.cmd and nvidia-smi as nvidia-smi.exe. */
export function executableNames(name: string, platform: NodeJS.Platform): string[] {
  return platform === 'win32' ? [`${name}.cmd`, `${name}.exe`] : [name];
}

/** The first of `dirs` holding `name`, or undefined. */
export function findIn(name: string, dirs: readonly string[], ctx: SearchContext): string | undefined {
  const exists = ctx.isFile ?? isFile;
  for (const dir of dirs) {
    for (const file of executableNames(name, ctx.platform)) {
      const candidate = join(dir, file);
      if (exists(candidate)) return candidate;
    }
  }
  return undefined;
}

// The platform-specific .vsix packages (vsce package --target ...): each carries Prompt Tuner plus
// the WebGPU backend's Dawn build for its platform alone (the webgpu npm package holds all five,
// 130 MB; one is 12-40 MB, 5-15 MB compressed). A .vsix without a target is the universal package,
// without Dawn: VS Code installs it where no platform package exists (the webgpu backend then says
// why it cannot load). Used by scripts/package.mjs and tested by test/unit/vsix-targets.test.ts.
import { readFileSync } from 'node:fs';

/** VS Code's target -> the folder of node_modules/webgpu/dist/ that target runs. */
export const VSIX_TARGETS = {
  'linux-x64': 'linux-x64',
  'linux-arm64': 'linux-arm64',
  'darwin-x64': 'darwin-universal',
  'darwin-arm64': 'darwin-universal',
  'win32-x64': 'win32-x64',
  'win32-arm64': 'win32-arm64',
};

/** The lines a target adds to .vscodeignore: its Dawn (win32: with its DirectX compilers) and tfjs' webgpu backend. */
export function targetIgnoreLines(target) {
  const folder = VSIX_TARGETS[target];
  if (!folder) throw new Error(`unknown target "${target}": use one of ${Object.keys(VSIX_TARGETS).join(', ')} (or none for the universal package)`);
  return [
    `# The WebGPU backend for ${target}: Dawn (node_modules/webgpu/dist/${folder}) and TensorFlow.js' webgpu backend.`,
    `!node_modules/webgpu/dist/${folder}/**`,
    '!node_modules/@tensorflow/tfjs-backend-webgpu/dist/tf-backend-webgpu.node.js',
  ];
}

/** .vscodeignore's rules plus the target's. */
export function ignoreFileFor(target, base = readFileSync('.vscodeignore', 'utf8')) {
  return `${base.trimEnd()}\n\n${targetIgnoreLines(target).join('\n')}\n`;
}

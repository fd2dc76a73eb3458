// Dropout masks as the backend applies them: nextMask's tensor (bool, or on webgpu the bytes packed
// four to an int32 and read by a kernel of ours) through keepWhere keeps exactly the elements
// keepMask's bytes keep, at any rank, at an arena offset, and past 65535 workgroups of 64 (a webgpu
// dispatch split over two dimensions).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import * as tf from '../../src/core/tf';
import { selectBackend } from '../../src/core';
import { dropoutStream, keepMask, MaskArena, nextMask } from '../../src/core/tensor/dropout';
import { keepWhere, packedMasks } from '../../src/core/tensor/native';

let backend = '';
before(async () => {
  backend = (await selectBackend()).name;
});

test('keepWhere with nextMask\'s mask keeps what the mask bytes keep', () => {
  assert.equal(packedMasks(), backend === 'webgpu', 'masks are packed on webgpu alone');
  for (const shape of [[1, 1], [3, 5], [2, 4, 7, 9], [5, 1030, 1031]]) {
    const arena = new MaskArena();
    arena.take(5);
    const mask = nextMask(shape, dropoutStream(0.3, 9, 2, arena));
    const x = tf.randomNormal(shape, 0, 1, 'float32', 4);
    const kept = keepWhere(x, mask);
    const y = kept.dataSync();
    const xs = x.dataSync();
    const bytes = keepMask(shape, 0.3, 9, 0, 2);
    let wrong = 0;
    for (let i = 0; i < xs.length; i++) if (y[i] !== (bytes[i] ? xs[i] : 0)) wrong++;
    assert.equal(wrong, 0, `${JSON.stringify(shape)}: ${wrong} of ${xs.length} elements wrong`);
    assert.deepEqual(kept.shape, shape);
    tf.dispose([mask, x, kept]);
  }
});

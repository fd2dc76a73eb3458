// tfjs-core with its chained tensor methods (x.reshape(...)) and gradients registered; every engine module imports tf from here.
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import '@tensorflow/tfjs-core/dist/register_all_gradients';

export * from '@tensorflow/tfjs-core';
